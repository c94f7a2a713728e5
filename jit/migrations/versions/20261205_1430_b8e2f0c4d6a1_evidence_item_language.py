"""evidence item language: the language of an item's text, as its recorder states it

Revision ID: b8e2f0c4d6a1
Revises: d4950d1a2c33
Create Date: 2026-12-05 14:30:00

Search stems a document's words by its language. Items had none to state, so their
language was always guessed from the text (a short note or a list of names guesses
badly). Items recorded before keep "", which means "not stated": guessed, as before.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8e2f0c4d6a1"
down_revision = "d4950d1a2c33"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "evidence_items",
        sa.Column("language", sa.String(length=8), server_default="", nullable=False),
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+). Alembic's batch mode would copy the
        # table and rename the copy, which the custody delete trigger, naming
        # evidence_items, does not survive.
        op.execute("ALTER TABLE evidence_items DROP COLUMN language")
    else:
        op.drop_column("evidence_items", "language")
