"""Whether a team may change now: the agreement decides (DESIGN.md §4).

Domain packages ask here before adding evidence or bundles, and before writing in the
chat. The answer comes from the receivers of :data:`jit.signals.gate` (the agreements
package connects the real rule in its ``init_app``): any refusal refuses, and with no
refusal the team is open.
"""

from dataclasses import dataclass

from jit import signals


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # why not, and what would allow it; shown to the person

    def __bool__(self) -> bool:
        return self.allowed


OPEN = Decision(True)

ACTIONS = ("add_evidence", "record_custody", "draft_bundle", "release_bundle", "write_chat")


def may(team, action: str) -> Decision:
    """Return whether ``team`` may perform ``action`` now, with the reason if not."""
    if action not in ACTIONS:
        raise ValueError(f"unknown gated action {action!r}")
    for decision in signals.values(signals.gate, team, action=action):
        if not decision:
            return decision
    return OPEN
