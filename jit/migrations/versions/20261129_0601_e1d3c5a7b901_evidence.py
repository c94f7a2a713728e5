"""Evidence: items, tags, files, the chain of custody with signed heads, verifications.

Custody events are append-only: triggers refuse UPDATE and DELETE on both databases.

Revision ID: e1d3c5a7b901
Revises: 1c8eafcedfd9
Create Date: 2026-11-29 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e1d3c5a7b901"
down_revision = "1c8eafcedfd9"
branch_labels = None
depends_on = None

_REFUSAL = "custody events are append-only: they cannot be changed or removed"


def _append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION custody_events_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{_REFUSAL}'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER custody_events_append_only BEFORE UPDATE OR DELETE "
            "ON custody_events FOR EACH ROW EXECUTE FUNCTION custody_events_refuse_change()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER custody_events_no_{action.lower()} BEFORE {action} "
                f"ON custody_events BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS custody_events_append_only ON custody_events")
        op.execute("DROP FUNCTION IF EXISTS custody_events_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS custody_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS custody_events_no_delete")


def upgrade():
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('party_sequence', sa.Integer(), nullable=False),
    sa.Column('exhibit_number', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('item_type', sa.String(length=32), nullable=False),
    sa.Column('collected_by', sa.String(length=200), nullable=False),
    sa.Column('collected_at', sa.DateTime(), nullable=False),
    sa.Column('collected_time_zone', sa.String(length=64), nullable=False),
    sa.Column('collected_location', sa.String(length=300), nullable=False),
    sa.Column('seized_from', sa.String(length=300), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('legal_reference', sa.String(length=200), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('handling_code', sa.String(length=2), nullable=False),
    sa.Column('handling_conditions', sa.Text(), nullable=False),
    sa.Column('source_reliability', sa.String(length=1), nullable=False),
    sa.Column('information_accuracy', sa.String(length=1), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('derivation', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evidence_items_created_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['evidence_items.id'], name=op.f('fk_evidence_items_parent_id_evidence_items')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_evidence_items_party_id_parties')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_evidence_items_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('team_id', 'exhibit_number', name=op.f('uq_evidence_items_team_id_exhibit_number')),
    sa.UniqueConstraint('team_id', 'party_id', 'party_sequence', name=op.f('uq_evidence_items_team_id_party_id_party_sequence'))
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_evidence_items_team_id_collected_at', ['team_id', 'collected_at'], unique=False)
        batch_op.create_index('ix_evidence_items_team_id_handling_code', ['team_id', 'handling_code'], unique=False)
        batch_op.create_index('ix_evidence_items_team_id_item_type', ['team_id', 'item_type'], unique=False)
        batch_op.create_index('ix_evidence_items_team_id_party_id', ['team_id', 'party_id'], unique=False)

    op.create_table('custody_chain_heads',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_custody_chain_heads_item_id_evidence_items')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_custody_chain_heads'))
    )

    op.create_table('custody_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('actor_time_zone', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('actor_party', sa.String(length=200), nullable=False),
    sa.Column('released_by', sa.String(length=200), nullable=True),
    sa.Column('released_by_party', sa.String(length=200), nullable=True),
    sa.Column('received_by', sa.String(length=200), nullable=True),
    sa.Column('received_by_party', sa.String(length=200), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('agreement_version', sa.String(length=40), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_custody_events_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_custody_events_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_events')),
    sa.UniqueConstraint('item_id', 'seq', name=op.f('uq_custody_events_item_id_seq'))
    )

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=127), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('extraction_status', sa.String(length=16), nullable=False),
    sa.Column('extraction_error', sa.Text(), nullable=True),
    sa.Column('extracted_at', sa.DateTime(), nullable=True),
    sa.Column('extracted_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_evidence_files_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_sha256'), ['sha256'], unique=False)

    op.create_table('evidence_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_evidence_tags_item_id_evidence_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_tags')),
    sa.UniqueConstraint('item_id', 'tag', name=op.f('uq_evidence_tags_item_id_tag'))
    )
    with op.batch_alter_table('evidence_tags', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_tags_tag_item_id', ['tag', 'item_id'], unique=False)

    op.create_table('evidence_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('is_intact', sa.Boolean(), nullable=False),
    sa.Column('items_checked', sa.Integer(), nullable=False),
    sa.Column('events_checked', sa.Integer(), nullable=False),
    sa.Column('files_checked', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_evidence_verifications_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_evidence_verifications_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_evidence_verifications_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_verifications'))
    )
    with op.batch_alter_table('evidence_verifications', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_verifications_team_id_item_id', ['team_id', 'item_id'], unique=False)
    _append_only_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('evidence_verifications', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_verifications_team_id_item_id')
    op.drop_table('evidence_verifications')
    with op.batch_alter_table('evidence_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_tags_tag_item_id')
    op.drop_table('evidence_tags')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_item_id'))
    op.drop_table('evidence_files')
    op.drop_table('custody_events')
    op.drop_table('custody_chain_heads')
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_items_team_id_party_id')
        batch_op.drop_index('ix_evidence_items_team_id_item_type')
        batch_op.drop_index('ix_evidence_items_team_id_handling_code')
        batch_op.drop_index('ix_evidence_items_team_id_collected_at')
        batch_op.drop_index(batch_op.f('ix_evidence_items_parent_id'))
    op.drop_table('evidence_items')
