"""MinHash signatures for near-duplicate detection

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_version_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("num_perm", sa.Integer(), nullable=False),
        sa.Column("hashvalues", sa.LargeBinary(), nullable=False),
        sa.Column("shingles", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["article_version_id"], ["article_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "article_version_id", "scheme", "seed", "num_perm", name="uq_signature_version"
        ),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index("ix_signatures_kind", ["scheme", "seed", "num_perm", "id"])


def downgrade() -> None:
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_signatures_kind")
    op.drop_table("signatures")
