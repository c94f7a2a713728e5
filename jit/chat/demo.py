"""Demo conversation in Operation Iron Meridian (``jit demo``); added once."""

from datetime import timedelta

from sqlalchemy import select

from jit.accounts.services import find_user_by_email
from jit.chat import services
from jit.chat.models import Channel, Message
from jit.clock import frozen, utcnow
from jit.extensions import db
from jit.teams.access import team_access_for
from jit.teams.models import Team

TEAM = "IRON-MERIDIAN"
DOMAIN = "demo.example"

CHANNELS = [
    ("controlled-delivery", "Operation harbour: the controlled delivery Zagreb → Rotterdam"),
    ("analysis", "Europol analysis products and link charts"),
]

# (hours ago, channel, person key, handling code, conditions, text)
CONVERSATION = [
    (
        50,
        "general",
        "coordinator",
        "H0",
        "",
        "Welcome to the Iron Meridian chat. Everything "
        "said here is kept in the team's record; reference evidence by its exhibit number "
        "(e.g. #HR-0001) instead of pasting content.",
    ),
    (
        49.5,
        "general",
        "hr.leader",
        "H0",
        "",
        "Thank you, Marta. USKOK has uploaded the "
        "seizure report from the Lipovac border crossing as **#HR-0001**.",
    ),
    (
        49,
        "general",
        "at.leader",
        "H0",
        "",
        "Received. Vienna will run the serial numbers "
        "of the converted pistols against the national register today.",
    ),
    (
        30,
        "general",
        "nl.member",
        "H1",
        "",
        "Phone extraction of the courier is done. "
        "Contacts overlap with the Rotterdam cell:\n\n- 3 shared numbers\n- 1 shared IMEI\n\n"
        "Not for use in court until the rechter-commissaris authorises the extraction.",
    ),
    (
        29,
        "general",
        "europol",
        "H2",
        "",
        "Cross-match against the analysis project: two of "
        "the numbers appear in `AP-WE-2026-114`. Please do not forward outside the team.",
    ),
    (
        6,
        "controlled-delivery",
        "hr.member",
        "H3",
        "Share with the AT customs officers on duty at Spielfeld only",
        "Truck left Zagreb at 04:10 local time, plate ZG-4411-KP, "
        "expected at Spielfeld around 09:30.",
    ),
    (
        5.5,
        "controlled-delivery",
        "at.member",
        "H0",
        "",
        "Spielfeld team in position. We "
        "let it pass and hand over surveillance at the German border as agreed.",
    ),
    (
        5,
        "controlled-delivery",
        "nl.leader",
        "H0",
        "",
        "The Rotterdam arrest team is on "
        "standby from 18:00. *Nobody* acts before the pallet is unloaded.",
    ),
    (
        2,
        "analysis",
        "europol",
        "H0",
        "",
        "Updated link chart uploaded as #HR-0002; it merges the phone data with the payment flows.",
    ),
    (
        1,
        "general",
        "coordinator",
        "H0",
        "",
        "Coordination call tomorrow 10:00 CET — "
        "agenda: controlled delivery, next EIO to Germany, extension of the agreement.",
    ),
]


# Messages the author graded with the 4x4 evaluation: number -> (source, information).
EVALUATED = {4: ("B", "2"), 5: ("A", "3"), 6: ("B", "1")}


def _access(person_key: str):
    user = find_user_by_email(f"{person_key}@{DOMAIN}")
    return team_access_for(user, TEAM) if user else None


def seed() -> None:
    team = db.session.scalar(select(Team).where(Team.code == TEAM))
    if team is None:
        return
    coordinator = _access("coordinator")
    existing = set(db.session.scalars(select(Channel.name).where(Channel.team_id == team.id)))
    for name, topic in CHANNELS:
        if name not in existing:
            services.create_channel(coordinator, name=name, topic=topic)
    db.session.flush()
    channels = {c.name: c for c in services.channels_of(coordinator)}
    if any(c.last_seq for c in channels.values()):
        return  # the conversation is there already
    now = utcnow()
    for number, (hours, channel, person, code, conditions, text) in enumerate(CONVERSATION, 1):
        access = _access(person)
        with frozen(now - timedelta(hours=hours)):
            services.post_message(
                access,
                channels[channel],
                client_id=f"demo-message-{number:04d}",
                draft=services.check_draft(text, code, conditions, *EVALUATED.get(number, ())),
            )
    # One message corrected after the fact: its first text stays in the record.
    first = db.session.scalar(select(Message).where(Message.client_id == "demo-message-0003"))
    with frozen(now - timedelta(hours=48)):
        services.edit_message(
            _access("at.leader"),
            first.id,
            services.check_draft(
                "Received. Vienna will run the serial numbers of the converted pistols against "
                "the national register and the iARMS database today.",
            ),
        )
