"""Cross-case matching: the same weapon recorded in another of the reader's teams.

Matches are computed for one reader at a time, among the firearms that reader may see
in every team they belong to. A firearm in a team they are not in, or on an item they
may not see, is never a candidate: nothing on a page, in a count or in a filter can
tell that it exists. Nothing about a match is stored, so no record can carry it to
someone who could not see both sides.
"""

from dataclasses import dataclass

from sqlalchemy.orm import joinedload, selectinload

from evidence.access import may_read_evidence
from evidence.firearms.access import visible_firearms
from evidence.firearms.models import Firearm, FirearmSerial
from evidence.firearms.serials import serials_match
from jit.extensions import db
from jit.teams.access import TeamAccess, teams_of


@dataclass(frozen=True)
class Match:
    firearm: Firearm  # the other record
    team_code: str
    serial: FirearmSerial  # ours
    other_serial: FirearmSerial

    @property
    def is_other_team(self) -> bool:
        return self.firearm.team_id != self.serial.firearm.team_id


def readable_teams(user) -> list[TeamAccess]:
    return [access for access in teams_of(user) if may_read_evidence(access)]


def _candidates(user, make_keys: set[str]) -> list[Firearm]:
    found = []
    for access in readable_teams(user):
        found += db.session.scalars(
            visible_firearms(access)
            .where(Firearm.make_key.in_(make_keys))
            .options(
                selectinload(Firearm.serials),
                joinedload(Firearm.item),
                joinedload(Firearm.team),
            )
        ).all()
    return found


def matches_for(user, firearms: list[Firearm]) -> dict[int, list[Match]]:
    """Return, per firearm id, the other records ``user`` may see that match it."""
    make_keys = {firearm.make_key for firearm in firearms if firearm.make_key}
    if not make_keys:
        return {}
    candidates = _candidates(user, make_keys)
    result: dict[int, list[Match]] = {}
    for firearm in firearms:
        for other in candidates:
            if other.id == firearm.id or other.make_key != firearm.make_key:
                continue
            pair = next(
                (
                    (mine, theirs)
                    for mine in firearm.serials
                    for theirs in other.serials
                    if serials_match(mine.normalised, theirs.normalised)
                ),
                None,
            )
            if pair is not None:
                result.setdefault(firearm.id, []).append(
                    Match(other, other.team.code, pair[0], pair[1])
                )
    return result
