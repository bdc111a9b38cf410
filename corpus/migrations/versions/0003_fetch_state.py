"""fetch state: conditional-GET validators and seen feed entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fetch_state",
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_table(
        "feed_entries",
        sa.Column("feed_url", sa.String(length=2048), nullable=False),
        sa.Column("entry_url", sa.String(length=2048), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("feed_url", "entry_url"),
    )


def downgrade() -> None:
    op.drop_table("feed_entries")
    op.drop_table("fetch_state")
