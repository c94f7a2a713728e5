"""formats: the client's claimed media type, extracted metadata, containers' members

Revision ID: c4e6a8b0d2f1
Revises: 2e75d77e027c
Create Date: 2026-12-02 21:00:00

evidence_files keeps the type the client claimed beside the type libmagic found, and
the headers and document properties the readers found. evidence_archive_members lists
a container's members (path, sizes, SHA-256) and the item a member became.
search_documents gains the identifier tokens (from:…, author:…) those properties give.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "c4e6a8b0d2f1"
down_revision = "2e75d77e027c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_media_type", sa.String(length=127), nullable=True))
        batch_op.add_column(sa.Column("extracted_metadata", sa.JSON(), nullable=True))
    op.create_table(
        "evidence_archive_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("compressed_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("derived_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["derived_item_id"], ["evidence_items.id"]),
        sa.ForeignKeyConstraint(["file_id"], ["evidence_files.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id", "position"),
    )
    with op.batch_alter_table("evidence_archive_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_archive_members_file_id"), ["file_id"], unique=False
        )
    # One list of "name:value" tokens per search document: a file's headers and properties
    # here, identifiers found in text (phone:, iban:, email:, serial:) from 5e2c7a9d1b30 on.
    is_postgresql = op.get_bind().dialect.name == "postgresql"
    empty = sa.text("'{}'") if is_postgresql else sa.text("'[]'")
    identifiers = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identifiers", identifiers, nullable=False, server_default=empty)
        )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.alter_column("identifiers", server_default=None)
        batch_op.create_index(
            "ix_search_documents_identifiers",
            ["identifiers"],
            unique=False,
            postgresql_using="gin",
        )


def downgrade():
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_search_documents_identifiers", postgresql_using="gin")
        batch_op.drop_column("identifiers")
    with op.batch_alter_table("evidence_archive_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_archive_members_file_id"))
    op.drop_table("evidence_archive_members")
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("extracted_metadata")
        batch_op.drop_column("claimed_media_type")
