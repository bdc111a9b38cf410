"""version fetch time: when the page a version came from was fetched (a WARC record's WARC-Date)

Revision ID: 0012_version_fetched_at
Revises: 0011_version_warnings
Create Date: 2026-11-24 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_version_fetched_at"
down_revision = "0011_version_warnings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.add_column(sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("fetched_at")
