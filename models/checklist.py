"""Checklists: templates, the items a consortium works through, and the answers reached."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class ChecklistTemplate(Base):
    __tablename__ = "checklist_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list["TemplateItem"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateItem.position"
    )


class TemplateItem(Base):
    __tablename__ = "checklist_template_items"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[str] = mapped_column(String(120))
    section_en: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(String(1000))
    text_en: Mapped[str] = mapped_column(String(1000), default="")

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("consortium_id", "number"),
        Index("ix_checklist_items_live", "consortium_id", "deleted_at", "position"),
        Index("ix_checklist_items_assignee_due", "assignee_id", "due_date"),
        Index("ix_checklist_items_template_key", "consortium_id", "template_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consortium_id: Mapped[int] = mapped_column(ForeignKey("consortia.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    section: Mapped[str] = mapped_column(String(120), default="")
    section_en: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(String(1000))
    text_en: Mapped[str] = mapped_column(String(1000), default="")
    template_key: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    due_date: Mapped[date | None] = mapped_column()
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column()
    # Optimistic concurrency: two people ticking at once never lose an update.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    notes: Mapped[list["ChecklistNote"]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ChecklistNote.created_at"
    )


class ChecklistNote(Base):
    __tablename__ = "checklist_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ChecklistItem] = relationship(back_populates="notes")
