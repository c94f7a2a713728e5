"""Every write to teams, parties and memberships, each with its audit entry."""

import re
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from jit.accounts.models import User
from jit.accounts.services import find_user_by_email
from jit.audit import services as audit
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams.access import TeamAccess
from jit.teams.models import Membership, Party, Team
from jit.teams.reference import BODIES, is_country_code

OPERATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")


class TeamError(ValueError):
    """A refused team operation, with a message fit to show the person."""


@dataclass(frozen=True)
class PartySpec:
    """A party as entered: ``country_code`` for a state or ``body`` for an EU/international body."""

    authority: str
    country_code: str | None = None
    body: str | None = None


def normalise_code(code: str) -> str:
    """Return an operation code as teams store it: trimmed, upper case."""
    return code.strip().upper()


def check_operation_code(code: str) -> str:
    """Return the normalised operation code; TeamError if it is malformed."""
    code = normalise_code(code)
    if not OPERATION_CODE.match(code):
        raise TeamError(
            "The operation code must be 2 to 32 letters, digits or hyphens, starting with a "
            "letter or digit (no spaces, slashes or other signs), e.g. EMERALD-2026."
        )
    if db.session.scalar(select(Team.id).where(Team.code == code)):
        raise TeamError(f"A team with the operation code {code} already exists.")
    return code


def _check_party(spec: PartySpec) -> PartySpec:
    authority = spec.authority.strip()
    if spec.country_code and spec.body:
        raise TeamError("A party is either a state or a body, not both.")
    if spec.country_code:
        code = spec.country_code.strip().upper()
        if not is_country_code(code):
            raise TeamError(
                f"{spec.country_code!r} is not an ISO 3166-1 alpha-2 country code (e.g. NL, DE)."
            )
        if not authority:
            raise TeamError(f"Name the competent authority for {code}.")
        return PartySpec(authority=authority, country_code=code)
    if spec.body:
        body = spec.body.strip().upper()
        if body not in BODIES:
            raise TeamError(
                f"Unknown body {spec.body!r}; choose one of {', '.join(BODIES.values())}."
            )
        return PartySpec(authority=authority or BODIES[body], body=body)
    raise TeamError("Each party needs a country code or a body.")


def create_team(
    *,
    name: str,
    code: str,
    description: str,
    parties: list[PartySpec],
    coordinator: User,
    coordinator_party_index: int,
    actor: User | None,
) -> Team:
    """Create a team space with its parties and its coordinator's membership."""
    if not name.strip():
        raise TeamError("Give the team a name.")
    code = check_operation_code(code)
    checked = [_check_party(spec) for spec in parties]
    if len(checked) < 2:
        raise TeamError("A joint investigation team needs at least two parties.")
    keys = [spec.country_code or spec.body for spec in checked]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise TeamError(f"Each party may appear once; repeated: {', '.join(duplicates)}.")
    if not 0 <= coordinator_party_index < len(checked):
        raise TeamError("Choose the party the coordinator acts for.")
    if coordinator.is_disabled:
        raise TeamError("The coordinator's account is disabled.")

    team = Team(
        name=name.strip(),
        code=code,
        description=description.strip(),
        created_by_id=actor.id if actor else None,
    )
    team.parties = [
        Party(position=i, country_code=s.country_code, body=s.body, authority=s.authority)
        for i, s in enumerate(checked)
    ]
    db.session.add(team)
    db.session.flush()
    snapshot = {
        "code": code,
        "name": team.name,
        "parties": [f"{p.short_label}: {p.authority}" for p in team.parties],
    }
    audit.record("team.created", target=team, new=snapshot, actor=actor)
    audit.record("team.created", team=team, target=team, new=snapshot, actor=actor)
    add_membership(
        team, coordinator, team.parties[coordinator_party_index], Role.COORDINATOR, actor=actor
    )
    return team


def add_membership(team: Team, user: User, party: Party, role: Role, *, actor) -> Membership:
    """Give ``user`` ``role`` for ``party`` in ``team``, with its audit entry."""
    membership = Membership(team=team, user=user, party=party, role=role.value)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "membership.created",
        team=team,
        target=membership,
        new={"user": user.email, "party": party.short_label, "role": role.value},
        actor=actor,
    )
    return membership


def _roles_assignable(access: TeamAccess) -> set[Role]:
    if access.can(Permission.MANAGE_ALL_MEMBERSHIPS):
        return set(Role)
    if access.can(Permission.MANAGE_OWN_PARTY_MEMBERSHIPS):
        return {Role.MEMBER, Role.PARTICIPANT}
    return set()


def assignable_roles(access: TeamAccess) -> list[Role]:
    """Return the roles ``access`` may give, in the table's order."""
    return [role for role in Role if role in _roles_assignable(access)]


def manageable_parties(access: TeamAccess) -> list[Party]:
    """Return the parties whose memberships ``access`` may manage."""
    return [party for party in access.team.parties if access.may_manage_party(party)]


def _check_assignment(access: TeamAccess, party: Party, role: Role) -> None:
    if party.team_id != access.team.id:
        raise TeamError("That party is not part of this team.")
    if not access.may_manage_party(party):
        raise TeamError(f"You may only manage memberships of {access.party.name}.")
    if role not in _roles_assignable(access):
        raise TeamError(f"You may not give the role {role.label}.")


