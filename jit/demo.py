"""Demo data: a realistic firearms-and-drugs JIT and an unrelated team, created once."""

import itertools
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from jit.accounts.services import create_user, find_user_by_email
from jit.clock import frozen
from jit.extensions import db
from jit.packages import DOMAIN_PACKAGES, domain_module
from jit.permissions import Role
from jit.teams import services as teams
from jit.teams.models import Membership, Team

DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    time_zone: str
    party: str  # a country code or a body key of the team
    role: Role | None
    title: str


@dataclass(frozen=True)
class DemoTeam:
    code: str
    name: str
    description: str
    parties: list[teams.PartySpec]
    people: list[DemoPerson]
    set_up_at: datetime  # when the coordinator opened the workspace, before all else


IRON_MERIDIAN = DemoTeam(
    code="IRON-MERIDIAN",
    name="Operation Iron Meridian",
    description=(
        "Joint investigation into an organised crime group trafficking converted "
        "firearms and ammunition from Croatia through Austria to the Netherlands, paid for "
        "with cocaine shipped back along the same route (Art. 13 of the 2000 EU MLA "
        "Convention; Framework Decision 2002/465/JHA)."
    ),
    parties=[
        teams.PartySpec(
            country_code="HR",
            authority="USKOK — Office for the Suppression of "
            "Corruption and Organised Crime, Zagreb",
        ),
        teams.PartySpec(country_code="AT", authority="Staatsanwaltschaft Wien"),
        teams.PartySpec(country_code="NL", authority="Landelijk Parket, Openbaar Ministerie"),
        teams.PartySpec(
            body="EUROJUST",
            authority="Eurojust, through the national members for Croatia, Austria and the "
            "Netherlands",
        ),
        teams.PartySpec(body="EUROPOL", authority="Europol, Analysis Project Weapons & Explosives"),
    ],
    people=[
        DemoPerson(
            "coordinator",
            "Marta Kowalczyk",
            "Europe/Amsterdam",
            "EUROJUST",
            Role.COORDINATOR,
            "Eurojust coordinator",
        ),
        DemoPerson(
            "hr.leader",
            "Ivana Horvat",
            "Europe/Zagreb",
            "HR",
            Role.LEADER,
            "USKOK prosecutor, leader for Croatia",
        ),
        DemoPerson(
            "hr.member",
            "Tomislav Babić",
            "Europe/Zagreb",
            "HR",
            Role.MEMBER,
            "PNUSKOK investigator",
        ),
        DemoPerson(
            "at.leader",
            "Katharina Gruber",
            "Europe/Vienna",
            "AT",
            Role.LEADER,
            "Public prosecutor, leader for Austria",
        ),
        DemoPerson(
            "at.member",
            "Lukas Steiner",
            "Europe/Vienna",
            "AT",
            Role.MEMBER,
            "Bundeskriminalamt investigator",
        ),
        DemoPerson(
            "nl.leader",
            "Pieter de Vries",
            "Europe/Amsterdam",
            "NL",
            Role.LEADER,
            "Officier van justitie, leader for the Netherlands",
        ),
        DemoPerson(
            "nl.member",
            "Sanne Jansen",
            "Europe/Amsterdam",
            "NL",
            Role.MEMBER,
            "Politie Landelijke Eenheid investigator",
        ),
        DemoPerson(
            "europol",
            "Elena Rossi",
            "Europe/Amsterdam",
            "EUROPOL",
            Role.PARTICIPANT,
            "Europol analyst (participant)",
        ),
        DemoPerson(
            "eurojust.analyst",
            "Lena Fischer",
            "Europe/Amsterdam",
            "EUROJUST",
            Role.PARTICIPANT,
            "Eurojust firearms analyst, participant here and member of BLUE-HARBOUR",
        ),
        DemoPerson(
            "judge",
            "Anneke Visser",
            "Europe/Amsterdam",
            "NL",
            Role.REVIEWER,
            "Rechter-commissaris, Rechtbank Rotterdam (reviewer)",
        ),
    ],
    set_up_at=datetime(2025, 8, 18, 8, 30, tzinfo=UTC),
)

BLUE_HARBOUR = DemoTeam(
    code="BLUE-HARBOUR",
    name="Operation Blue Harbour",
    description="Cocaine imports through the ports of Antwerp and Algeciras (unrelated team).",
    parties=[
        teams.PartySpec(country_code="BE", authority="Federaal Parket / Parquet fédéral"),
        teams.PartySpec(country_code="ES", authority="Fiscalía Especial Antidroga"),
        teams.PartySpec(body="EUROJUST", authority="Eurojust, Spanish Desk"),
    ],
    people=[
        DemoPerson(
            "bh.coordinator",
            "Carmen Ortega",
            "Europe/Madrid",
            "EUROJUST",
            Role.COORDINATOR,
            "Eurojust coordinator of Blue Harbour",
        ),
        DemoPerson(
            "be.leader",
            "Luc Peeters",
            "Europe/Brussels",
            "BE",
            Role.LEADER,
            "Federal prosecutor, leader for Belgium",
        ),
        DemoPerson(
            "es.leader",
            "Javier Morales",
            "Europe/Madrid",
            "ES",
            Role.LEADER,
            "Fiscal, leader for Spain",
        ),
        DemoPerson(
            "eurojust.analyst",
            "Lena Fischer",
            "Europe/Amsterdam",
            "EUROJUST",
            Role.MEMBER,
            "Eurojust firearms analyst, member here and participant in IRON-MERIDIAN",
        ),
    ],
    set_up_at=datetime(2026, 10, 5, 8, 30, tzinfo=UTC),
)

