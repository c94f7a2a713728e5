"""The handling codes and the 4x4 evaluation codes: one definition for the whole workspace.

Evidence, chat, forms, templates and PDFs all read them from here, so an item and a
message marked the same way read the same way everywhere. They are the codes used with
Europol's SIENA (LEGAL.md §9): handling codes H0–H3, and the 4x4 evaluation of the
source's reliability (A, B, C, X) and of the information's accuracy (1–4), in the
wording of the 4x4 system. Evaluation is a choice: a thing nobody evaluated is "not
evaluated" (stored as ``None``), never silently X/4.
"""

HANDLING = {
    "H0": "No restriction beyond use for preventing and combating crime",
    "H1": "Not to be used as evidence in judicial proceedings without the permission of "
    "the provider",
    "H2": "Not to be disseminated further without the permission of the provider",
    "H3": "Other restrictions, stated with it",
}
# What fits in a narrow menu (the chat's composer); the full meaning goes in its title.
HANDLING_SHORT = {
    "H0": "crime-fighting use only",
    "H1": "not in court without permission",
    "H2": "no further dissemination",
    "H3": "other restrictions",
}

SOURCE_RELIABILITY = {
    "A": "No doubt about the authenticity, trustworthiness and competence of the source, "
    "or the source has proved reliable in all instances",
    "B": "Information from this source has in most instances proved reliable",
    "C": "Information from this source has in most instances proved unreliable",
    "X": "The reliability of the source cannot be assessed",
}
INFORMATION_ACCURACY = {
    "1": "Information whose accuracy is not in doubt",
    "2": "Information known personally to the source but not known personally to the "
    "official passing it on",
    "3": "Information not known personally to the source but corroborated by other "
    "information already recorded",
    "4": "Information not known personally to the source and cannot be corroborated",
}

NOT_EVALUATED = "Not evaluated"


def handling_label(code: str | None) -> str:
    """Return ``"H1 — Not to be used …"`` for a handling code (the code itself if unknown)."""
    return f"{code} — {HANDLING[code]}" if code in HANDLING else str(code or "")


def reliability_label(code: str | None) -> str:
    """Return ``"B — Information from this source …"``, or "Not evaluated"."""
    if code is None or code == "":
        return NOT_EVALUATED
    return f"{code} — {SOURCE_RELIABILITY[code]}" if code in SOURCE_RELIABILITY else code


def accuracy_label(code: str | None) -> str:
    """Return ``"2 — Information known personally …"``, or "Not evaluated"."""
    if code is None or code == "":
        return NOT_EVALUATED
    return f"{code} — {INFORMATION_ACCURACY[code]}" if code in INFORMATION_ACCURACY else code


def evaluation_code(reliability: str | None, accuracy: str | None) -> str:
    """Return the pair as written (``"B2"``, ``"B–"``), or "Not evaluated" if neither is set."""
    if not reliability and not accuracy:
        return NOT_EVALUATED
    return f"{reliability or '–'}{accuracy or '–'}"


def choices(codes: dict[str, str]) -> list[tuple[str, str]]:
    """Return a form's options: "Not evaluated" first (the empty value), then each code."""
    return [("", NOT_EVALUATED)] + [(code, f"{code} — {text}") for code, text in codes.items()]


def evaluation_or_none(value, codes: dict[str, str]) -> str | None:
    """Return ``value`` as a stored code (``None`` for not evaluated); ValueError if unknown."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in codes:
        raise ValueError(f"Use one of {', '.join(codes)}, or leave it not evaluated.")
    return value
