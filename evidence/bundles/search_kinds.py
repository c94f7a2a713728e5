"""What the legal requests put in the case search: each request's text.

Reader tokens mirror :func:`evidence.bundles.access.visible_bundles_filter`: a request
is read by the drafting party's drafters and by the team's leaders, narrowed when it
holds evidence not every one of them may open (:func:`bundle_readers`).
"""

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evidence.bundles.instruments import INSTRUMENTS, instrument
from evidence.bundles.models import Bundle, BundleItem
from evidence.models import Visibility
from jit.extensions import db
from jit.permissions import Permission, Role

LEADERS = "bundles:leaders"


NOBODY = "bundles:nobody"


def bundle_readers(bundle: Bundle) -> tuple[str, ...]:
    """Who finds the request's text: as :func:`visible_bundles_filter`, narrowed to those
    who may open every item in it — the text may quote them (a tracing request copies
    its firearm's serial), and the request page shows it to them only."""
    party = f"bundles:party:{bundle.party_id}"
    restricted = [
        entry.item for entry in bundle.items if entry.item.visibility != Visibility.TEAM.value
    ]
    if not restricted:
        return (party, LEADERS)
    if any(item.party_id != bundle.party_id for item in restricted):
        # Another party's own or leaders-only item: its party reads it, not this request's.
        return (NOBODY,)
    if all(item.visibility == Visibility.PARTY.value for item in restricted):
        return (party,)  # the drafting party's own items, read by all its members
    return (f"bundles:leader:{bundle.party_id}",)  # its leaders-only items


def reader_tokens(access) -> set[str]:
    """The request tokens a member holds (none for who drafts no requests)."""
    if not access.can(Permission.DRAFT_BUNDLE):
        return set()
    tokens = {f"bundles:party:{access.party.id}"}
    if access.role is Role.LEADER:
        tokens |= {LEADERS, f"bundles:leader:{access.party.id}"}
    return tokens


def _text(bundle: Bundle) -> str:
    definition = instrument(bundle.request_type)
    values = bundle.values or {}
    parts = []
    for _section, field in definition.fields():
        value = values.get(field.key)
        labels = dict(field.choices)
        chosen = value if isinstance(value, list | tuple) else [value]
        parts += [str(labels.get(v, v)) for v in chosen if isinstance(v, str) and v]
    return "\n".join(parts)


def bundle_documents(ids: list[int]) -> dict:
    from search.registry import Document

    rows = db.session.scalars(
        select(Bundle)
        .where(Bundle.id.in_(ids))
        .options(joinedload(Bundle.party), selectinload(Bundle.items).joinedload(BundleItem.item))
    )
    return {
        bundle.id: Document(
            kind="request",
            object_id=bundle.id,
            team_id=bundle.team_id,
            title=f"{bundle.label} {instrument(bundle.request_type).title}",
            body=_text(bundle),
            occurred_at=bundle.updated_at,
            readers=bundle_readers(bundle),
            party=bundle.party.short_label,
            language=bundle.language,
            ref=str(bundle.number),
        )
        for bundle in rows
        if bundle.request_type in INSTRUMENTS
    }


def search_kinds(_app):
    """Register legal requests with the case search."""
    from search.registry import SearchKind

    return SearchKind(
        name="request",
        label="Legal request",
        documents=bundle_documents,
        ids_of_team=lambda team_id: db.session.scalars(
            select(Bundle.id).where(Bundle.team_id == team_id)
        ),
        reader_tokens=reader_tokens,
        link=lambda code, ref: url_for("bundles.show", code=code, number=int(ref)),
        watch={Bundle: lambda bundle: [bundle.id]},
    )
