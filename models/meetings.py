"""Working sessions (calendar events) and the members' answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

RSVP_ANSWERS = ("accepted", "declined", "tentative", "needs-action")


class WorkingSession(Base):
    __tablename__ = "working_sessions"
    __table_args__ = (
        UniqueConstraint("consortium_id", "number"),
        Index("ix_working_sessions_upcoming", "consortium_id", "status", "starts_at"),
        Index("ix_working_sessions_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    uid: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    location: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")  # confirmed|cancelled
    caldav_etag: Mapped[str | None] = mapped_column(String(200))
    card_post_id: Mapped[str | None] = mapped_column(String(26), index=True)
    reminder_sent_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rsvps: Mapped[list["Rsvp"]] = relationship(back_populates="session", cascade="all, delete-orphan")


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("working_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(16), default="needs-action")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[WorkingSession] = relationship(back_populates="rsvps")


class CalendarFeed(Base):
    """A calendar feed as built when its sessions last changed: its bytes (and their gzip coding), and
    the key of what it was built from (the consortiums' feed stamps and the configuration; its ETag is
    the key's). A feed whose key no longer matches is stale: it is built again, never served."""

    __tablename__ = "calendar_feeds"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)   # "c:<consortium id>", "p:<person id>"
    fingerprint: Mapped[str] = mapped_column(String(80))   # the key it was built for (feeds.feed_key)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_gzip: Mapped[bytes] = mapped_column(LargeBinary)   # what calendar clients ask for (Accept-Encoding)
    built_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
