"""Handing over a copy: a derived item with its own chain, not a transfer of the original.

A copy sent to another party recorded on the original's chain reads, to a judge, as the
original leaving. So the copy becomes an item of its own (derivation ``copy``, the
original as its parent): its chain opens with its making and records its transfer; the
original's chain records only that a copy was made.
"""

from evidence import custody, custody_fields, services
from evidence.custody_fields import EventInput
from evidence.models import CustodyEvent, Derivation, EvidenceItem
from jit.audit import services as audit
from jit.teams.access import TeamAccess


def transfer_copy(
    access: TeamAccess, original: EvidenceItem, data: EventInput, details: dict
) -> CustodyEvent:
    """Make the copy as a derived item and record its transfer on the copy's own chain."""
    receiver = data.received_by.strip() or details.get("receiving_member", "")
    copy = services.create_item(
        access,
        services.ItemInput(
            title=f"Copy of {original.title}"[:300],
            description=f"Copy of {original.exhibit_number} made for its transfer to {receiver}.",
            item_type=original.item_type,
            collected_by=access.user.display_name,
            collected_at=data.occurred_at,
            collected_time_zone=data.time_zone,
            collected_location=data.location.strip(),
            legal_basis=data.legal_basis.strip() or original.legal_basis,
            legal_reference=original.legal_reference,
            visibility=original.visibility,
            handling_code=original.handling_code,
            handling_conditions=original.handling_conditions,
            source_reliability=original.source_reliability,
            information_accuracy=original.information_accuracy,
            tags=original.tag_names,
            parent_exhibit=original.exhibit_number,
            derivation=Derivation.COPY.value,
            language=original.language,
        ),
        [],
    )
    event = custody.append_event(
        copy,
        data.event_type,
        recorded_by=access.user,
        details=details | {"copy_of": original.exhibit_number},
        **custody_fields.event_columns(data, receiver),
    )
    audit.record(
        "evidence.custody_recorded",
        team=access.team,
        actor=access.user,
        target=copy,
        new={"exhibit_number": copy.exhibit_number, "seq": event.seq, "type": event.event_type},
    )
    return event
