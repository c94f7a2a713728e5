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
    SHARE_BUNDLE = "team:bundles:share"  # with a reviewer; leaders only for their own party
    TRACK_BUNDLE = "team:bundles:track"  # record a sent request's answers (own party)
    # Reviewers read only the items of bundles shared with them (evidence/bundles/access.py).
    READ_SHARED_EVIDENCE = "team:evidence:read-shared"
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
        | {P.SHARE_BUNDLE}
        | {P.MANAGE_RETENTION}
    ),
    Role.LEADER: frozenset(
        _EVERY_MEMBER
        | {P.MANAGE_OWN_PARTY_MEMBERSHIPS, P.DRAFT_AGREEMENT, P.SIGN_AGREEMENT, P.MANAGE_CHANNELS}
        | {P.CONTRIBUTE_EVALUATION}
        | {P.READ_EVIDENCE, P.READ_LEADERS_EVIDENCE, P.ADD_EVIDENCE, P.ADD_ANALYSIS}
        | {P.RECORD_CUSTODY, P.DRAFT_BUNDLE, P.RELEASE_BUNDLE, P.RECORD_TRACING}
        | {P.SHARE_BUNDLE, P.TRACK_BUNDLE}
        | {P.TAKE_CLOSEOUT}
    ),
    Role.MEMBER: frozenset(
        _EVERY_MEMBER
        | {P.READ_EVIDENCE, P.ADD_EVIDENCE, P.ADD_ANALYSIS, P.RECORD_CUSTODY, P.DRAFT_BUNDLE}
        | {P.RECORD_TRACING, P.TRACK_BUNDLE}
    ),
    Role.PARTICIPANT: frozenset(
        _EVERY_MEMBER | {P.READ_EVIDENCE_IF_AGREED, P.ADD_ANALYSIS, P.CONTRIBUTE_EVALUATION}
    ),
    # A reviewer's search finds only what was shared with them (and the agreement).
    Role.REVIEWER: frozenset({P.VIEW_AGREEMENT, P.REVIEW_BUNDLE, P.READ_SHARED_EVIDENCE, P.SEARCH}),
}


def role_allows(role: str, permission: Permission) -> bool:
    """Return whether ``role`` carries ``permission`` in the table above."""
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def can_manage_memberships(role: str) -> bool:
    return role_allows(role, P.MANAGE_ALL_MEMBERSHIPS) or role_allows(
        role, P.MANAGE_OWN_PARTY_MEMBERSHIPS
    )


# What each permission lets a person do, to say why a page or button is not theirs.
ACTIONS: dict[Permission, str] = {
    P.VIEW_DASHBOARD: "see the team's overview",
    P.VIEW_MEMBERS: "see the team's members",
    P.VIEW_AGREEMENT: "read the agreement",
    P.MANAGE_ALL_MEMBERSHIPS: "manage the memberships of every party",
    P.MANAGE_OWN_PARTY_MEMBERSHIPS: "manage your party's memberships",
    P.DRAFT_AGREEMENT: "draft or amend the agreement",
    P.SIGN_AGREEMENT: "sign the agreement for a party",
    P.CONTRIBUTE_EVALUATION: "contribute to the evaluation",
    P.READ_EVIDENCE: "read evidence",
    P.READ_EVIDENCE_IF_AGREED: "read evidence the agreement opens to participants",
    P.READ_LEADERS_EVIDENCE: "read items kept for leaders",
    P.ADD_EVIDENCE: "add evidence",
    P.ADD_ANALYSIS: "add analysis products",
    P.RECORD_CUSTODY: "record custody events",
    P.CHAT: "use the chat",
    P.MANAGE_CHANNELS: "manage chat channels",
    P.VIEW_CHAT_RECORD: "read earlier texts of edited or retracted messages",
    P.SEARCH: "search the team",
    P.DRAFT_BUNDLE: "draft legal requests",
    P.RELEASE_BUNDLE: "finalise and release legal requests",
    P.REVIEW_BUNDLE: "review requests shared with you",
    P.SHARE_BUNDLE: "share final requests with a reviewer",
    P.TRACK_BUNDLE: "record the answers to a sent request",
    P.READ_SHARED_EVIDENCE: "read the evidence of requests shared with you",
    P.VIEW_AUDIT: "read the audit log",
    P.EXPORT_AUDIT: "export the audit log",
    P.RECORD_TRACING: "record firearms tracing requests",
    P.TAKE_CLOSEOUT: "take your party's close-out archive",
    P.MANAGE_RETENTION: "manage the team's retention and legal hold",
}


def holders(permission: Permission) -> list[Role]:
    """Return the roles that carry ``permission``, in the table's order."""
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def _plural(roles: list[Role]) -> str:
    names = [f"{role.value}s" for role in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def refusal(role: str, permission: Permission) -> str:
    """Say, for a person with ``role``, why ``permission``'s action is not theirs."""
    action = ACTIONS[permission]
    roles = holders(permission)
    who = f"only {_plural(roles)} {action}" if roles else "no role does that"
    return f"As {Role(role).value} you cannot {action}: in a team, {who}."
