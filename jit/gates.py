"""Whether a team may change now: the agreement decides (DESIGN.md §4).

Domain packages ask here before adding evidence or bundles, and before writing in the
chat; the agreements package installs the real rule with :func:`set_provider` when the
app is built. Until a team's agreement is modelled, every team is open.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # why not, and what would allow it; shown to the person

    def __bool__(self) -> bool:
        return self.allowed


OPEN = Decision(True)

# (team, action) -> Decision; action is one of ACTIONS.
ACTIONS = ("add_evidence", "record_custody", "draft_bundle", "release_bundle", "write_chat")
_provider: Callable[[object, str], Decision] | None = None


def set_provider(provider: Callable[[object, str], Decision] | None) -> None:
    global _provider
    _provider = provider


def may(team, action: str) -> Decision:
    """Return whether ``team`` may perform ``action`` now, with the reason if not."""
    if action not in ACTIONS:
        raise ValueError(f"unknown gated action {action!r}")
    return _provider(team, action) if _provider else OPEN


def may_add_evidence(team) -> Decision:
    return may(team, "add_evidence")
