"""chat: when each message last changed, indexed per channel, for catch-up after a gap

Revision ID: e5a7c9e1f305
Revises: d4f6a8c0e204
Create Date: 2026-11-29 10:45:00

A client back after a gap asks for the messages edited or retracted since it last
synced. Asked of edited_at OR retracted_at, that walked the whole channel; one
`changed_at` column with an index on (channel_id, changed_at) makes it a range read.
Existing messages get the later of their two stamps.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5a7c9e1f305"
down_revision = "d4f6a8c0e204"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chat_messages") as batch_op:
        batch_op.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE chat_messages SET changed_at = CASE"
        " WHEN retracted_at IS NOT NULL AND (edited_at IS NULL OR retracted_at > edited_at)"
        " THEN retracted_at ELSE edited_at END"
        " WHERE edited_at IS NOT NULL OR retracted_at IS NOT NULL"
    )
    with op.batch_alter_table("chat_messages") as batch_op:
        batch_op.create_index(
            "ix_chat_messages_channel_id_changed_at", ["channel_id", "changed_at"], unique=False
        )


def downgrade():
    # Dropped in place (SQLite 3.35+ can): a batch copy of the table would drop the old
    # one, and with foreign keys on, that deletes every message's earlier texts.
    op.drop_index("ix_chat_messages_channel_id_changed_at", table_name="chat_messages")
    op.drop_column("chat_messages", "changed_at")
