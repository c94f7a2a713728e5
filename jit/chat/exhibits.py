"""Exhibit links in chat: which ``#exhibit`` references a reader gets a link for.

Chat does not know the evidence register. It asks ``signals.exhibit_links``, to which
the evidence package connects its own visibility rule; with no receiver, references
stay plain text.
"""

from collections.abc import Iterable

from jit import signals
from jit.teams.access import TeamAccess

MAX_REFERENCES_PER_LOOKUP = 50


def exhibit_links(access: TeamAccess, references: Iterable[str]) -> dict[str, str]:
    """Return links for the referenced exhibits ``access`` may see; others are left out.

    An exhibit that does not exist and one the reader may not see get the same answer
    (no link), so a reference never reveals an item's existence.
    """
    wanted = list(dict.fromkeys(str(ref) for ref in references))[:MAX_REFERENCES_PER_LOOKUP]
    if not wanted:
        return {}
    found = signals.merged(signals.exhibit_links, access, references=wanted)
    return {ref: url for ref, url in found.items() if ref in wanted and isinstance(url, str)}
