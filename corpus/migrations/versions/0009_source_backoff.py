"""source backoff: consecutive failures, last error and next poll time in fetch_state

Revision ID: 0009_source_backoff
Revises: 0008_run_flow_run_name
Create Date: 2026-11-24 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_source_backoff"
down_revision = "0008_run_flow_run_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fetch_state") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fetch_state") as batch:
        batch.drop_column("next_poll_at")
        batch.drop_column("last_error")
        batch.drop_column("failures")
