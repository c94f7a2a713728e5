"""What the firearms register puts in the case search: firearm records, found by serial.

A record is read exactly by who may read its evidence item (the item's reader tokens);
each serial is an identifier token ``serial:<normalised>``, so ``serial:12-M57 48221``
finds ``12M5748221`` whatever the spacing or look-alike characters.
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evidence.firearms.models import Firearm, FirearmSerial
from evidence.firearms.serials import normalise_serial
from evidence.models import EvidenceItem
from evidence.search_kinds import item_readers, reader_tokens
from jit.extensions import db
from jit.teams.reference import country_name


def _text(firearm: Firearm) -> str:
    parts = [
        firearm.manufacturer,
        firearm.model,
        firearm.type_label,
        firearm.calibre,
        country_name(firearm.country_of_manufacture) if firearm.country_of_manufacture else "",
        *(serial.as_read for serial in firearm.serials),
        firearm.proof_marks,
        firearm.other_marks,
        firearm.condition_notes,
    ]
    return "\n".join(part for part in parts if part)


def firearm_documents(ids: list[int]) -> dict:
    from search.registry import Document

    rows = db.session.scalars(
        select(Firearm)
        .where(Firearm.id.in_(ids))
        .options(
            joinedload(Firearm.item).joinedload(EvidenceItem.party),
            selectinload(Firearm.serials),
        )
    )
    return {
        firearm.id: Document(
            kind="firearm",
            object_id=firearm.id,
            team_id=firearm.team_id,
            title=f"{firearm.label} {firearm.manufacturer} {firearm.model}".strip(),
            body=_text(firearm),
            occurred_at=firearm.item.collected_at,
            readers=item_readers(firearm.item),
            party=firearm.item.party.short_label,
            handling_code=firearm.item.handling_code,
            exhibit=firearm.item.exhibit_number,
            evidence_type=firearm.item.item_type,
            ref=str(firearm.id),
            identifiers=tuple(f"serial:{serial.normalised}" for serial in firearm.serials),
        )
        for firearm in rows
    }


def _firearms_of_item(item: EvidenceItem) -> list[int]:
    # Visibility lives on the item: its firearm records follow a change of it.
    return list(db.session.scalars(select(Firearm.id).where(Firearm.item_id == item.id)))


def search_kinds(_app):
    """Register firearm records with the case search, with the ``serial:`` field."""
    from search.registry import SearchKind

    return SearchKind(
        name="firearm",
        label="Firearm",
        documents=firearm_documents,
        ids_of_team=lambda team_id: db.session.scalars(
            select(Firearm.id).where(Firearm.team_id == team_id)
        ),
        reader_tokens=reader_tokens,
        link=lambda code, ref: url_for("firearms.firearm", code=code, firearm_id=int(ref)),
        watch={
            Firearm: lambda firearm: [firearm.id],
            FirearmSerial: lambda serial: [serial.firearm_id],
            EvidenceItem: _firearms_of_item,
        },
        identifier_fields={"serial": normalise_serial},
    )
