"""search: the outbox that keeps the index in step, and PostgreSQL's documents table

Revision ID: b8d0f2a4c608
Revises: a7c9e1f3b507
Create Date: 2026-12-02 17:30:00

The outbox is written in the same transaction as the content it names; one writer
drains it into the index. search_documents holds the PostgreSQL backend's documents
(tsvector + GIN); on SQLite the Whoosh backend keeps its own files and the table stays
empty. PostgreSQL folds accents with the unaccent extension (trusted since 13).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "b8d0f2a4c608"
down_revision = "a7c9e1f3b507"
branch_labels = None
depends_on = None


# Per language, two configurations over one Snowball stemmer without stop words (a
# phrase or a NOT must keep every word, in every language it is looked up in):
# jit_<language> folds accents first (unaccent), jit_<language>_accented stems the
# word as written, since a stemmer knows its language's accented suffixes ("-ación").
LANGUAGES = ["english", "french", "german", "spanish", "italian", "dutch", "portuguese"]
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        for name in LANGUAGES:
            op.execute(
                f"CREATE TEXT SEARCH DICTIONARY jit_{name}_stem"
                f" (TEMPLATE = snowball, Language = {name})"
            )
            for suffix, chain in (("", f"unaccent, jit_{name}_stem"), ("_accented", f"jit_{name}_stem")):
                op.execute(f"CREATE TEXT SEARCH CONFIGURATION jit_{name}{suffix} (COPY = simple)")
                op.execute(
                    f"ALTER TEXT SEARCH CONFIGURATION jit_{name}{suffix}"
                    f" ALTER MAPPING FOR {WORD_TOKENS} WITH {chain}"
                )
        op.execute("CREATE TEXT SEARCH CONFIGURATION jit_simple (COPY = simple)")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION jit_simple"
            f" ALTER MAPPING FOR {WORD_TOKENS} WITH unaccent, simple"
        )
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_outbox")),
    )
    op.create_table(
        "search_documents",
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("party", sa.String(length=40), nullable=False),
        sa.Column(
            "readers",
            sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("exhibit", sa.String(length=40), nullable=False),
        sa.Column("evidence_type", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "tsv", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_search_documents_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_search_documents")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_documents_team_id_occurred_at", ["team_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_search_documents_tsv", ["tsv"], unique=False, postgresql_using="gin"
        )


def downgrade():
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_search_documents_tsv")
        batch_op.drop_index("ix_search_documents_team_id_occurred_at")
    op.drop_table("search_documents")
    op.drop_table("search_outbox")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS jit_simple")
        for name in LANGUAGES:
            for suffix in ("", "_accented"):
                op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS jit_{name}{suffix}")
            op.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS jit_{name}_stem")
