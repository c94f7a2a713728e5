"""close-out archives, retention settings and legal hold, deletion certificates

Revision ID: c105e0a7d3e2
Revises: 5e2c7a9d1b30
Create Date: 2026-12-02 20:50:00

A party's close-out archive is a signed bag in the blob store, one per party. A team's
retention row holds its own period and the legal hold. Deletion certificates outlive
the content they describe (no cascade from teams).

Custody events stay append-only, with one exception: retention's deletion, which holds
a permit for the team inside its own transaction (custody_deletion_permits) and
removes it before committing. The delete triggers are re-created to honour it.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c105e0a7d3e2"
down_revision = "5e2c7a9d1b30"
branch_labels = None
depends_on = None


_REFUSAL = "custody events are append-only: they cannot be changed or removed"
_PERMITTED = (
    "EXISTS (SELECT 1 FROM custody_deletion_permits p JOIN evidence_items i "
    "ON i.team_id = p.team_id WHERE i.id = OLD.item_id)"
)


def _triggers(with_permit: bool):
    if op.get_bind().dialect.name == "postgresql":
        allow = f"IF TG_OP = 'DELETE' AND {_PERMITTED} THEN RETURN OLD; END IF; " if with_permit else ""
        op.execute(
            "CREATE OR REPLACE FUNCTION custody_events_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"{allow}RAISE EXCEPTION '{_REFUSAL}'; "
            "END $$"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS custody_events_no_delete")
    when = f"WHEN NOT {_PERMITTED} " if with_permit else ""
    op.execute(
        f"CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events {when}"
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    )


def upgrade():
    op.create_table(
        "custody_deletion_permits",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("team_id"),
    )
    _triggers(with_permit=True)
    op.create_table(
        "closeout_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("payload_oxum", sa.String(length=64), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "party_id"),
    )
    op.create_index(
        op.f("ix_closeout_archives_team_id"), "closeout_archives", ["team_id"], unique=False
    )
    op.create_table(
        "team_retention",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("hold_set_at", sa.DateTime(), nullable=True),
        sa.Column("hold_set_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hold_set_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id"),
    )
    op.create_table(
        "deletion_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_deletion_certificates_team_id"), "deletion_certificates", ["team_id"], unique=False
    )


def downgrade():
    _triggers(with_permit=False)
    op.drop_table("custody_deletion_permits")
    op.drop_index(op.f("ix_deletion_certificates_team_id"), table_name="deletion_certificates")
    op.drop_table("deletion_certificates")
    op.drop_table("team_retention")
    op.drop_index(op.f("ix_closeout_archives_team_id"), table_name="closeout_archives")
    op.drop_table("closeout_archives")
