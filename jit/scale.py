"""``jit demo --scale N``: one more team at case scale, for the page benchmarks.

The team ``SCALE-N`` has the demo team's parties and people (the same sign-ins), and
each domain package's ``scale.seed(team, memberships, n, start=, span=)`` adds its part
in bulk: evidence N items with 10×N custody events and their audit entries, the chat
20×N messages. Records are spread over the year before today. Created once: run again,
it changes nothing.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jit.clock import frozen, utcnow
from jit.demo import IRON_MERIDIAN, DemoTeam, _ensure_team, demo_password
from jit.extensions import db
from jit.packages import DOMAIN_PACKAGES, domain_module
from jit.teams.models import Membership, Team

MAX_SCALE = 200_000


def scale_team_code(n: int) -> str:
    return f"SCALE-{n}"


def seed(n: int) -> dict:
    """Create the team ``SCALE-n`` with its records, unless it exists; return the counts."""
    if not 1 <= n <= MAX_SCALE:
        raise ValueError(f"--scale takes a number from 1 to {MAX_SCALE}.")
    code = scale_team_code(n)
    if db.session.scalar(select(Team.id).where(Team.code == code)) is not None:
        return {}
    start = utcnow() - timedelta(days=365)
    spec = DemoTeam(
        code=code,
        name=f"Case-scale team ({n} items)",
        description="Seeded by jit demo --scale for measuring pages at case scale.",
        parties=IRON_MERIDIAN.parties,
        people=IRON_MERIDIAN.people,
        set_up_at=start,
    )
    with frozen(start):
        team = _ensure_team(spec, demo_password())
        db.session.commit()
    memberships = list(
        db.session.scalars(
            select(Membership)
            .where(Membership.team_id == team.id)
            .options(selectinload(Membership.user), selectinload(Membership.party))
            .order_by(Membership.id)
        )
    )
    counts: dict = {}
    for package in DOMAIN_PACKAGES:
        module = domain_module(package, "scale")
        if module is not None:
            counts |= module.seed(
                team, memberships, n, start=start + timedelta(days=1), span=timedelta(days=300)
            )
            db.session.commit()
    return counts
