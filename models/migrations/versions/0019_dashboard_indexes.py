"""indexes for the dashboard: its page, stage counts and themes read from an index alone; recent stage changes

Revision ID: 0019
Revises: 0016
"""
from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consortia") as batch:
        # Both are prefixes of the new ones.
        batch.drop_index("ix_consortia_network_archived")
        batch.drop_index("ix_consortia_network_activity")
        batch.create_index("ix_consortia_live_activity", ["network_id", "archived_at", "last_activity_at"])
        batch.create_index("ix_consortia_live_stage", ["network_id", "archived_at", "stage", "last_activity_at"])
        batch.create_index("ix_consortia_live_theme", ["network_id", "archived_at", "theme"])
    with op.batch_alter_table("stage_changes") as batch:
        batch.create_index("ix_stage_changes_at", ["at"])


def downgrade() -> None:
    with op.batch_alter_table("stage_changes") as batch:
        batch.drop_index("ix_stage_changes_at")
    with op.batch_alter_table("consortia") as batch:
        batch.drop_index("ix_consortia_live_theme")
        batch.drop_index("ix_consortia_live_stage")
        batch.drop_index("ix_consortia_live_activity")
        batch.create_index("ix_consortia_network_activity", ["network_id", "last_activity_at"])
        batch.create_index("ix_consortia_network_archived", ["network_id", "archived_at"])
