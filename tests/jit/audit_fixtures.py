"""A team whose record holds what some of its members may not read at the source."""

from dataclasses import dataclass

import pytest

from jit.chat import services as chat
from jit.extensions import db
from jit.teams.access import TeamAccess, team_access_for

LEADERS_TITLE = "Covert source debrief LEADERS-ONLY-7431"
PARTY_TITLE = "Informant ledger NL-PARTY-ONLY-2208"
PARTY_SEIZED_FROM = "Safe house SEIZED-FROM-5512"
TEAM_TITLE = "Harbour CCTV TEAM-WIDE-9090"
ORIGINAL_TEXT = "Meet the source ORIGINAL-TEXT-4417 at pier 9"
EDITED_TEXT = "Meet at the usual place EDITED-TEXT-3301"
SECRETS = (LEADERS_TITLE, PARTY_TITLE, PARTY_SEIZED_FROM, ORIGINAL_TEXT, EDITED_TEXT)


@dataclass
class SecretTeam:
    team: object
    coordinator: object
    nl_leader: object
    nl_member: object
    de_member: object
    leaders_item: object
    party_item: object
    team_item: object
    message_id: int

    def access(self, user) -> TeamAccess:
        return team_access_for(user, self.team.code)


def _access(membership) -> TeamAccess:
    return TeamAccess(team=membership.team, membership=membership)


@pytest.fixture
def secret_team(make_team, make_membership, make_item) -> SecretTeam:
    """NL items only NL (or its leaders) may open, and a chat message edited then retracted."""
    team = make_team(code="VEIL-1")
    nl_leader = make_membership(team, "leader", "NL")
    nl_member = make_membership(team, "member", "NL")
    de_member = make_membership(team, "member", "DE")
    leaders_item = make_item(nl_leader, title=LEADERS_TITLE, visibility="leaders")
    party_item = make_item(
        nl_member, title=PARTY_TITLE, visibility="party", seized_from=PARTY_SEIZED_FROM
    )
    team_item = make_item(nl_member, title=TEAM_TITLE)
    access = _access(nl_member)
    general = chat.channels_of(access)[0]
    message, _ = chat.post_message(
        access, general, client_id="veil-000001", draft=chat.Draft(ORIGINAL_TEXT, "H0", "")
    )
    db.session.commit()
    chat.edit_message(access, message.id, chat.Draft(EDITED_TEXT, "H0", ""))
    db.session.commit()
    chat.retract_message(access, message.id)
    db.session.commit()
    return SecretTeam(
        team=team,
        coordinator=team.memberships[0].user,
        nl_leader=nl_leader.user,
        nl_member=nl_member.user,
        de_member=de_member.user,
        leaders_item=leaders_item,
        party_item=party_item,
        team_item=team_item,
        message_id=message.id,
    )


def leaks(text: str, secrets=SECRETS) -> list[str]:
    """Return the secrets that appear in ``text``."""
    return [secret for secret in secrets if secret in text]
