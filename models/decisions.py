"""Decisions taken by a consortium under its own rule, and the ballots cast on them.

A secret ballot keeps who voted (``decision_ballots``) apart from what was chosen
(``decision_tallies``, counts only): nothing stored links a voter to an option.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

DECISION_RULES = ("majority", "qualified", "consensus", "unanimity")
DECISION_STATUSES = ("open", "closed", "cancelled")
DECISION_OUTCOMES = ("adopted", "rejected", "no_quorum")


class DecisionRule(Base):
    """How a consortium decides (one row per consortium; none: simple majority, quorum half)."""

    __tablename__ = "decision_rules"

    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="majority")
    numerator: Mapped[int] = mapped_column(default=1)      # qualified majority: 2/3
    denominator: Mapped[int] = mapped_column(default=2)
    quorum_percent: Mapped[int] = mapped_column(default=50)
    casting_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    per_person: Mapped[bool] = mapped_column(default=False)   # one vote per person, not per organisation
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("consortium_id", "number"),
        Index("ix_decisions_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    options: Mapped[list] = mapped_column(default=list)
    secret: Mapped[bool] = mapped_column(default=False)
    # its outcome is also posted in the consortium's foundations dialogue channel
    shared_with_foundations: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[dict] = mapped_column(default=dict)       # the rule as it was when proposed
    deadline: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(16))
    result: Mapped[dict | None] = mapped_column()           # counts, voters, quorum at the close
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    card_post_id: Mapped[str | None] = mapped_column(String(26))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class DecisionBallot(Base):
    """Who has voted, per voting unit (an organisation ``o:<id>`` or a person ``p:<id>``).

    ``choice`` is kept for open ballots only; a secret ballot's row has none."""

    __tablename__ = "decision_ballots"
    __table_args__ = (UniqueConstraint("decision_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    choice: Mapped[int | None] = mapped_column()


class DecisionTally(Base):
    """A secret ballot's counts per option: no voter, no time."""

    __tablename__ = "decision_tallies"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True)
    choice: Mapped[int] = mapped_column(primary_key=True)
    votes: Mapped[int] = mapped_column(default=0)
