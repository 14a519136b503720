"""decisions: a consortium's decision rule, its decisions, their ballots and secret tallies

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa
import models.base  # noqa: F401

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_rules",
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.Column("quorum_percent", sa.Integer(), nullable=False),
        sa.Column("casting_person_id", sa.Integer(), nullable=True),
        sa.Column("per_person", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["casting_person_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortia.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("consortium_id"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consortium_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("deadline", models.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("card_post_id", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["closed_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["consortium_id"], ["consortia.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consortium_id", "number"),
    )
    op.create_index("ix_decisions_status_deadline", "decisions", ["status", "deadline"], unique=False)
    op.create_table(
        "decision_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id", "voter_key"),
    )
    op.create_table(
        "decision_tallies",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("decision_id", "choice"),
    )


def downgrade() -> None:
    op.drop_table("decision_tallies")
    op.drop_table("decision_ballots")
    op.drop_index("ix_decisions_status_deadline", table_name="decisions")
    op.drop_table("decisions")
    op.drop_table("decision_rules")
