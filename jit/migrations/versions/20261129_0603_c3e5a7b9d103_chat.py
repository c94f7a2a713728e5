"""chat: channels, messages with revisions, read marks

Revision ID: c3e5a7b9d103
Revises: a2f4b6c8d002
Create Date: 2026-11-29 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d103'
down_revision = "a2f4b6c8d002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('is_general', sa.Boolean(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_chat_channels_created_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_chat_channels_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_channels')),
    sa.UniqueConstraint('team_id', 'name', name=op.f('uq_chat_channels_team_id_name'))
    )

    with op.batch_alter_table('chat_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_channels_team_id'), ['team_id'], unique=False)

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_party_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('handling_code', sa.String(length=2), nullable=False),
    sa.Column('handling_conditions', sa.String(length=500), nullable=False),
    sa.Column('source_reliability', sa.String(length=1), nullable=True),
    sa.Column('information_accuracy', sa.String(length=1), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('retracted_at', sa.DateTime(), nullable=True),
    sa.Column('retracted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_chat_messages_author_id_users')),
    sa.ForeignKeyConstraint(['author_party_id'], ['parties.id'], name=op.f('fk_chat_messages_author_party_id_parties')),
    sa.ForeignKeyConstraint(['channel_id'], ['chat_channels.id'], name=op.f('fk_chat_messages_channel_id_chat_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['retracted_by_id'], ['users.id'], name=op.f('fk_chat_messages_retracted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('author_id', 'client_id', name=op.f('uq_chat_messages_author_id_client_id')),
    sa.UniqueConstraint('channel_id', 'seq', name=op.f('uq_chat_messages_channel_id_seq'))
    )

    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_messages_author_id'), ['author_id'], unique=False)

    op.create_table('chat_read_marks',
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['chat_channels.id'], name=op.f('fk_chat_read_marks_channel_id_chat_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_read_marks_user_id_users')),
    sa.PrimaryKeyConstraint('channel_id', 'user_id', name=op.f('pk_chat_read_marks'))
    )

    op.create_table('chat_message_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('handling_code', sa.String(length=2), nullable=False),
    sa.Column('handling_conditions', sa.String(length=500), nullable=False),
    sa.Column('source_reliability', sa.String(length=1), nullable=True),
    sa.Column('information_accuracy', sa.String(length=1), nullable=True),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['chat_messages.id'], name=op.f('fk_chat_message_revisions_message_id_chat_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_message_revisions'))
    )

    with op.batch_alter_table('chat_message_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_message_revisions_message_id'), ['message_id'], unique=False)

    # Teams that existed before chat get their general channel here; new teams get it
    # from the session hook in jit.chat.watch.
    # Times are stored as naive UTC.
    if op.get_bind().dialect.name == 'sqlite':
        now = "CURRENT_TIMESTAMP"
    else:
        now = "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"
    op.execute(
        "INSERT INTO chat_channels (team_id, name, topic, is_general, last_seq, created_at) "
        f"SELECT id, 'general', 'The whole team', true, 0, {now} FROM teams"
    )


def downgrade():
    op.drop_table('chat_message_revisions')
    op.drop_table('chat_read_marks')
    op.drop_table('chat_messages')
    op.drop_table('chat_channels')
