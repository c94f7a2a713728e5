"""OCR'd text: evidence_files.is_text_from_ocr

Revision ID: 5e2c7a9d1b30
Revises: c4e6a8b0d2f1
Create Date: 2026-12-02 21:10:00

evidence_files.is_text_from_ocr says a file's text was recognised by Tesseract. The
identifiers found in text (phone:, iban:, email:, serial:) go in search_documents.identifiers,
added with the files' header tokens by c4e6a8b0d2f1; documents indexed before hold none
until `jit search reindex` runs (docs/search.md).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e2c7a9d1b30"
down_revision = "c4e6a8b0d2f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_text_from_ocr", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.alter_column("is_text_from_ocr", server_default=None)


def downgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("is_text_from_ocr")
