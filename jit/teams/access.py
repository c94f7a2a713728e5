"""The one place that loads a team for a person and checks what they may do in it.

Views call :func:`load_team`; Socket.IO handlers, search and the CLI call
:func:`team_access_for`. A person who is not a member gets the same answer as for a
team that does not exist, so a team's existence never leaks.
"""

from dataclasses import dataclass

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from jit.accounts import sessions
from jit.accounts.models import User
from jit.extensions import db
from jit.permissions import Permission, Role, refusal, role_allows
from jit.teams.models import Membership, Party, Team


@dataclass(frozen=True)
class TeamAccess:
    """A member's standing in a team: what the rest of the code asks permissions of."""

    team: Team
    membership: Membership

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def role(self) -> Role:
        return Role(self.membership.role)

    @property
    def party(self) -> Party:
        return self.membership.party

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: Permission) -> None:
        """Abort with 403, saying why (the role), unless the member holds ``permission``."""
        if not self.can(permission):
            abort(403, description=refusal(self.role, permission))

    def may_manage_party(self, party: Party) -> bool:
        """Return whether this member may change memberships of ``party``."""
        if self.can(Permission.MANAGE_ALL_MEMBERSHIPS):
            return True
        return self.can(Permission.MANAGE_OWN_PARTY_MEMBERSHIPS) and party.id == self.party.id


def _access_where(team_code: str, *conditions) -> TeamAccess | None:
    """The one membership query: the team with ``team_code`` and a membership matching
    ``conditions``, with its party and person loaded; None if there is none."""
    row = db.session.execute(
        select(Team, Membership)
        .join(Membership, Membership.team_id == Team.id)
        .where(Team.code == team_code, *conditions)
        .options(joinedload(Membership.party), joinedload(Membership.user))
    ).first()
    return None if row is None else TeamAccess(team=row.Team, membership=row.Membership)


def team_access_for(user: User, team_code: str) -> TeamAccess | None:
    """Return ``user``'s access to the team with ``team_code``, or None if not a member."""
    if user is None or not user.is_authenticated or user.is_disabled:
        return None
    return _access_where(team_code, Membership.user_id == user.id)


def team_access_for_session(session_id, sign_in_key, team_code: str) -> TeamAccess | None:
    """:func:`team_access_for` the account behind a live sign-in session, in one query.

    The same answer as loading the session's account (None once it is disabled, its
    session token has rotated, or this sign-in has ended or expired) and then its
    membership; for handlers that re-check access on every event, such as the chat's.
    """
    conditions = sessions.live_conditions(session_id, sign_in_key)
    if conditions is None:
        return None
    account = select(User.id).where(*conditions)
    return _access_where(team_code, Membership.user_id.in_(account.scalar_subquery()))


def load_team(team_code: str, permission: Permission | None = None) -> TeamAccess:
    """Load the team in the URL for the signed-in person: 404 for non-members, 403 if not allowed.

    The result is kept on ``g`` so the navigation can show the team, role and party.
    """
    access = team_access_for(current_user, team_code)
    if access is None:
        abort(404)
    g.team_access = access
    if permission is not None:
        access.require(permission)
    return access


def teams_of(user: User) -> list[TeamAccess]:
    """Return every team ``user`` belongs to, with their standing in each."""
    rows = db.session.execute(
        select(Team, Membership)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.user_id == user.id)
        .options(joinedload(Membership.party), joinedload(Membership.user))
        .order_by(Team.name)
    ).all()
    return [TeamAccess(team=row.Team, membership=row.Membership) for row in rows]
