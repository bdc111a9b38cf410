"""version warnings: what extraction noticed about a stored text (e.g. a truncated page)

Revision ID: 0011_version_warnings
Revises: 0010_archive
Create Date: 2026-11-24 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_version_warnings"
down_revision = "0010_archive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("warnings")
