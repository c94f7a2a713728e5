"""How many requests a party has issued, for the team's evaluation (jit.signals hook)."""

from sqlalchemy import func, select

from evidence.bundles.models import Bundle, BundleStatus
from jit.extensions import db

# The evaluation form's counts, by request type; extradition and tracing are not asked.
COUNTED = ("eio", "eaw", "mla")


def requests_issued(team, party=None) -> dict[str, int] | None:
    """Return ``{"eio": n, "eaw": n, "mla": n}`` for ``party``'s final requests in ``team``.

    A request counts once: a corrected version (version 2 and on) is the same request,
    so only first versions that were finalised are counted.
    """
    if party is None:
        return None
    rows = db.session.execute(
        select(Bundle.request_type, func.count())
        .where(
            Bundle.team_id == team.id,
            Bundle.party_id == party.id,
            Bundle.status == BundleStatus.FINAL.value,
            Bundle.version == 1,
            Bundle.request_type.in_(COUNTED),
        )
        .group_by(Bundle.request_type)
    ).all()
    found = dict.fromkeys(COUNTED, 0)
    found.update({kind: count for kind, count in rows})
    return found
