"""CSV cells that a spreadsheet opens as text, and read back as they were written.

A cell starting with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel and LibreOffice
(CSV injection); an exported cell of ours gets a leading apostrophe, which those
programs hide, and :func:`from_cell` removes it again so an export imports unchanged.
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_cell(value) -> str:
    """Return ``value`` as a CSV cell a spreadsheet will not run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def from_cell(text: str) -> str:
    """Undo :func:`to_cell`: drop the apostrophe put before a formula-like cell."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_STARTS):
        return text[1:]
    return text
