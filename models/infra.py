"""Infrastructure tables: the outbox, the audit trail, single-use tokens, registered commands."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

OUTBOX_STATUSES = ("pending", "delivered", "dead")


class OutboxMessage(Base):
    """A call to Mattermost, CalDAV or SMTP, committed with the data change it follows."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict] = mapped_column(default=dict)
    # Same key, same message: a retried command never queues a second copy.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    consortium_id: Mapped[int | None] = mapped_column(ForeignKey("consortia.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # When due; while a worker holds the message, the end of its lease (renewed as it works).
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    # The worker holding the lease: only it renews the lease and records the outcome.
    locked_by: Mapped[str | None] = mapped_column(String(64))
    # First claim: an earlier attempt may have created things since then (posts are looked up).
    started_at: Mapped[datetime | None] = mapped_column()
    # What each step created, recorded as soon as known (e.g. {"post": "<post id>"}).
    progress: Mapped[dict] = mapped_column(default=dict)
    # A prerequisite this message waits for (the channel, the calendar, a thread's root).
    blocked_on: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_consortium_at", "consortium_id", "at"),
        Index("ix_audit_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    consortium_id: Mapped[int | None] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()


class UsedNonce(Base):
    """Single-use links and contexts: a nonce seen once is refused ever after."""

    __tablename__ = "used_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RegisteredCommand(Base):
    """Slash commands registered by `consortia mattermost install`, with their tokens."""

    __tablename__ = "registered_commands"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(64), unique=True)
    command_id: Mapped[str] = mapped_column(String(26))
    team_id: Mapped[str] = mapped_column(String(26))
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
