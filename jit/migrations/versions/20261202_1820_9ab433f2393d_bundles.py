"""bundles: legal requests out of the team, their evidence and the consents to send it

Revision ID: 9ab433f2393d
Revises: b8d0f2a4c608
Create Date: 2026-12-02 17:47:51

One bundle = one request (MLA, EIO, EAW, extradition, tracing) of one drafting party,
its field values as JSON, and once final the agreement version, the content hash and
the signed PDF's blob hash. bundle_items are the selected exhibits in schedule order;
bundle_consents the originating leaders' consents (H1/H2, other parties' items).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ab433f2393d'
down_revision = "b8d0f2a4c608"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bundles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('request_type', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('agreement_reference', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('finalised_at', sa.DateTime(), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('agreement_version', sa.String(length=40), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('document', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bundles_created_by_id_users')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'], name=op.f('fk_bundles_finalised_by_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_bundles_party_id_parties')),
    sa.ForeignKeyConstraint(['previous_id'], ['bundles.id'], name=op.f('fk_bundles_previous_id_bundles')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_bundles_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_bundles_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundles')),
    sa.UniqueConstraint('team_id', 'number', name=op.f('uq_bundles_team_id_number'))
    )
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.create_index('ix_bundles_team_id_party_id', ['team_id', 'party_id'], unique=False)

    op.create_table('bundle_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_by_name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('given_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundles.id'], name=op.f('fk_bundle_consents_bundle_id_bundles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_bundle_consents_given_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_bundle_consents_item_id_evidence_items')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_bundle_consents_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_consents')),
    sa.UniqueConstraint('bundle_id', 'item_id', name=op.f('uq_bundle_consents_bundle_id_item_id'))
    )
    with op.batch_alter_table('bundle_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_consents_bundle_id'), ['bundle_id'], unique=False)

    op.create_table('bundle_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_bundle_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundles.id'], name=op.f('fk_bundle_items_bundle_id_bundles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_bundle_items_item_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_items')),
    sa.UniqueConstraint('bundle_id', 'item_id', name=op.f('uq_bundle_items_bundle_id_item_id'))
    )
    with op.batch_alter_table('bundle_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_items_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_items_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('bundle_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_bundle_items_bundle_id'))

    op.drop_table('bundle_items')
    with op.batch_alter_table('bundle_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_consents_bundle_id'))

    op.drop_table('bundle_consents')
    with op.batch_alter_table('bundles', schema=None) as batch_op:
        batch_op.drop_index('ix_bundles_team_id_party_id')

    op.drop_table('bundles')
