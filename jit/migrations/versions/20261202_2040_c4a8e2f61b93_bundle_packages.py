"""bundle packages: the signed BagIt package written at finalising, its hash and size

Revision ID: c4a8e2f61b93
Revises: c4a1e7b2d915
Create Date: 2026-12-02 20:40:00

A final bundle version keeps the SHA-256 and size of its package, which lives in the
blob store under that hash (docs/bundles.md). Bundles finalised before have none.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4a8e2f61b93"
down_revision = "c4a1e7b2d915"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bundles") as batch:
        batch.add_column(sa.Column("package_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("package_size", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("bundles") as batch:
        batch.drop_column("package_size")
        batch.drop_column("package_sha256")
