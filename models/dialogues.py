"""Foundation dialogue threads."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

DIALOGUE_STAGES = (
    "premier-contact", "exploration", "candidature", "instruction", "accorde", "decline", "clos",
)


class FoundationDialogue(Base):
    __tablename__ = "foundation_dialogues"
    __table_args__ = (
        UniqueConstraint("consortium_id", "number"),
        Index("ix_foundation_dialogues_foundation", "foundation_id", "closed_at"),
        Index("ix_foundation_dialogues_next", "next_step_date"),
        # `/dialogue liste --tout` and GET /api/v1/dialogues: most recently active first, by pages,
        # and the count per stage read from the index alone.
        Index("ix_foundation_dialogues_activity", "last_activity_at", "id"),
        Index("ix_foundation_dialogues_stage", "consortium_id", "stage"),
        # The network's count per stage: one short range of this index per stage (no scan of
        # the other stages, no sort); `closed_at` makes "open only" a range too.
        Index("ix_foundation_dialogues_stage_open", "stage", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    foundation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    subject_key: Mapped[str] = mapped_column(String(300))
    stage: Mapped[str] = mapped_column(String(24), default="premier-contact")
    next_step_date: Mapped[date | None] = mapped_column()
    next_step_action: Mapped[str] = mapped_column(String(500), default="")
    root_post_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminder_sent_for: Mapped[date | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()


class DialogueEvent(Base):
    __tablename__ = "dialogue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("foundation_dialogues.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # opened|stage|next-step|closed|note
    from_stage: Mapped[str | None] = mapped_column(String(24))
    to_stage: Mapped[str | None] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
