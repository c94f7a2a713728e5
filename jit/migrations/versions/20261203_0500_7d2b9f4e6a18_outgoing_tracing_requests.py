"""outgoing tracing requests: the bundle they were drafted as, the day sent, no deadline

Revision ID: 7d2b9f4e6a18
Revises: c105e0a7d3e2
Create Date: 2026-12-03 05:00:00

An outgoing tracing request is a row of tracing_requests linked to the request bundle
drafted from a firearm record (bundle_id), with the day the bundle's tracking recorded
it sent (sent_on). Only an incoming request has an answer deadline of ours, so due_on
may be empty.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "7d2b9f4e6a18"
down_revision = "c105e0a7d3e2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tracing_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("bundle_id", sa.Integer(), nullable=True))
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_tracing_requests_bundle_id"), ["bundle_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tracing_requests_bundle_id_bundles"), "bundles", ["bundle_id"], ["id"]
        )


def downgrade():
    # An outgoing request has no deadline: give it its drafting day before due_on is
    # required again, so the downgrade does not fail on the rows it keeps.
    op.execute("UPDATE tracing_requests SET due_on = received_on WHERE due_on IS NULL")
    with op.batch_alter_table("tracing_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tracing_requests_bundle_id_bundles"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_tracing_requests_bundle_id"))
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("bundle_id")
        batch_op.drop_column("sent_on")
