"""ami: remember which consortium each theme of a call was formed into

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls_for_interest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("formed", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls_for_interest", schema=None) as batch_op:
        batch_op.drop_column("formed")
