"""audit: the instance's Ed25519 signature over each chain head

Revision ID: d4f6a8c0e204
Revises: c3e5a7b9d103
Create Date: 2026-11-29 09:30:00

Heads written before this revision have no signature; `jit run` and `jit demo` sign
those whose chain verifies, right after migrating (migrations do not hold the key).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4f6a8c0e204"
down_revision = "c3e5a7b9d103"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_chain_heads") as batch_op:
        batch_op.add_column(sa.Column("signed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_chain_heads") as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("key_id")
        batch_op.drop_column("signed_at")
