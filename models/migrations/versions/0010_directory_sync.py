"""people: when their name, e-mail, locale and roles were last read from Mattermost

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows stay NULL: each person is read from Mattermost again on their next command.
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("directory_synced_at", models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("directory_synced_at")
