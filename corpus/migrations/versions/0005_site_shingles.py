"""site furniture counts and dedup state (re-clustering on open)

Revision ID: 0005_site_shingles
Revises: 0004_courlan_urls
Create Date: 2026-11-24 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_site_shingles"
down_revision = "0004_courlan_urls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_shingles",
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("shingle", sa.BigInteger(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "scheme", "shingle"),
    )
    op.create_table(
        "site_pages",
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "scheme"),
    )
    # No rows: a store without a `clustering` entry is re-clustered when it is next opened.
    op.create_table(
        "dedup_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("dedup_state")
    op.drop_table("site_pages")
    op.drop_table("site_shingles")
