"""export cursors: the finished runs each named incremental export has already written

Revision ID: 0007_export_cursors
Revises: 0006_run_heartbeat
Create Date: 2026-11-24 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_export_cursors"
down_revision = "0006_run_heartbeat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_cursors",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "run_id"),
    )


def downgrade() -> None:
    op.drop_table("export_cursors")
