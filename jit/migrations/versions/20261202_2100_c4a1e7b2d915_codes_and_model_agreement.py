"""codes: evaluation may be "not evaluated"; agreements: drafts in the Model's articles

Revision ID: c4a1e7b2d915
Revises: def175f8b424
Create Date: 2026-12-02 21:00:00

Evidence items' source reliability and information accuracy become nullable: ``NULL``
is "not evaluated" (jit/codes.py), a value of its own instead of the silent X/4 the
form used to preselect. Existing X/4 items are **kept as X/4**: the form preselected
X and 4 and the service defaulted to them, and neither the item nor its audit entry
records whether the person chose them or left them, so an item that was defaulted
cannot be told from one that was evaluated X/4. Turning them into "not evaluated"
would rewrite evaluations someone may have made; keeping them claims nothing new.

Agreements: content in the Model Agreement's article order (``jit-agreement/2``,
agreements/articles.py). Only versions not yet frozen (drafts nobody signed) are
converted, in place: a frozen version's text is what its signatories signed and its
SHA-256 is in their signatures and the custody record, so it stays as signed
(``jit-agreement/1``) and is still shown with its own numbering. The conversion moves
what each old article held to the Model's place for it (the old art. 8 "measures"
text becomes Article 10, investigative measures), drops the per-person "seconded"
flag (now derived from the state of operation) and the switches for the uses of
art. 13(10)(b)/(c) of the 2000 Convention (now fixed text), and names the time zone
of the first party state (or UTC).
"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4a1e7b2d915"
down_revision = "def175f8b424"
branch_labels = None
depends_on = None

# The usual zone of each state that takes part in the demo and the tests; others: UTC.
_ZONES = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn", "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GR": "Europe/Athens",
    "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
    "IT": "Europe/Rome", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest",
    "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava",
}  # fmt: skip


def _converted(content: dict) -> dict:
    """Return schema-1 ``content`` in the schema-2 shape (what the agreements code reads)."""
    new = dict(content)
    new["schema"] = "jit-agreement/2"
    measures = new.pop("measures", "") or ""
    new["general_conditions"] = ""
    new["organisation"] = ""
    new["measures"] = measures
    info = dict(new.get("information_use") or {})
    info.pop("other_offences_with_consent", None)
    info.pop("public_security", None)
    new["information_use"] = {
        "other_purposes": info.get("other_purposes", ""),
        "consent_conditions": "",
        "admissibility": info.get("admissibility", ""),
    }
    new["members"] = [
        {k: v for k, v in person.items() if k != "is_seconded"}
        for person in new.get("members") or []
    ]
    first = next((p["party"] for p in new.get("parties") or [] if p.get("role") == "party"), "")
    new["time_zone"] = _ZONES.get(first, "UTC")
    return new


def upgrade():
    with op.batch_alter_table("evidence_items") as batch:
        batch.alter_column("source_reliability", existing_type=sa.String(1), nullable=True)
        batch.alter_column("information_accuracy", existing_type=sa.String(1), nullable=True)

    bind = op.get_bind()
    versions = sa.table(
        "agreement_versions",
        sa.column("id", sa.Integer),
        sa.column("content", sa.JSON),
        sa.column("frozen_at", sa.DateTime),
    )
    rows = bind.execute(
        sa.select(versions.c.id, versions.c.content).where(versions.c.frozen_at.is_(None))
    ).all()
    for version_id, content in rows:
        if isinstance(content, str):
            content = json.loads(content)
        if (content or {}).get("schema") != "jit-agreement/1":
            continue
        bind.execute(
            versions.update().where(versions.c.id == version_id).values(content=_converted(content))
        )


def downgrade():
    # Drafts stay in the Model's shape (the older code cannot read them, but nothing is
    # lost); evaluations left open go back to the old X/4 only where they are unset.
    bind = op.get_bind()
    items = sa.table(
        "evidence_items",
        sa.column("source_reliability", sa.String),
        sa.column("information_accuracy", sa.String),
    )
    bind.execute(
        items.update().where(items.c.source_reliability.is_(None)).values(source_reliability="X")
    )
    bind.execute(
        items.update()
        .where(items.c.information_accuracy.is_(None))
        .values(information_accuracy="4")
    )
    with op.batch_alter_table("evidence_items") as batch:
        batch.alter_column("source_reliability", existing_type=sa.String(1), nullable=False)
        batch.alter_column("information_accuracy", existing_type=sa.String(1), nullable=False)
