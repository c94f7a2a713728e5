"""Firearms tracing's share of a party's close-out archive: the party's own tracing requests.

Like the legal requests (evidence/bundles/closeout.py), a party takes the tracing
requests that are its own — the incoming ones it received (its leader answers for them)
and the outgoing ones it sent — as far as the leader taking the archive may read them at
the source (:func:`evidence.firearms.access.visible_tracing_filter`). Another party's
incoming requests, which the team's evidence readers see while it runs, stay with the
party that received them. The firearm records themselves travel with their evidence
items' records, under ``evidence/``.
"""

import json

from sqlalchemy import select

from evidence.firearms.access import visible_tracing_filter
from evidence.firearms.models import TracingRequest
from jit.bags import Payload, safe_name
from jit.extensions import db


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: ``firearms/tracing/<number>.json``."""
    if access.party is None:
        return []
    found = db.session.scalars(
        select(TracingRequest)
        .where(visible_tracing_filter(access), TracingRequest.party_id == access.party.id)
        .order_by(TracingRequest.id)
    )
    files = []
    for request in found:
        record = request.snapshot() | {
            "party": request.party.short_label,
            "bundle": request.bundle.label if request.bundle else None,
            "firearm": request.firearm.label if request.firearm else None,
            "linked_team": request.linked_team.code if request.linked_team else None,
            "created_at": request.created_at.isoformat(),
            "updated_at": request.updated_at.isoformat(),
        }
        body = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        name = safe_name(request.number, f"tracing-{request.id}")
        files.append(Payload(f"firearms/tracing/{name}.json", body.encode("utf-8")))
    return files
