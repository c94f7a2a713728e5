"""Named permissions and the one table that says which team role holds which.

Every check in views, Socket.IO handlers, search and the CLI asks this module
(through :func:`jit.teams.access.load_team` and friends); nothing compares role
names anywhere else.
"""

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    LEADER = "leader"
    MEMBER = "member"
    PARTICIPANT = "participant"
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(StrEnum):
    """``scope:resource:action`` names of everything a team role may do."""

    VIEW_DASHBOARD = "team:dashboard:view"
    VIEW_MEMBERS = "team:members:view"
    VIEW_AGREEMENT = "team:agreement:view"
    MANAGE_ALL_MEMBERSHIPS = "team:memberships:manage-all"
    MANAGE_OWN_PARTY_MEMBERSHIPS = "team:memberships:manage-own-party"
    DRAFT_AGREEMENT = "team:agreement:draft"
    SIGN_AGREEMENT = "team:agreement:sign-own-party"
    CONTRIBUTE_EVALUATION = "team:evaluation:contribute-own-party"
    READ_EVIDENCE = "team:evidence:read"
    # Reads evidence only where the agreement grants it (Article 7); without a grant,
    # only the own party's items (e.g. the person's own analysis products).
    READ_EVIDENCE_IF_AGREED = "team:evidence:read-if-agreement-grants"
    READ_LEADERS_EVIDENCE = "team:evidence:read-leaders-only"  # items marked for leaders
    ADD_EVIDENCE = "team:evidence:add"
    ADD_ANALYSIS = "team:evidence:add-analysis"
    RECORD_CUSTODY = "team:custody:record"
    CHAT = "team:chat:use"
    MANAGE_CHANNELS = "team:chat:manage-channels"
    VIEW_CHAT_RECORD = "team:chat:view-record"  # earlier texts of edited or retracted messages
    SEARCH = "team:search:use"
    DRAFT_BUNDLE = "team:bundles:draft"
    RELEASE_BUNDLE = "team:bundles:release"
    REVIEW_BUNDLE = "team:bundles:review"
    VIEW_AUDIT = "team:audit:view"
    EXPORT_AUDIT = "team:audit:export"
    RECORD_TRACING = "team:tracing:record"  # incoming tracing requests and their answers
    TAKE_CLOSEOUT = "team:closeout:take-own-party"  # the party's close-out archive
    MANAGE_RETENTION = "team:retention:manage"  # legal hold on the team's deletion


P = Permission
_EVERY_MEMBER = {P.VIEW_DASHBOARD, P.VIEW_MEMBERS, P.VIEW_AGREEMENT, P.CHAT, P.SEARCH}

# DESIGN.md §3. Participants read evidence only where the agreement grants it: the
# evidence loader asks the agreement in force for those holding READ_EVIDENCE_IF_AGREED.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COORDINATOR: frozenset(
        _EVERY_MEMBER
        | {P.MANAGE_ALL_MEMBERSHIPS, P.DRAFT_AGREEMENT, P.CONTRIBUTE_EVALUATION, P.READ_EVIDENCE}
        | {P.VIEW_AUDIT, P.EXPORT_AUDIT, P.MANAGE_CHANNELS, P.VIEW_CHAT_RECORD}
        | {P.MANAGE_RETENTION}
    ),
    Role.LEADER: frozenset(
        _EVERY_MEMBER
        | {P.MANAGE_OWN_PARTY_MEMBERSHIPS, P.DRAFT_AGREEMENT, P.SIGN_AGREEMENT, P.MANAGE_CHANNELS}
        | {P.CONTRIBUTE_EVALUATION}
        | {P.READ_EVIDENCE, P.READ_LEADERS_EVIDENCE, P.ADD_EVIDENCE, P.ADD_ANALYSIS}
        | {P.RECORD_CUSTODY, P.DRAFT_BUNDLE, P.RELEASE_BUNDLE, P.RECORD_TRACING}
        | {P.TAKE_CLOSEOUT}
    ),
    Role.MEMBER: frozenset(
        _EVERY_MEMBER
        | {P.READ_EVIDENCE, P.ADD_EVIDENCE, P.ADD_ANALYSIS, P.RECORD_CUSTODY, P.DRAFT_BUNDLE}
        | {P.RECORD_TRACING}
    ),
    Role.PARTICIPANT: frozenset(
        _EVERY_MEMBER | {P.READ_EVIDENCE_IF_AGREED, P.ADD_ANALYSIS, P.CONTRIBUTE_EVALUATION}
    ),
    Role.REVIEWER: frozenset({P.VIEW_AGREEMENT, P.REVIEW_BUNDLE}),
}


def role_allows(role: str, permission: Permission) -> bool:
    """Return whether ``role`` carries ``permission`` in the table above."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def can_manage_memberships(role: str) -> bool:
    return role_allows(role, P.MANAGE_ALL_MEMBERSHIPS) or role_allows(
        role, P.MANAGE_OWN_PARTY_MEMBERSHIPS
    )
