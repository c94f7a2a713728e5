"""Firearms tracing's share of a party's close-out archive: the party's own tracing requests.

Like the legal requests (evidence/bundles/closeout.py), a party takes the tracing
requests that are its own — the incoming ones it received (its leader answers for them)
and the outgoing ones it sent — as far as the leader taking the archive may read them at
the source (:func:`evidence.firearms.access.visible_tracing_filter`). Another party's
incoming requests, which the team's evidence readers see while it runs, stay with the
party that received them. The firearm records themselves travel with their evidence
items' records, under ``evidence/``.

A request names what it is linked to — the firearm record it concerns, the request
bundle it was drafted as, a team running a parallel investigation — only as far as that
leader may open it at the source, as the request's page does: an incoming request is
read by every evidence reader, its firearm only by who may open the firearm's item, its
team only by that team's members. A link held back is written as null (its label and
its id) and marked ``is_<link>_held_back``, as the audit log in the same archive marks
what it holds back; nothing else of the request changes.
"""

import json

from sqlalchemy import select

from evidence.bundles.access import visible_bundles_filter
from evidence.bundles.models import Bundle
from evidence.firearms.access import visible_firearms, visible_tracing_filter
from evidence.firearms.models import Firearm, TracingRequest
from evidence.firearms.tracing import shown_answer
from jit.bags import Payload, safe_name
from jit.extensions import db
from jit.teams.access import teams_of


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: ``firearms/tracing/<number>.json``."""
    if access.party is None:
        return []
    found = list(
        db.session.scalars(
            select(TracingRequest)
            .where(visible_tracing_filter(access), TracingRequest.party_id == access.party.id)
            .order_by(TracingRequest.id)
        )
    )
    opened = _Openable(access, found)
    files = []
    for request in found:
        record = request.snapshot() | {
            "answer": shown_answer(access, request),
            "party": request.party.short_label,
            "created_at": request.created_at.isoformat(),
            "updated_at": request.updated_at.isoformat(),
        }
        record |= _link(
            "firearm", request.firearm_id, opened.firearms, lambda r=request: r.firearm.label
        )
        record |= _link(
            "bundle", request.bundle_id, opened.bundles, lambda r=request: r.bundle.label
        )
        record |= _link(
            "linked_team",
            request.linked_team_id,
            opened.teams,
            lambda r=request: r.linked_team.code,
        )
        body = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        name = safe_name(request.number, f"tracing-{request.id}")
        files.append(Payload(f"firearms/tracing/{name}.json", body.encode("utf-8")))
    return files


class _Openable:
    """The firearms, bundles and teams the requests link to that ``access`` may open."""

    def __init__(self, access, requests: list[TracingRequest]):
        firearm_ids = {r.firearm_id for r in requests if r.firearm_id is not None}
        bundle_ids = {r.bundle_id for r in requests if r.bundle_id is not None}
        self.firearms: set[int] = set()
        self.bundles: set[int] = set()
        if firearm_ids:
            self.firearms = set(
                db.session.scalars(
                    visible_firearms(access)
                    .with_only_columns(Firearm.id)
                    .where(Firearm.id.in_(firearm_ids))
                )
            )
        if bundle_ids:
            self.bundles = set(
                db.session.scalars(
                    select(Bundle.id).where(
                        visible_bundles_filter(access), Bundle.id.in_(bundle_ids)
                    )
                )
            )
        self.teams = {other.team.id for other in teams_of(access.user)}


def _link(name: str, linked_id: int | None, openable: set[int], label) -> dict:
    """The link ``name`` as the archive writes it: label and id, or held back."""
    if linked_id is None:
        return {name: None, f"{name}_id": None}
    if linked_id in openable:
        return {name: label(), f"{name}_id": linked_id}
    return {name: None, f"{name}_id": None, f"is_{name}_held_back": True}
