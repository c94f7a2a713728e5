"""Membership follows the agreement in force (DESIGN §4).

When a version enters into force, the people it names get access in the role it gives
them (leaders, members, participants) and for the party they act for; people it no
longer names lose access; someone named without an account gets a pending invitation
the coordinator completes. The coordinator (the space's administrator) and reviewers
(judges reviewing exports) are not named in the agreement and keep their access.
Every change is audited through the core's membership services.
"""

from sqlalchemy import select

from agreements.models import AgreementInvitation, AgreementVersion
from jit.accounts.services import find_user_by_email
from jit.audit import services as audit
from jit.clock import utcnow
from jit.extensions import db
from jit.permissions import Permission, Role
from jit.teams import services as teams
from jit.teams.access import TeamAccess
from jit.teams.models import Membership

ROLE_OF_LIST = {"leaders": Role.LEADER, "members": Role.MEMBER, "participants": Role.PARTICIPANT}
# Roles the agreement governs; the others are given by the space's administration.
GOVERNED_ROLES = {Role.LEADER.value, Role.MEMBER.value, Role.PARTICIPANT.value}


class InvitationError(ValueError):
    """A refused invitation operation, with a message fit to show the person."""


def open_invitations(team) -> list[AgreementInvitation]:
    return db.session.scalars(
        select(AgreementInvitation)
        .where(
            AgreementInvitation.team_id == team.id,
            AgreementInvitation.completed_at.is_(None),
            AgreementInvitation.cancelled_at.is_(None),
        )
        .order_by(AgreementInvitation.id)
    ).all()


def apply_version(version: AgreementVersion, *, actor) -> dict:
    """Make the team's memberships follow ``version``; return what changed."""
    team = version.agreement.team
    parties = {p.country_code or p.body: p for p in team.parties}
    current = {
        m.user_id: m
        for m in db.session.scalars(select(Membership).where(Membership.team_id == team.id))
    }
    invitations = {i.email: i for i in open_invitations(team)}
    reason = f"agreement version {version.number} in force"
    summary = {"added": [], "changed": [], "removed": [], "invited": []}
    named_users, named_emails = set(), set()
    from agreements.content import named_people

    for kind, person in named_people(version.content):
        role, party = ROLE_OF_LIST[kind], parties[person["party"]]
        named_emails.add(person["email"])
        user = find_user_by_email(person["email"])
        if user is None or user.is_disabled:
            invitation = invitations.get(person["email"])
            if invitation is None:
                invitation = AgreementInvitation(team_id=team.id, email=person["email"])
                db.session.add(invitation)
                summary["invited"].append(person["email"])
            invitation.version_id, invitation.party_id = version.id, party.id
            invitation.role, invitation.name = role.value, person["name"]
            continue
        named_users.add(user.id)
        if person["email"] in invitations:
            _finish(invitations[person["email"]], user, actor)
        membership = current.get(user.id)
        if membership is None:
            teams.add_membership(team, user, party, role, actor=actor)
            summary["added"].append(user.email)
        elif membership.role in GOVERNED_ROLES and (
            membership.role != role.value or membership.party_id != party.id
        ):
            teams.update_membership(membership, party, role, actor=actor, reason=reason)
            summary["changed"].append(user.email)
    for user_id, membership in current.items():
        if user_id not in named_users and membership.role in GOVERNED_ROLES:
            summary["removed"].append(membership.user.email)
            teams.end_membership(membership, actor=actor, reason=f"not named in {reason}")
    for email, invitation in invitations.items():
        if email not in named_emails and invitation.completed_at is None:
            invitation.cancelled_at = utcnow()
    db.session.flush()
    version.applied_at = utcnow()
    audit.record(
        "agreement.entered_into_force",
        team=team,
        target=version,
        new={
            "version": version.number,
            "kind": version.kind,
            "content_hash": version.content_hash,
            "effective_from": version.effective_from.isoformat(),
            **summary,
        },
        actor=actor,
    )
    return summary


def _finish(invitation: AgreementInvitation, user, actor) -> None:
    invitation.completed_at, invitation.user_id = utcnow(), user.id
    invitation.completed_by_id = actor.id if actor is not None else None


def complete_invitation(access: TeamAccess, invitation_id: int, email: str) -> Membership:
    """Give an invited person access through the account with ``email``."""
    if not access.can(Permission.MANAGE_ALL_MEMBERSHIPS):
        raise InvitationError("Only the coordinator completes invitations.")
    invitation = db.session.get(AgreementInvitation, invitation_id)
    if invitation is None or invitation.team_id != access.team.id:
        raise LookupError(invitation_id)
    if not invitation.is_open:
        raise InvitationError("This invitation is no longer open.")
    user = find_user_by_email(email or invitation.email)
    if user is None:
        raise InvitationError(
            f"No account uses the e-mail address {(email or invitation.email).strip()}. "
            "Ask the platform administrator to create the account first, then complete the "
            "invitation."
        )
    if user.is_disabled:
        raise InvitationError(f"The account {user.email} is disabled.")
    existing = db.session.scalar(
        select(Membership).where(
            Membership.team_id == access.team.id, Membership.user_id == user.id
        )
    )
    if existing is not None:
        raise InvitationError(
            f"{user.display_name} is already a member of this team ({existing.role}, "
            f"{existing.party.short_label})."
        )
    membership = teams.add_membership(
        access.team, user, invitation.party, Role(invitation.role), actor=access.user
    )
    _finish(invitation, user, access.user)
    audit.record(
        "agreement.invitation_completed",
        team=access.team,
        target=invitation,
        new={
            "named": invitation.email,
            "account": user.email,
            "party": invitation.party.short_label,
            "role": invitation.role,
        },
        actor=access.user,
    )
    return membership
