"""The agreement gate's answer for the chat's writer, remembered for a moment.

The group-commit writer asks the gate (:func:`jit.gates.may`, ``"write_chat"``) for
every team of every batch, at commit (:func:`jit.chat.writer.write_batch`). Its
receivers (the agreement's status, a deletion certificate, and whatever else a
package connects) take a few queries; at a busy channel's rate that was a tenth of the
server's busiest thread (py-spy, benchmarks/chat/README.md, session 20). The answer is
kept here per team for at most :data:`jit.chat.kept.SECONDS` and forgotten at
once, for every team, when this process commits (or rolls back) a statement that writes
to any table but the chat's own and the search index's, which are all a batch writes
and none of which a gate reads. So a change made through this process (an agreement
signed, amended or closed, a team's content deleted) decides the very next batch; one
made by another process, or the date passing an agreement's end, within the moment.
"""

import re
from collections.abc import Callable

from jit.chat.kept import MISSING, Kept, forget_when_written

# Writes to these tables leave the answers standing: the chat's messages, channels,
# revisions and read marks, and the search index's rows (the writer's batch writes
# messages, channel counters and outbox rows).
_UNGATED = re.compile(
    r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(?:chat_messages|chat_channels|"
    r"chat_message_revisions|chat_read_marks|search_outbox|search_documents|"
    r"search_vocabulary)\b",
    re.IGNORECASE,
)

_kept = Kept()
forget_all = _kept.forget_all


def read_only_reason(team_id: int, ask: Callable[[int], str | None]) -> str | None:
    """Why team ``team_id`` may not write in the chat now (``None``: it may).

    ``ask(team_id)`` asks the gate; its answer is kept for the moment, unless something was
    forgotten while it was asked.
    """
    reason = _kept.recall(team_id, MISSING)
    if reason is MISSING:
        started = _kept.begin()
        reason = ask(team_id)
        _kept.keep(team_id, started, reason)
    return reason


forget_when_written(
    "jit_chat_gate_changed",
    lambda statement: not _UNGATED.match(statement),
    forget_all,
)
