"""Factories for agreement tests: a team with leaders, a valid draft, signatures."""

from datetime import UTC, datetime

import pytest

from jit.extensions import db

TODAY = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def at(day: str, time: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}:00").replace(tzinfo=UTC)


def access_of(membership):
    from jit.teams.access import TeamAccess

    return TeamAccess(team=membership.team, membership=membership)


def person(membership, function="Prosecutor", **extra) -> dict:
    party = membership.party
    return {
        "party": party.country_code or party.body,
        "name": membership.user.display_name,
        "email": membership.user.email,
        "function": function,
        **extra,
    }


def valid_content(team, memberships, **overrides) -> dict:
    """Return complete content naming ``memberships`` (by their roles) for ``team``."""
    by_role = {"leader": [], "member": [], "participant": []}
    for m in memberships:
        if m.role in by_role:
            by_role[m.role].append(m)
    content = {
        "schema": "jit-agreement/2",
        "reference": f"JIT {team.code}",
        "title": f"Agreement setting up {team.name}",
        "legal_basis": ["EU_MLA_2000_ART13", "UNTOC_ART19"],
        "legal_basis_other": "",
        "parties": [
            {
                "party": p.country_code or p.body,
                "authority": p.authority,
                "role": "party" if p.is_state else "participant",
            }
            for p in team.parties
        ],
        "purpose": {
            "text": "To investigate the trafficking of converted firearms.",
            "offences": "Firearms trafficking",
            "proceedings": "NL: 09/123456-26",
        },
        "period": {"entry_into_force": "signature", "starts_on": None, "expires_on": "2027-05-31"},
        "operating_states": {
            "states": [p.country_code for p in team.parties if p.is_state],
            "note": "",
        },
        "leaders": [person(m, "Leader") for m in by_role["leader"]],
        "members": [person(m, "Investigator") for m in by_role["member"]],
        "participants": [
            person(m, "Analyst", scope="Analysis", may_read_evidence=True)
            for m in by_role["participant"]
        ],
        "general_conditions": "",
        "organisation": "Coordination meetings every month.",
        "measures": "",
        "information_use": {"other_purposes": "", "consent_conditions": "", "admissibility": ""},
        "confidentiality": "Confidential.",
        "media": "No statements without agreement.",
        "costs_liability": "Each party bears its own costs.",
        "languages": ["English"],
        "workspace": {"is_used": True, "access_rules": "Members see team items."},
        "evaluation": {"mid_term_on": None, "arrangements": ""},
        "appendix_i": "Eurojust supports the coordination.",
        "time_zone": "Europe/Amsterdam",
    }
    for key, value in overrides.items():
        content[key] = value
    return content


class Jit:
    """A team with a coordinator (Eurojust), a leader for NL and DE, and an NL member."""

    def __init__(self, team, coordinator, nl_leader, de_leader, nl_member):
        self.team = team
        self.coordinator = coordinator
        self.nl_leader = nl_leader
        self.de_leader = de_leader
        self.nl_member = nl_member

    @property
    def memberships(self):
        return [self.nl_leader, self.de_leader, self.nl_member]

    def draft(self, **overrides):
        """Start and save a complete original draft as the coordinator."""
        from agreements import services

        version = services.start_version(access_of(self.coordinator), "original")
        services.save_draft(
            access_of(self.coordinator),
            version,
            valid_content(self.team, self.memberships, **overrides),
        )
        db.session.commit()
        return version

    def sign(self, version, leader, **kwargs):
        from agreements import signing
        from tests.conftest import DEFAULT_PASSWORD

        values = {"password": DEFAULT_PASSWORD, "function": "Leader", "place": "The Hague"}
        signature = signing.sign(access_of(leader), version, **(values | kwargs))
        db.session.commit()
        return signature

    def sign_all(self, version):
        for leader in (self.nl_leader, self.de_leader):
            self.sign(version, leader)
        return version

    def start(self, kind, summary="Because the parties agreed."):
        from agreements import services

        version = services.start_version(access_of(self.coordinator), kind, summary)
        db.session.commit()
        return version

    def save(self, version, content, **kwargs):
        from agreements import services

        services.save_draft(access_of(self.coordinator), version, content, **kwargs)
        db.session.commit()
        return version


@pytest.fixture
def jit(app, make_team, make_membership):
    """Return a :class:`Jit` (NL, DE parties; Eurojust coordinator) with no agreement yet."""
    from jit.teams.models import Membership

    team = make_team()
    coordinator = db.session.scalar(
        db.select(Membership).where(Membership.team_id == team.id, Membership.role == "coordinator")
    )
    return Jit(
        team,
        coordinator,
        make_membership(team, "leader", "NL"),
        make_membership(team, "leader", "DE"),
        make_membership(team, "member", "NL"),
    )


@pytest.fixture
def in_force(jit):
    """Return ``jit`` whose original agreement was signed by all on 2026-06-01."""
    from jit.clock import frozen

    with frozen(TODAY):
        jit.version = jit.sign_all(jit.draft())
    return jit
