"""one successor per request version: a final request gets at most one version n+1

Revision ID: c4a7d2e9f1b3
Revises: b8e2f0c4d6a1
Create Date: 2026-12-05 17:00:00

A final request's new version was linked to it with nothing to stop a second one from
branching off the same version: two "version 2"s of one request, of which the register
showed one. The service now refuses a second; this unique index makes the database
refuse it too, so two leaders pressing "New version" at once cannot both succeed.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a7d2e9f1b3"
down_revision = "b8e2f0c4d6a1"
branch_labels = None
depends_on = None


def upgrade():
    branched = op.get_bind().execute(
        sa.text(
            "SELECT previous_id, COUNT(*) FROM bundles WHERE previous_id IS NOT NULL "
            "GROUP BY previous_id HAVING COUNT(*) > 1"
        )
    ).all()
    if branched:
        # Which of two drafts is "the" next version is the team's decision, not a
        # migration's: name them and stop, changing nothing.
        raise RuntimeError(
            "Some request versions have more than one next version (bundle ids "
            + ", ".join(str(previous) for previous, _count in branched)
            + "). Withdraw or delete the extra drafts, then upgrade again."
        )
    op.create_index("uq_bundles_previous_id", "bundles", ["previous_id"], unique=True)


def downgrade():
    op.drop_index("uq_bundles_previous_id", table_name="bundles")
