"""outbox: the worker holding a lease, the first claim, step results and the prerequisite waited for

Revision ID: 0011
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("started_at", models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("blocked_on", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("blocked_on")
        batch.drop_column("progress")
        batch.drop_column("started_at")
        batch.drop_column("locked_by")
