"""The network (a Mattermost team), its organisations and the people in it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, new_stamp, utcnow

ORGANISATION_KINDS = ("siae", "foundation", "fund", "network", "other")
SIAE_TYPES = ("ACI", "EI", "ETTI", "AI", "EITI")


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_name: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(26))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A new random value whenever anything the admin dashboard shows changes: set by database
    # triggers (migration 0022), so that no write path can forget it. The dashboard is kept per stamp
    # (``plugin/features/pages/board.py``); 0 (a row written outside the ORM): kept for no one.
    board_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("network_id", "short_name"),
        Index("ix_organisations_network_kind", "network_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(64))
    # Lowercase, accents stripped: what near-miss matching compares.
    search_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="siae")
    siae_type: Mapped[str | None] = mapped_column(String(8))
    departement: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    representatives: Mapped[list["Person"]] = relationship(back_populates="organisation")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("network_id", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))
    mattermost_user_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(5))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    is_guest: Mapped[bool] = mapped_column(default=False)
    is_system_admin: Mapped[bool] = mapped_column(default=False)
    personal_feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Web sign-ins carry this number; signing out increments it, so an old cookie is refused.
    web_session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column()
    # When name, e-mail, locale and roles were last read from Mattermost: in the database so that
    # every process shares one refresh per person and time-to-live.
    directory_synced_at: Mapped[datetime | None] = mapped_column()

    organisation: Mapped[Organisation | None] = relationship(back_populates="representatives")
