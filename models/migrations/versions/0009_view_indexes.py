"""index for the network's count of dialogues per stage (`/dialogue liste --tout`, GET /api/v1/dialogues)

Revision ID: 0009
Revises: 0007
"""
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("foundation_dialogues") as batch:
        batch.create_index("ix_foundation_dialogues_stage_open", ["stage", "closed_at"])


def downgrade() -> None:
    with op.batch_alter_table("foundation_dialogues") as batch:
        batch.drop_index("ix_foundation_dialogues_stage_open")
