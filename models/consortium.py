"""Consortiums, their members, their maturity stage and their provisioning."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_stamp, new_token, utcnow
from models.network import Organisation, Person

STAGES = ("emergence", "structuration", "formalise", "finance", "clos")
PROVISIONING_STEPS = ("channel", "members", "calendar", "caldav", "checklist", "welcome")


class Consortium(Base):
    __tablename__ = "consortia"
    __table_args__ = (
        Index("ix_consortia_stage", "stage"),
        # The dashboard's: a page by last activity, the stage counts and a stage's page, the themes
        # (each read from the index alone; "live" = in a network, not archived).
        Index("ix_consortia_live_activity", "network_id", "archived_at", "last_activity_at"),
        Index("ix_consortia_live_stage", "network_id", "archived_at", "stage", "last_activity_at"),
        Index("ix_consortia_live_theme", "network_id", "archived_at", "theme"),
        # One consortium per look-alike name in a network (plugin.kernel.names.skeleton).
        UniqueConstraint("network_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    theme: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(16), default="emergence")
    is_public: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    channel_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(64))
    dialogue_channel_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    caldav_calendar_url: Mapped[str | None] = mapped_column(String(500))
    # The facilitators' link to the feed (API, dashboard); renewed whenever a member leaves.
    feed_token: Mapped[str] = mapped_column(String(64), default=new_token)
    # A new random value whenever anything its calendar feed shows changes (its sessions, their
    # answers, its members and their names, its own name): set by database triggers (migration
    # 0020), so that no write path can forget it. A feed's ETag is made from it.
    feed_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")
    profile_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    welcome_post_id: Mapped[str | None] = mapped_column(String(26))
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column()

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="consortium", cascade="all, delete-orphan"
    )
    steps: Mapped[list["ProvisioningStep"]] = relationship(
        back_populates="consortium", cascade="all, delete-orphan"
    )


class StageChange(Base):
    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)   # the dashboard's chart: recent changes


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("consortium_id", "person_id"),
        Index("ix_memberships_person", "person_id", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column()
    # The member's own link to the consortium's feed: dead once they leave (renewed then).
    feed_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)

    consortium: Mapped[Consortium] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    organisation: Mapped[Organisation | None] = relationship()


class ProvisioningStep(Base):
    """The recorded outcome of one provisioning step, so a second run resumes."""

    __tablename__ = "provisioning_steps"
    __table_args__ = (UniqueConstraint("consortium_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed|skipped
    attempts: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consortium: Mapped[Consortium] = relationship(back_populates="steps")


class Counter(Base):
    """Per-consortium sequences: item numbers are unique and never reused."""

    __tablename__ = "counters"

    consortium_id: Mapped[int] = mapped_column(
        ForeignKey("consortia.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
