"""bundle translations: a file per target language translating the drafter's own text

Revision ID: cc6bb7bdde50
Revises: 7d2b9f4e6a18
Create Date: 2026-12-03 07:00:00

A draft request may carry, for each target language, one file translating the text
its drafter typed (PDF, DOCX, ODT or plain text), kept in the blob store under its
SHA-256. It is frozen with the request when the request is finalised.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "cc6bb7bdde50"
down_revision = "7d2b9f4e6a18"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bundle_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["bundles.id"],
            name=op.f("fk_bundle_translations_bundle_id_bundles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_bundle_translations_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_translations")),
        sa.UniqueConstraint(
            "bundle_id", "language", name=op.f("uq_bundle_translations_bundle_id_language")
        ),
    )
    with op.batch_alter_table("bundle_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bundle_translations_bundle_id"), ["bundle_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bundle_translations_sha256"), ["sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("bundle_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundle_translations_sha256"))
        batch_op.drop_index(batch_op.f("ix_bundle_translations_bundle_id"))
    op.drop_table("bundle_translations")
