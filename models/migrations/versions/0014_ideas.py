"""ideas: the network's ideas before a call for interest, and their supports

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("retained_at", models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["merged_into_id"], ["ideas.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("network_id", "number"),
    )
    op.create_table(
        "idea_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id", "person_id"),
    )
    op.create_index("ix_idea_supports_idea_id", "idea_supports", ["idea_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_idea_supports_idea_id", table_name="idea_supports")
    op.drop_table("idea_supports")
    op.drop_table("ideas")
