"""calendar feeds built when their sessions change (served as stored, never built on a read)

Revision ID: 0015
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=80), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("built_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_calendar_feeds")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
