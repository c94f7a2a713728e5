"""The custody report a judge reads (PDF) and the machine-readable chain (JSONL)."""

import json
from pathlib import Path

from flask import current_app, render_template

from evidence import custody, custody_fields, custody_shown
from evidence.models import (
    CustodyChainHead,
    CustodyEvent,
    EvidenceItem,
    EvidenceVerification,
)
from jit import codes, signing
from jit.clock import utcnow
from jit.pdf import html_pdf

_CSS = Path(__file__).resolve().parent.parent / "templates" / "evidence" / "custody_report.css"


def hash_groups(value: str | None, size: int = 8) -> str:
    """Split a long hex or base64 value into groups, so it wraps without break-all."""
    if not value:
        return ""
    return " ".join(value[i : i + size] for i in range(0, len(value), size))


def code_legend() -> list[tuple[str, dict[str, str]]]:
    """Return the handling and evaluation codes with their meanings, for the report's legend.

    The meanings come from :mod:`jit.codes`, the workspace's one definition of them.
    """
    return [
        ("Handling codes", dict(codes.HANDLING)),
        ("Source reliability", dict(codes.SOURCE_RELIABILITY)),
        ("Information accuracy", dict(codes.INFORMATION_ACCURACY)),
    ]


def custody_report_pdf(
    item: EvidenceItem,
    *,
    access_log=None,
    events: list[CustodyEvent],
    head: CustodyChainHead | None,
    verification: EvidenceVerification,
    result: custody.VerificationResult,
    generated_for,
    reader=None,
) -> bytes:
    """Render the custody report of one item as PDF bytes.

    ``access_log`` (evidence.queries.access_log) lists who read the item; a copy that
    leaves the team in a request's package passes None and says the reads stay in the
    team's audit log, so it names no more people than the custody chain itself.
    ``reader`` (a TeamAccess) is who the report is made for in the team: another item
    its events name is named only if they may open it (:mod:`evidence.custody_shown`).
    """
    html = custody_report_html(
        item,
        access_log=access_log,
        events=events,
        head=head,
        verification=verification,
        result=result,
        generated_for=generated_for,
        reader=reader,
    )
    return html_pdf(html, css=custody_report_css(), static_folder=current_app.static_folder)


def custody_report_css() -> tuple[str, ...]:
    """Return the report's stylesheets as text (what :func:`jit.pdf.html_pdf` takes)."""
    return (_CSS.read_text(encoding="utf-8"),)


def custody_report_html(
    item: EvidenceItem,
    *,
    access_log=None,
    events: list[CustodyEvent],
    head: CustodyChainHead | None,
    verification: EvidenceVerification,
    result: custody.VerificationResult,
    generated_for,
    generated_at=None,
    reader=None,
) -> str:
    """Return the report as the HTML its PDF is made from (see :func:`custody_report_pdf`).

    Rendered here, in the app and for the reader (their time zone), from the records;
    turning it into PDF needs nothing else, so a child process can do that part.
    ``generated_at`` defaults to now. Made for ``reader`` (see :func:`custody_report_pdf`),
    an item they may not open is not named; without one (a request's package, which
    carries the chains as recorded) every item is.
    """
    parent_shown = True
    if reader is not None:
        events = custody_shown.as_read_by(reader, item, events)
        parent_shown = custody_shown.parent_openable(reader, item)
    return render_template(
        "evidence/custody_report.html",
        item=item,
        parent_shown=parent_shown,
        not_open=custody_shown.NOT_OPEN,
        events=events,
        head=head,
        key=signing.signing_key(),
        verification=verification,
        result=result,
        generated_at=generated_at or utcnow(),
        generated_for=generated_for,
        hash_groups=hash_groups,
        access_log=access_log,
        legend=code_legend(),
        agreement_refs=custody.agreement_references(item.team, events),
        detail_rows=custody_fields.detail_rows,
        detail_text=custody_fields.detail_text,
    )


def custody_jsonl(
    item: EvidenceItem,
    events: list[CustodyEvent],
    head: CustodyChainHead | None,
    reader=None,
) -> str:
    """Return the chain as JSON lines: every hashed field, then the signed head.

    Anyone can re-check it: each line's ``hash`` is the SHA-256 of the canonical JSON
    (sorted keys, no spaces, UTF-8) of its other fields; the head's signature is over
    the canonical JSON of its ``signed_payload``.

    Made for ``reader`` (a TeamAccess), an event that names an item or a request they
    may not open (:mod:`evidence.custody_shown`) is *held back*: its line gives only its
    place in the chain (``seq``, ``prev_hash``, ``hash``, ``"is_held_back": true``), since
    beside its other fields the hash would give the hidden exhibit number (or request
    label) away to a few thousand guesses. The chain still links to its signed head
    (:mod:`evidence.bundles.verify`).
    Without a reader (a request's package) every event is written whole.
    """
    hidden = custody_shown.Hidden()
    if reader is not None:
        hidden = custody_shown.hidden_items(reader, item, events)
    lines = []
    for event in events:
        if custody_shown.names_hidden(item, event, hidden):
            held_back = {
                "item_id": event.item_id,
                "seq": event.seq,
                "prev_hash": event.prev_hash,
                "hash": event.hash,
                "exhibit_number": item.exhibit_number,
                "is_held_back": True,
            }
            lines.append(json.dumps(held_back, ensure_ascii=False, sort_keys=True))
            continue
        fields = event.canonical_fields()
        fields["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
        fields["recorded_at"] = event.recorded_at.isoformat(timespec="microseconds")
        fields["hash"] = event.hash
        fields["exhibit_number"] = item.exhibit_number
        lines.append(json.dumps(fields, ensure_ascii=False, sort_keys=True))
    if head is not None:
        key = signing.signing_key()
        lines.append(
            json.dumps(
                {
                    "chain_head": True,
                    "exhibit_number": item.exhibit_number,
                    "signed_payload": json.loads(
                        custody.head_payload(
                            head.item_id, head.seq, head.hash, head.key_id, head.signed_at
                        )
                    ),
                    "signature_ed25519_base64": head.signature,
                    "public_key_pem": key.public_pem().decode("ascii")
                    if head.key_id == key.key_id
                    else None,
                    "workspace": current_app.config.get("SERVER_NAME") or "",
                },
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    return "\n".join(lines) + "\n"
