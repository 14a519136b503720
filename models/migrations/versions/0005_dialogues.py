"""dialogues: index the foundation dialogues by last activity and by stage (network-wide listing)

Revision ID: 0005
Revises: 0004
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import models.base  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("foundation_dialogues", schema=None) as batch_op:
        batch_op.create_index("ix_foundation_dialogues_activity", ["last_activity_at", "id"], unique=False)
        batch_op.create_index("ix_foundation_dialogues_stage", ["consortium_id", "stage"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("foundation_dialogues", schema=None) as batch_op:
        batch_op.drop_index("ix_foundation_dialogues_stage")
        batch_op.drop_index("ix_foundation_dialogues_activity")
