"""run flow-run name: the Prefect flow run's name, so `runs` names it without a server

Revision ID: 0008_run_flow_run_name
Revises: 0007_export_cursors
Create Date: 2026-11-24 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_run_flow_run_name"
down_revision = "0007_export_cursors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("prefect_flow_run_name", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("prefect_flow_run_name")
