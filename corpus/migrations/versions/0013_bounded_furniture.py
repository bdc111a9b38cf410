"""bounded site furniture counts: a site id per row, and only the shingles that can be furniture

`site_shingles` held a row per distinct shingle of every page of a site (~820 per article);
`furniture_shingles` keeps the rows that the bounded counts (`corpus.furniture`) keep. The
upgrade copies the counts, dropping what a prune of each site at its present size drops at the
shipped settings (share 0.1, a quarter of the limit, sites of 64 pages or more), and drops the
old tables. The downgrade copies the kept rows back.

Revision ID: 0013_bounded_furniture
Revises: 0012_version_fetched_at
Create Date: 2026-11-24 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_bounded_furniture"
down_revision = "0012_version_fetched_at"
branch_labels = None
depends_on = None

# A row is kept while its count is at least share × pages / 4 (shipped share 0.1), or its site
# has fewer pages than one prune interval (counts there are exact).
_KEEP = "c.articles > 0 AND (s.pages < 64 OR c.articles * 40 >= s.pages)"


def upgrade() -> None:
    op.create_table(
        "furniture_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site", "scheme", name="uq_furniture_site"),
    )
    op.create_table(
        "furniture_shingles",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("shingle", sa.BigInteger(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["furniture_sites.id"]),
        sa.PrimaryKeyConstraint("site_id", "shingle"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO furniture_sites (site, scheme, pages) "
        "SELECT site, scheme, articles FROM site_pages ORDER BY site, scheme"
    )
    op.execute(
        "INSERT INTO furniture_shingles (site_id, shingle, articles) "
        "SELECT s.id, c.shingle, c.articles FROM site_shingles c "
        "JOIN furniture_sites s ON s.site = c.site AND s.scheme = c.scheme "
        f"WHERE {_KEEP}"
    )
    op.drop_table("site_shingles")
    op.drop_table("site_pages")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO site_pages (site, scheme, articles) "
        "SELECT site, scheme, pages FROM furniture_sites"
    )
    op.execute(
        "INSERT INTO site_shingles (site, scheme, shingle, articles) "
        "SELECT s.site, s.scheme, c.shingle, c.articles FROM furniture_shingles c "
        "JOIN furniture_sites s ON s.id = c.site_id"
    )
    op.drop_table("furniture_shingles")
    op.drop_table("furniture_sites")
