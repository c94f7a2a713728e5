"""Session hooks: a general channel with every new team; chat ends with access.

Access ends with the membership, the account (disabled, password changed) or the
sign-in session (signed out).

Hooks rather than calls from jit.teams keep the core free of chat imports: the core
creates teams and removes members as it always did, and chat reacts in the same
transaction (the channel) or right after it commits (dropping connections).
"""

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from jit.accounts.models import User, UserSession
from jit.chat import fanout
from jit.permissions import Permission, role_allows
from jit.teams.models import Membership, Team

_PENDING = "jit_chat_revocations"


@event.listens_for(Session, "before_flush")
def _open_general_channel(session, flush_context, instances):
    from jit.chat.services import new_general_channel

    for obj in list(session.new):
        if isinstance(obj, Team):
            session.add(new_general_channel(obj))


def _changed(obj, attribute: str) -> bool:
    return inspect(obj).attrs[attribute].history.has_changes()


@event.listens_for(Session, "after_flush")
def _note_ended_access(session, flush_context):
    pending = session.info.setdefault(_PENDING, set())
    for obj in session.deleted:
        if isinstance(obj, Membership):
            pending.add(("membership", fanout.member_room(obj.team_id, obj.user_id)))
    for obj in session.dirty:
        if (
            isinstance(obj, Membership)
            and _changed(obj, "role")
            and not role_allows(obj.role, Permission.CHAT)
        ):
            pending.add(("role", fanout.member_room(obj.team_id, obj.user_id)))
        elif isinstance(obj, User) and (
            _changed(obj, "session_token") or (_changed(obj, "is_disabled") and obj.is_disabled)
        ):
            pending.add(("signed-out", fanout.user_room(obj.id)))
        elif isinstance(obj, UserSession) and _changed(obj, "ended_at") and obj.ended_at:
            pending.add(("signed-out", fanout.sign_in_room(obj.id)))


@event.listens_for(Session, "after_commit")
def _drop_connections(session):
    for reason, room in session.info.pop(_PENDING, set()):
        fanout.revoke(room, reason)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_PENDING, None)