def add_member(access: TeamAccess, *, email: str, party_id: int, role: str) -> Membership:
    """Add the account with ``email`` to the team; TeamError if refused."""
    user = find_user_by_email(email)
    if user is None:
        raise TeamError(
            f"No account uses the e-mail address {email.strip()}. "
            "Ask the platform administrator to create the account first."
        )
    if user.is_disabled:
        raise TeamError(f"The account {user.email} is disabled.")
    party = db.session.get(Party, party_id)
    role = _parse_role(role)
    if party is None:
        raise TeamError("Choose a party of this team.")
    _check_assignment(access, party, role)
    existing = db.session.scalar(
        select(Membership).where(
            Membership.team_id == access.team.id, Membership.user_id == user.id
        )
    )
    if existing:
        raise TeamError(
            f"{user.display_name} is already a member of this team "
            f"({Role(existing.role).label}, {existing.party.short_label})."
        )
    return add_membership(access.team, user, party, role, actor=access.user)


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise TeamError(f"Unknown role {role!r}.") from None


def _membership_in_team(access: TeamAccess, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.team_id != access.team.id:
        raise LookupError(membership_id)
    return membership


def _would_leave_no_coordinator(team: Team, membership: Membership) -> bool:
    if membership.role != Role.COORDINATOR:
        return False
    others = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.team_id == team.id,
            Membership.role == Role.COORDINATOR.value,
            Membership.id != membership.id,
        )
    )
    return others == 0


def may_change(access: TeamAccess, membership: Membership) -> bool:
    """Return whether ``access`` may change or remove ``membership``."""
    return access.may_manage_party(membership.party) and Role(membership.role) in _roles_assignable(
        access
    )


def change_member(
    access: TeamAccess, membership_id: int, *, party_id: int, role: str
) -> Membership:
    """Change a membership's party and role; TeamError if refused."""
    membership = _membership_in_team(access, membership_id)
    if not may_change(access, membership):
        raise TeamError("You may not change this membership.")
    party = db.session.get(Party, party_id)
    new_role = _parse_role(role)
    if party is None:
        raise TeamError("Choose a party of this team.")
    _check_assignment(access, party, new_role)
    if new_role != Role.COORDINATOR and _would_leave_no_coordinator(access.team, membership):
        raise TeamError("A team must keep at least one coordinator; name another first.")
    update_membership(membership, party, new_role, actor=access.user)
    return membership


def may_remove(access: TeamAccess, membership: Membership) -> bool:
    """Return whether ``access`` may remove ``membership``: never one's own."""
    return membership.user_id != access.user.id and may_change(access, membership)


def remove_member(access: TeamAccess, membership_id: int) -> None:
    """End a membership; TeamError if refused (one's own, or the last coordinator)."""
    membership = _membership_in_team(access, membership_id)
    if membership.user_id == access.user.id:
        raise TeamError("You cannot remove yourself; ask another coordinator or your leader.")
    if not may_change(access, membership):
        raise TeamError("You may not remove this membership.")
    if _would_leave_no_coordinator(access.team, membership):
        raise TeamError("A team must keep at least one coordinator; name another first.")
    end_membership(membership, actor=access.user)


@dataclass(frozen=True)
class PartyRoster:
    party: Party
    memberships: list[Membership]


_ROLE_ORDER = {role.value: index for index, role in enumerate(Role)}


def roster(team: Team) -> list[PartyRoster]:
    """Return the team's members grouped by party (in party order), by role then name."""
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.team_id == team.id)
        .options(joinedload(Membership.user), joinedload(Membership.party))
    ).all()
    memberships.sort(key=lambda m: (m.party.position, _ROLE_ORDER[m.role], m.user.display_name))
    grouped = {party.id: [] for party in team.parties}
    for party_id, group in groupby(memberships, key=lambda m: m.party_id):
        grouped[party_id] = list(group)
    return [PartyRoster(party, grouped[party.id]) for party in team.parties]


def all_teams() -> list[tuple[Team, int]]:
    """Return every team with its member count, for the platform administrator's list."""
    counts = (
        select(Membership.team_id, func.count().label("members"))
        .group_by(Membership.team_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Team, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.team_id == Team.id)
        .order_by(Team.code)
    ).all()
    return [(team, members) for team, members in rows]


def update_membership(
    membership: Membership, party: Party, role: Role, *, actor, reason: str | None = None
) -> None:
    """Change a membership's party or role, with its audit entry.

    ``reason`` names the record that authorises a change nobody made by hand (e.g. the
    agreement in force); the permission checks are the caller's.
    """
    before = {"party": membership.party.short_label, "role": membership.role}
    old, new = audit.diff(before, {"party": party.short_label, "role": role.value})
    if not new:
        return
    membership.party, membership.role = party, role.value
    audit.record(
        "membership.changed",
        team=membership.team,
        target=membership,
        old={"user": membership.user.email, **old},
        new={"user": membership.user.email, **new, **({"reason": reason} if reason else {})},
        actor=actor,
    )


def end_membership(membership: Membership, *, actor, reason: str | None = None) -> None:
    """Remove a membership, with its audit entry; the permission checks are the caller's."""
    audit.record(
        "membership.removed",
        team=membership.team,
        target=membership,
        old={
            "user": membership.user.email,
            "party": membership.party.short_label,
            "role": membership.role,
        },
        new={"reason": reason} if reason else None,
        actor=actor,
    )
    db.session.delete(membership)
