"""index for the network dashboard's sort by last activity

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consortia") as batch:
        batch.create_index("ix_consortia_network_activity", ["network_id", "last_activity_at"])


def downgrade() -> None:
    with op.batch_alter_table("consortia") as batch:
        batch.drop_index("ix_consortia_network_activity")
