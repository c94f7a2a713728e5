"""audit: indexes that keep the audit log's filters and an item's access log fast at case scale

Revision ID: 600dff360840
Revises: cc6bb7bdde50
Create Date: 2026-12-03 09:40:00

At 10,000 exhibits a team's chain holds some 100,000 entries. The audit page's filter
menus (who, which operation, which kind of object appears in the chain) and its counts
per operation scanned the whole chain; an item page's access log scanned the team's
entries for the item's reads. Each of these now reads a narrow index range instead
(benchmarks/pages).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "600dff360840"
down_revision = "cc6bb7bdde50"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_audit_entries_chain_user_id": ["chain", "user_id"],
    "ix_audit_entries_chain_operation": ["chain", "operation"],
    "ix_audit_entries_chain_object_type": ["chain", "object_type"],
    "ix_audit_entries_team_object": ["team_id", "object_type", "object_id", "operation"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "audit_entries", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="audit_entries")
