"""The roles register and the commitments register."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

BUILTIN_ROLES = (
    "chef-de-file", "coordination", "tresorerie", "referent-fondations",
    "communication", "animation", "membre", "observateur",
)
COMMITMENT_TYPES = ("temps", "financier", "nature", "competences")
COMMITMENT_STATUSES = ("propose", "accepte", "en-cours", "tenu", "abandonne")


class CustomRole(Base):
    __tablename__ = "custom_roles"
    __table_args__ = (UniqueConstraint("consortium_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(48))
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_role_assignments_current", "consortium_id", "ended_at", "role_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    role_key: Mapped[str] = mapped_column(String(48))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (
        UniqueConstraint("consortium_id", "number"),
        Index("ix_commitments_live", "consortium_id", "deleted_at"),
        Index("ix_commitments_due", "due_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="temps")
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    unit: Mapped[str | None] = mapped_column(String(16))
    due_date: Mapped[date | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="propose")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
