"""EIO recognition date: the day the executing authority decided to recognise an EIO

Revision ID: d5b8e3f0a2c4
Revises: c4a7d2e9f1b3
Create Date: 2026-12-05 17:10:00

Directive 2014/41/EU art. 12(4) runs the 90 days of execution from the decision on
recognition. The register ran them from "acknowledged", which for an EIO is usually the
Annex B acknowledgement of receipt, days or weeks before that decision. A step of an
EIO now records the recognition date when it is known, as an EAW's records the arrest.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d5b8e3f0a2c4"
down_revision = "c4a7d2e9f1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("bundle_status_changes", sa.Column("recognised_on", sa.Date(), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+), as the language column's downgrade does: no table copy.
        op.execute("ALTER TABLE bundle_status_changes DROP COLUMN recognised_on")
    else:
        op.drop_column("bundle_status_changes", "recognised_on")
