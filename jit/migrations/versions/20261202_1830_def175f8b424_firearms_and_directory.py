"""firearms: weapons, parts, ammunition, tracing requests; the directory of authorities

Revision ID: def175f8b424
Revises: 9ab433f2393d
Create Date: 2026-12-02 18:17:08

Firearm and ammunition records hang off evidence items; serials are kept as read and
normalised (indexed) for cross-case matching. Tracing requests carry their deadline as
a date. The directory of competent authorities is platform-level reference data.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "def175f8b424"
down_revision = "9ab433f2393d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("function", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("languages", sa.String(length=200), nullable=False),
        sa.Column("channels", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entries")),
        sa.UniqueConstraint(
            "country_code",
            "function",
            "name",
            name=op.f("uq_directory_entries_country_code_function_name"),
        ),
    )
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_entries_country_code"), ["country_code"], unique=False
        )

    op.create_table(
        "ammunition_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("calibre", sa.String(length=60), nullable=False),
        sa.Column("headstamp", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_ammunition_records_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["evidence_items.id"],
            name=op.f("fk_ammunition_records_item_id_evidence_items"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_ammunition_records_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ammunition_records")),
    )
    with op.batch_alter_table("ammunition_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ammunition_records_item_id"), ["item_id"], unique=False
        )

    op.create_table(
        "firearms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=False),
        sa.Column("make_key", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("firearm_type", sa.String(length=32), nullable=False),
        sa.Column("calibre", sa.String(length=60), nullable=False),
        sa.Column("country_of_manufacture", sa.String(length=2), nullable=True),
        sa.Column("year_of_manufacture", sa.Integer(), nullable=True),
        sa.Column("import_country", sa.String(length=2), nullable=True),
        sa.Column("import_year", sa.Integer(), nullable=True),
        sa.Column("proof_marks", sa.Text(), nullable=False),
        sa.Column("other_marks", sa.Text(), nullable=False),
        sa.Column("condition", sa.String(length=32), nullable=False),
        sa.Column("condition_notes", sa.Text(), nullable=False),
        sa.Column("licence_reference", sa.String(length=200), nullable=False),
        sa.Column("licence_issued_on", sa.Date(), nullable=True),
        sa.Column("licence_expires_on", sa.Date(), nullable=True),
        sa.Column("export_country", sa.String(length=2), nullable=True),
        sa.Column("transit_countries", sa.String(length=200), nullable=False),
        sa.Column("final_recipient", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_firearms_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["evidence_items.id"], name=op.f("fk_firearms_item_id_evidence_items")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_firearms_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firearms")),
        sa.UniqueConstraint("item_id", "position", name=op.f("uq_firearms_item_id_position")),
    )
    with op.batch_alter_table("firearms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_firearms_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_firearms_team_id_make_key", ["team_id", "make_key"], unique=False)

    op.create_table(
        "firearm_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firearm_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["evidence_files.id"],
            name=op.f("fk_firearm_photos_file_id_evidence_files"),
        ),
        sa.ForeignKeyConstraint(
            ["firearm_id"],
            ["firearms.id"],
            name=op.f("fk_firearm_photos_firearm_id_firearms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firearm_photos")),
        sa.UniqueConstraint(
            "firearm_id", "file_id", name=op.f("uq_firearm_photos_firearm_id_file_id")
        ),
    )
    op.create_table(
        "firearm_serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firearm_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("as_read", sa.String(length=100), nullable=False),
        sa.Column("normalised", sa.String(length=100), nullable=False),
        sa.Column("alteration", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["firearm_id"],
            ["firearms.id"],
            name=op.f("fk_firearm_serials_firearm_id_firearms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firearm_serials")),
    )
    with op.batch_alter_table("firearm_serials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_firearm_serials_firearm_id"), ["firearm_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_firearm_serials_normalised"), ["normalised"], unique=False
        )

    op.create_table(
        "tracing_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("counterpart_country", sa.String(length=2), nullable=False),
        sa.Column("counterpart_authority", sa.String(length=300), nullable=False),
        sa.Column("counterpart_reference", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=False),
        sa.Column("make_key", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("firearm_type", sa.String(length=32), nullable=False),
        sa.Column("calibre", sa.String(length=60), nullable=False),
        sa.Column("serial_as_read", sa.String(length=100), nullable=False),
        sa.Column("serial_normalised", sa.String(length=100), nullable=False),
        sa.Column("country_of_manufacture", sa.String(length=2), nullable=True),
        sa.Column("other_marks", sa.Text(), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("intended_use", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("linked_team_id", sa.Integer(), nullable=True),
        sa.Column("proposes_new_team", sa.Boolean(), nullable=False),
        sa.Column("proposal_note", sa.Text(), nullable=False),
        sa.Column("firearm_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tracing_requests_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["firearm_id"], ["firearms.id"], name=op.f("fk_tracing_requests_firearm_id_firearms")
        ),
        sa.ForeignKeyConstraint(
            ["linked_team_id"], ["teams.id"], name=op.f("fk_tracing_requests_linked_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_tracing_requests_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_tracing_requests_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracing_requests")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_tracing_requests_team_id_number")),
    )
    with op.batch_alter_table("tracing_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tracing_requests_team_id_status", ["team_id", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("tracing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_tracing_requests_team_id_status")

    op.drop_table("tracing_requests")
    with op.batch_alter_table("firearm_serials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_firearm_serials_normalised"))
        batch_op.drop_index(batch_op.f("ix_firearm_serials_firearm_id"))

    op.drop_table("firearm_serials")
    op.drop_table("firearm_photos")
    with op.batch_alter_table("firearms", schema=None) as batch_op:
        batch_op.drop_index("ix_firearms_team_id_make_key")
        batch_op.drop_index(batch_op.f("ix_firearms_item_id"))

    op.drop_table("firearms")
    with op.batch_alter_table("ammunition_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ammunition_records_item_id"))

    op.drop_table("ammunition_records")
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_entries_country_code"))

    op.drop_table("directory_entries")