# The platform administrator's account comes first, as on a real installation.
PLATFORM_SET_UP_AT = datetime(2025, 8, 18, 8, 0, tzinfo=UTC)
ADMIN = DemoPerson(
    "admin",
    "Platform Administrator",
    "Europe/Brussels",
    "",
    None,
    "platform administrator, member of no team",
)


@dataclass(frozen=True)
class DemoLogins:
    password: str
    accounts: list[tuple[str, str]]


def demo_password() -> str:
    """Return JIT_DEMO_PASSWORD, or a password generated once into the instance folder."""
    configured = current_app.config.get("DEMO_PASSWORD")
    if configured:
        return configured
    path = Path(current_app.instance_path) / "demo_password"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write("-".join(secrets.token_hex(3) for _ in range(4)))
    return path.read_text(encoding="ascii").strip()


def _email(person: DemoPerson) -> str:
    return f"{person.key}@{DOMAIN}"


def _ensure_user(person: DemoPerson, password: str, *, actor=None):
    """Return the person's account, created by ``actor`` (the administrator) if missing.

    The administrator's own account is the installation's first, made from the command
    line before anyone could sign in, so its entry names no one, as on a real installation.
    """
    user = find_user_by_email(_email(person))
    if user is None:
        user = create_user(
            _email(person),
            person.name,
            password,
            is_platform_admin=person.role is None,
            time_zone=person.time_zone,
            actor=actor,
        )
    return user


def _party_key(party) -> str:
    return party.country_code or party.body


def _ensure_team(spec: DemoTeam, password: str) -> Team:
    """Open the team as the platform administrator does: accounts, the space and its
    coordinator; the coordinator then adds the other members."""
    admin = find_user_by_email(_email(ADMIN))
    team = db.session.scalar(select(Team).where(Team.code == spec.code))
    users = {person.key: _ensure_user(person, password, actor=admin) for person in spec.people}
    coordinator = next(p for p in spec.people if p.role is Role.COORDINATOR)
    if team is None:
        coordinator_index = next(
            i for i, p in enumerate(spec.parties) if (p.country_code or p.body) == coordinator.party
        )
        team = teams.create_team(
            name=spec.name,
            code=spec.code,
            description=spec.description,
            parties=spec.parties,
            coordinator=users[coordinator.key],
            coordinator_party_index=coordinator_index,
            actor=admin,
        )
    parties = {_party_key(party): party for party in team.parties}
    members = set(
        db.session.scalars(select(Membership.user_id).where(Membership.team_id == team.id))
    )
    for person in spec.people:
        user = users[person.key]
        if user.id not in members:
            teams.add_membership(
                team, user, parties[person.party], person.role, actor=users[coordinator.key]
            )
    return team


class Timeline:
    """The demo's history: the steps of every package, run in time order on the workspace clock.

    Each domain package's ``demo.schedule(timeline)`` adds its steps, so one package's
    story interleaves with another's (evidence seized while the agreement is in force,
    the extension signed between two hand-overs) and every record, audit entry and
    custody event is written at the moment it tells of, in order.
    """

    def __init__(self):
        self._steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, moment: datetime, step: Callable[[], object]) -> None:
        """Run ``step`` with the clock at ``moment``; steps at one moment keep their order."""
        if moment.tzinfo is None:
            raise ValueError("A demo step needs an aware moment.")
        self._steps.append((moment, next(self._order), step))

    def run(self) -> None:
        for moment, _order, step in sorted(self._steps, key=lambda entry: entry[:2]):
            with frozen(moment):
                step()
                db.session.commit()
        self._steps.clear()


def seed() -> DemoLogins:
    """Create whatever part of the demo is missing; safe to run again."""
    password = demo_password()
    with frozen(PLATFORM_SET_UP_AT):
        _ensure_user(ADMIN, password)
        db.session.commit()
    for spec in (IRON_MERIDIAN, BLUE_HARBOUR):
        with frozen(spec.set_up_at):
            _ensure_team(spec, password)
            db.session.commit()
    # Domain packages add their part (agreement, evidence, chat…) to the demo teams.
    timeline = Timeline()
    for package in DOMAIN_PACKAGES:
        demo = domain_module(package, "demo")
        if demo is not None:
            demo.schedule(timeline)
    timeline.run()
    accounts = [(_email(ADMIN), ADMIN.title)]
    for spec in (IRON_MERIDIAN, BLUE_HARBOUR):
        accounts += [(_email(p), f"{p.name} — {p.title} ({spec.code})") for p in spec.people]
    return DemoLogins(password=password, accounts=accounts)
