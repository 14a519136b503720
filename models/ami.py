"""Calls for expressions of interest (AMI) and the structures' answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, new_stamp, new_token, utcnow


class CallForInterest(Base):
    __tablename__ = "calls_for_interest"
    __table_args__ = (Index("ix_calls_network_status", "network_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list] = mapped_column(default=list)
    deadline: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|closed
    form_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    min_group_size: Mapped[int] = mapped_column(default=3)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    # theme -> id of the consortium formed from it (issue 7: "form this consortium" once per theme)
    formed: Mapped[dict | None] = mapped_column(default=dict)
    # A new random value whenever its answers change what the results show (one added, removed, or one of
    # the columns the matrix shows changed): set by database triggers (migration 0023), so that no write
    # path can forget it. The matrix's memo is keyed by it (with the call's own themes, group size, formed).
    answers_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")


class CallResponse(Base):
    __tablename__ = "call_responses"
    # One answer per structure (look-alike names included): it belongs to whoever proves its contact e-mail.
    __table_args__ = (UniqueConstraint("call_id", "structure_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls_for_interest.id", ondelete="CASCADE"), index=True)
    structure_name: Mapped[str] = mapped_column(String(200))
    structure_key: Mapped[str] = mapped_column(String(200))
    siae_type: Mapped[str | None] = mapped_column(String(8))
    departement: Mapped[str | None] = mapped_column(String(3))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    themes: Mapped[list] = mapped_column(default=list)  # ranked: first is the top priority
    can_bring: Mapped[str] = mapped_column(Text, default="")
    needs: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8), default="chat")  # chat|web
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
