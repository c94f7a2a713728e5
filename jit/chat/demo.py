"""Demo conversation in Operation Iron Meridian (``jit demo``); added once."""

from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import select

from jit.accounts.services import find_user_by_email
from jit.chat import services
from jit.chat.models import Channel, Message
from jit.clock import utcnow
from jit.extensions import db
from jit.teams.access import team_access_for
from jit.teams.models import Team

TEAM = "IRON-MERIDIAN"
DOMAIN = "demo.example"

CHANNELS = [
    ("controlled-delivery", "Operation harbour: the controlled delivery Zagreb → Rotterdam"),
    ("analysis", "Europol analysis products and link charts"),
]

# (when, channel, person key, handling code, conditions, text). "when" is a date-time for
# the first months of the team, or hours before the demo is seeded for the operation of
# these days, so the chat always has a recent conversation.
CONVERSATION = [
    (
        "2025-09-16T08:30:00+02:00",
        "general",
        "coordinator",
        "H0",
        "",
        "Welcome to the Iron Meridian chat. Everything "
        "said here is kept in the team's record; reference evidence by its exhibit number "
        "(e.g. #HR-0001) instead of pasting content.",
    ),
    (
        "2026-03-16T11:50:00+01:00",
        "general",
        "hr.leader",
        "H0",
        "",
        "Bajakovo, 14 March: USKOK has uploaded the extraction of the van driver's handset as "
        "**#HR-0001** and the first of the fourteen converted pistols as #HR-0002.",
    ),
    (
        "2026-03-16T12:10:00+01:00",
        "general",
        "at.leader",
        "H0",
        "",
        "Received. Vienna will run the serial numbers "
        "of the converted pistols against the national register today.",
    ),
    (
        "2026-04-10T16:00:00+02:00",
        "general",
        "nl.member",
        "H1",
        "",
        "Phone extraction of the courier arrested at the Waalhaven warehouse is done. "
        "Contacts overlap with the Bajakovo handset:\n\n- 3 shared numbers\n- 1 shared IMEI\n\n"
        "Not for use in court until the rechter-commissaris authorises the extraction.",
    ),
    (
        "2026-04-10T17:30:00+02:00",
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
        "Link chart updated: it merges the contacts in #AT-0002 with the payment flows of "
        "the financial investigation.",
    ),
    (
        1,
        "general",
        "coordinator",
        "H0",
        "",
        "Coordination call tomorrow 10:00 CET — "
        "agenda: controlled delivery, next EIO to Germany, trial timetable in Zagreb.",
    ),
]

# The named channels were opened with the chat, before the first message.
CHANNELS_OPENED = "2025-09-16T08:00:00+02:00"
# Message 3 was corrected a quarter of an hour later: its first text stays in the record.
CORRECTED = (
    3,
    "2026-03-16T12:25:00+01:00",
    "Received. Vienna will run the serial numbers of the converted pistols against "
    "the national register and the iARMS database today.",
)


# Messages the author graded with the 4x4 evaluation: number -> (source, information).
EVALUATED = {4: ("B", "2"), 5: ("A", "3"), 6: ("B", "1")}


def _access(person_key: str):
    user = find_user_by_email(f"{person_key}@{DOMAIN}")
    return team_access_for(user, TEAM) if user else None


def _moment(when, now: datetime) -> datetime:
    if isinstance(when, str):
        return datetime.fromisoformat(when).astimezone(UTC)
    return now - timedelta(hours=when)


def schedule(timeline) -> None:
    """Put the conversation on the demo timeline, once."""
    team = db.session.scalar(select(Team).where(Team.code == TEAM))
    if team is None:
        return
    if db.session.scalar(
        select(Channel.id).where(Channel.team_id == team.id, Channel.last_seq > 0)
    ):
        return  # the conversation is there already
    now = utcnow()

    def open_channels():
        coordinator = _access("coordinator")
        existing = set(db.session.scalars(select(Channel.name).where(Channel.team_id == team.id)))
        for name, topic in CHANNELS:
            if name not in existing:
                services.create_channel(coordinator, name=name, topic=topic)

    def post(number, channel_name, person, code, conditions, text):
        access = _access(person)
        channel = db.session.scalar(
            select(Channel).where(Channel.team_id == team.id, Channel.name == channel_name)
        )
        services.post_message(
            access,
            channel,
            client_id=f"demo-message-{number:04d}",
            draft=services.check_draft(text, code, conditions, *EVALUATED.get(number, ())),
        )

    def correct(number, author, text):
        message = db.session.scalar(
            select(Message).where(Message.client_id == f"demo-message-{number:04d}")
        )
        services.edit_message(_access(author), message.id, services.check_draft(text))

    timeline.at(_moment(CHANNELS_OPENED, now), open_channels)
    for number, (when, channel, person, *message) in enumerate(CONVERSATION, 1):
        timeline.at(_moment(when, now), partial(post, number, channel, person, *message))
    number, when, text = CORRECTED
    timeline.at(_moment(when, now), partial(correct, number, CONVERSATION[number - 1][2], text))
