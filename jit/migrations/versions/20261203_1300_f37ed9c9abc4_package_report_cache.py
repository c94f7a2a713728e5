"""package reports: custody reports of draft requests' items rendered ahead

Revision ID: f37ed9c9abc4
Revises: 600dff360840
Create Date: 2026-12-03 13:00:00

Finalising a request of 200 items spent most of its time making their custody report
PDFs. They are now rendered in the background while the request is a draft and kept in
the blob store; this table finds them by item, chain head and a fingerprint of the rest
of what the report says (evidence/bundles/prerender.py, docs/bundles.md).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f37ed9c9abc4"
down_revision = "600dff360840"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "package_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("head_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_items.id"],
            name=op.f("fk_package_reports_item_id_evidence_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_reports")),
        sa.UniqueConstraint(
            "item_id",
            "head_seq",
            "head_hash",
            "fingerprint",
            name=op.f("uq_package_reports_item_id_head_seq_head_hash_fingerprint"),
        ),
    )
    with op.batch_alter_table("package_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_package_reports_item_id"), ["item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("package_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_reports_item_id"))
    op.drop_table("package_reports")
