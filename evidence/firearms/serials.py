"""Serial numbers and makes as matching sees them.

A serial is kept as read (what the court sees) and normalised (what matching compares):

- upper case, Unicode compatibility forms folded (NFKC), so ``ｍ57`` reads ``M57``;
- spaces, dashes, dots, slashes and underscores dropped: stamps and readers space and
  punctuate the same number differently (``12-M57 48221`` and ``12M5748221``);
- look-alikes folded to the digit: ``O``→``0``, ``I`` and ``L``→``1``, ``S``→``5``,
  ``B``→``8``. These are the pairs a worn, ground-off or laboratory-restored stamp
  leaves ambiguous and that readers of different services transcribe differently.
  Other pairs (``Z``/``2``, ``G``/``6``, ``D``/``0``) are not folded: they are read
  apart reliably, and each folded pair makes unrelated serials more likely to collide;
- ``?`` stands for one character that could not be read (a partly legible serial),
  and matches any one character.

A normalised serial with fewer than :data:`MIN_LEGIBLE` known characters is kept but
never matched: three question marks would otherwise match every three-character serial.
"""

import unicodedata

LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "S": "5", "B": "8"})
SEPARATORS = set(" \t-‐‑‒–—―−./\\_")
WILDCARD = "?"
MIN_LEGIBLE = 3


class SerialError(ValueError):
    """A serial that cannot be normalised, with a message fit for the person."""


def normalise_serial(as_read: str) -> str:
    """Return the form of ``as_read`` that matching compares; raise SerialError if none."""
    text = unicodedata.normalize("NFKC", as_read or "").upper()
    kept = []
    for char in text:
        if char in SEPARATORS or char.isspace():
            continue
        if char == WILDCARD or char.isalnum():
            kept.append(char)
            continue
        raise SerialError(
            f"The serial “{as_read.strip()}” contains “{char}”, which is not a letter, a digit, "
            "a separator or ? for an illegible character."
        )
    if not kept:
        raise SerialError(
            "The serial has no letters or digits (only spaces or dashes). Type what is "
            "legible, with ? for each character that is not."
        )
    return "".join(kept).translate(LOOK_ALIKES)


def normalise_make(manufacturer: str) -> str:
    """Return a manufacturer's name as matching compares it: letters and digits, upper case."""
    text = unicodedata.normalize("NFKC", manufacturer or "").upper()
    return "".join(char for char in text if char.isalnum())


def is_matchable(normalised: str) -> bool:
    return sum(1 for char in normalised if char != WILDCARD) >= MIN_LEGIBLE


def serials_match(left: str, right: str) -> bool:
    """Whether two normalised serials can be the same marking (``?`` matches one character)."""
    if len(left) != len(right) or not (is_matchable(left) and is_matchable(right)):
        return False
    return all(a == b or WILDCARD in (a, b) for a, b in zip(left, right, strict=True))
