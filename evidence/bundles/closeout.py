"""The legal requests' share of a party's close-out archive: its own requests, tracked.

Which requests: those the party drafted, every type and every version, drafts included,
as far as the leader taking the archive may read them at the source
(:func:`evidence.bundles.access.visible_bundles_filter`) — and no other party's.

Why not the other parties' requests, which every leader of the team may open in the
workspace? A request is the drafting authority's own legal act (DESIGN.md §8: its party
drafts, finalises, shares it for review and records its tracking; only its leader may
finalise it, only its party may track it). Another party's leader sees it while the team
runs for one purpose: to consent to its own items going out in it (access.py's note, and
DESIGN.md §3 "own party's items need own leader"). That is reading for a task, not a
request shared with that party; what that party needs to keep of it is already in its
own part of the archive: the ``exported`` custody event on each of its items that went
out (with the request's number and hash) and the audit log's entries as far as it may
read them. So the archive carries, like the issue says, "its requests and their
tracking", and a party takes nothing away it did not author.

Per request, under ``requests/REQ-<number>/``:

- ``request.json``: the request document (``jit-workspace/request/v1``, docs/bundles.md):
  for a final request the one frozen at finalising, whose SHA-256 its PDF shows;
- ``request.pdf``: the signed request PDF, for a final request;
- ``record.json``: where it stands: version and the version it replaced, who finalised
  it and when, the agreement version recorded, the content, PDF and package hashes, the
  consents, the reviewers it was shared with and their decisions with their notes, and
  the tracking history (every status change, dated and attributed).

A request holding an item the leader may not open (its exhibit number, title and
hashes are in the document and the PDF) is treated as its page treats it: no
``request.json`` or ``request.pdf``; its ``record.json`` says ``"is_request_held_back":
true``, and a consent or a reply kept as evidence about an item they may not open is
held back there too (``"is_held_back": true``, ``"is_reply_held_back": true``).

The signed BagIt package written at finalising is not copied (its hash and size are in
``record.json``): it repeats evidence files the archive holds under ``evidence/`` as far
as the party may read them.
"""

import json

from sqlalchemy import select

from evidence import storage
from evidence.access import visible_ids
from evidence.bundles import review, services, tracking
from evidence.bundles.access import visible_bundles_filter
from evidence.bundles.document import request_document
from evidence.bundles.models import Bundle
from jit.bags import Payload
from jit.extensions import db


def own_requests(access) -> list[Bundle]:
    """Return the requests the party of ``access`` drafted that ``access`` may read."""
    return list(
        db.session.scalars(
            select(Bundle)
            .where(visible_bundles_filter(access), Bundle.party_id == access.party.id)
            .order_by(Bundle.number)
        )
    )


def closeout_payload(access) -> list[Payload]:
    """Answer :data:`jit.signals.closeout_payload`: the party's own requests, tracked."""
    if access.party is None:
        return []
    files = []
    for bundle in own_requests(access):
        folder = f"requests/{bundle.label}"
        openable = services.openable_item_ids(access, bundle)
        whole = all(entry.item_id in openable for entry in bundle.items)
        if whole:
            files.append(Payload(f"{folder}/request.json", _json(request_document(bundle))))
            if bundle.is_final and bundle.pdf_sha256:
                path = storage.blob_path(bundle.pdf_sha256)
                files.append(Payload(f"{folder}/request.pdf", path))
        record = _record(bundle, access, openable)
        if not whole:
            record["is_request_held_back"] = True
        files.append(Payload(f"{folder}/record.json", _json(record)))
    return files


def _record(bundle: Bundle, access, openable: set[int]) -> dict:
    changes = tracking.changes_of(bundle)
    replies = visible_ids(access, (change.reply_item_id for change in changes))
    return {
        "request": bundle.label,
        "type": bundle.request_type,
        "party": bundle.party.short_label,
        "version": bundle.version,
        "previous": bundle.previous.label if bundle.previous else None,
        "status": bundle.status,
        "tracking_status": tracking.current_status(bundle, changes),
        "created_at": _iso(bundle.created_at),
        "finalised_at": _iso(bundle.finalised_at),
        "finalised_by": bundle.finalised_by.display_name if bundle.finalised_by else None,
        "agreement_reference": bundle.agreement_reference,
        "agreement_version": bundle.agreement_version,
        "content_hash": bundle.content_hash,
        "pdf_sha256": bundle.pdf_sha256,
        "package_sha256": bundle.package_sha256,
        "package_size": bundle.package_size,
        "consents": [
            {
                "item_id": consent.item_id,
                "party": consent.party.short_label,
                "given_by": consent.given_by_name,
                "purpose": consent.purpose,
                "given_at": _iso(consent.given_at),
            }
            if consent.item_id in openable
            else {"is_held_back": True}
            for consent in bundle.consents
        ],
        "shared_for_review_with": [
            {"reviewer": share.membership.user.display_name, "shared_at": _iso(share.shared_at)}
            for share in review.shares_of(bundle)
        ],
        "reviews": [
            {
                "reviewer": decision.reviewer_name,
                "decision": decision.decision,
                "note": decision.note,
                "recorded_at": _iso(decision.recorded_at),
            }
            for decision in review.reviews_of(bundle)
        ],
        "tracking": [
            {
                "status": change.status,
                "previous_status": change.previous_status,
                "occurred_on": _iso(change.occurred_on),
                "arrested_on": _iso(change.arrested_on),
                "recognised_on": _iso(change.recognised_on),
                "reference": change.reference,
                "note": change.note,
                "reply_item_id": change.reply_item_id if change.reply_item_id in replies else None,
                **(
                    {"is_reply_held_back": True}
                    if change.reply_item_id and change.reply_item_id not in replies
                    else {}
                ),
                "recorded_at": _iso(change.recorded_at),
                "recorded_by": change.recorded_by_name,
            }
            for change in changes
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
