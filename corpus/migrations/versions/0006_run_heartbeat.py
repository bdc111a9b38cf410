"""run heartbeat: the owning host and pid of a run and the time of its last stored batch

Revision ID: 0006_run_heartbeat
Revises: 0005_site_shingles
Create Date: 2026-11-24 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_run_heartbeat"
down_revision = "0005_site_shingles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("pid")
        batch.drop_column("host")
