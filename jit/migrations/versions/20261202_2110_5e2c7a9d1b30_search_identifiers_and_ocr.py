"""search identifiers and OCR: the normalised selectors of each indexed document; OCR'd text

Revision ID: 5e2c7a9d1b30
Revises: def175f8b424
Create Date: 2026-12-02 21:10:00

Phone numbers, IBANs, e-mail addresses and firearm serials as "type:value" tokens, so a
field query (phone:, iban:, email:, serial:) matches whatever the writing. Documents
indexed before this hold none until `jit search reindex` runs (docs/search.md).
evidence_files.is_text_from_ocr says a file's text was recognised by Tesseract.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "5e2c7a9d1b30"
down_revision = "def175f8b424"
branch_labels = None
depends_on = None


def upgrade():
    is_postgresql = op.get_bind().dialect.name == "postgresql"
    empty = sa.text("'{}'") if is_postgresql else sa.text("'[]'")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "identifiers",
                sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
                nullable=False,
                server_default=empty,
            )
        )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.alter_column("identifiers", server_default=None)
        batch_op.create_index(
            "ix_search_documents_identifiers", ["identifiers"], unique=False, postgresql_using="gin"
        )


    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_text_from_ocr", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.alter_column("is_text_from_ocr", server_default=None)


def downgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("is_text_from_ocr")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_search_documents_identifiers")
        batch_op.drop_column("identifiers")
