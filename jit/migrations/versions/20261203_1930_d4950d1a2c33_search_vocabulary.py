"""search vocabulary: the words of each team's PostgreSQL index, for fuzzy terms

Revision ID: d4950d1a2c33
Revises: f37ed9c9abc4
Create Date: 2026-12-03 19:30:00

A fuzzy term (medelin~) and "did you mean" read every lexeme of the team with ts_stat
over all its documents at each query (~0.5 s at 100,000 documents). The search writer
now keeps each team's lexemes in search_vocabulary, in the transaction that writes
search_documents, and a fuzzy term reads only the words whose length is within its
distance (index on team_id, length, word), comparing them with fuzzystrmatch's
levenshtein_less_equal (a trusted contrib extension since PostgreSQL 13).

On PostgreSQL the table is filled here from the documents already indexed; on SQLite
(the Whoosh backend keeps its own files) it is made and stays empty, like
search_documents.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d4950d1a2c33"
down_revision = "f37ed9c9abc4"
branch_labels = None
depends_on = None


def upgrade():
    is_postgresql = op.get_bind().dialect.name == "postgresql"
    if is_postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.create_table(
        "search_vocabulary",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("length", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_search_vocabulary_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "word", name=op.f("pk_search_vocabulary")),
    )
    with op.batch_alter_table("search_vocabulary", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_vocabulary_team_id_length_word",
            ["team_id", "length", "word"],
            unique=False,
        )
    if is_postgresql:
        # The documents indexed so far: every lexeme of each team, once.
        op.execute(
            "INSERT INTO search_vocabulary (team_id, word, length)"
            " SELECT DISTINCT team_id, lexeme, char_length(lexeme)"
            " FROM search_documents, unnest(tsvector_to_array(tsv)) AS lexeme"
            " WHERE tsv IS NOT NULL"
        )


def downgrade():
    with op.batch_alter_table("search_vocabulary", schema=None) as batch_op:
        batch_op.drop_index("ix_search_vocabulary_team_id_length_word")
    op.drop_table("search_vocabulary")
