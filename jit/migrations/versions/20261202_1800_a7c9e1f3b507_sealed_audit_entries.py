"""audit: sealed entries — a salted content digest, so a redacted export verifies

Revision ID: a7c9e1f3b507
Revises: f6b8d0a2c406
Create Date: 2026-12-02 18:00:00

Entries written from now on (format 2) hash their envelope and `content_hash`, the
digest of their old and new values salted with `content_nonce` (jit/audit/sealing.py).
Existing entries keep their hash and are marked format 1: a chain is never rewritten.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a7c9e1f3b507"
down_revision = "f6b8d0a2c406"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.add_column(sa.Column("entry_format", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("content_nonce", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.execute("UPDATE audit_entries SET entry_format = 1")
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.alter_column("entry_format", existing_type=sa.Integer(), nullable=False)


def downgrade():
    # Entries sealed in format 2 cannot be verified once these columns are gone.
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.drop_column("content_hash")
        batch_op.drop_column("content_nonce")
        batch_op.drop_column("entry_format")
