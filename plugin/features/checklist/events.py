"""What happens to a checklist, as plain data: the group's news and the export are made of these
(rendered when delivered, in the reader's language: ``render.py``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class ItemAdded(DomainEvent):
    name: ClassVar[str] = "checklist.item_added"
    consortium_id: int
    actor: str                    # the actor's username
    number: int
    text: str
    text_en: str = ""
    assignee: str | None = None


@dataclass(frozen=True)
class ItemTicked(DomainEvent):
    name: ClassVar[str] = "checklist.item_ticked"
    consortium_id: int
    actor: str
    number: int
    text: str
    text_en: str = ""


@dataclass(frozen=True)
class ItemReopened(DomainEvent):
    name: ClassVar[str] = "checklist.item_reopened"
    consortium_id: int
    actor: str
    number: int
    text: str
    text_en: str = ""


@dataclass(frozen=True)
class ItemAssigned(DomainEvent):
    name: ClassVar[str] = "checklist.item_assigned"
    consortium_id: int
    actor: str
    number: int
    text: str
    text_en: str
    assignee: str


@dataclass(frozen=True)
class TemplateApplied(DomainEvent):
    name: ClassVar[str] = "checklist.template_applied"
    consortium_id: int
    actor: str
    template: str
    added: int


@dataclass(frozen=True)
class ChecklistExported(DomainEvent):
    """Someone asked for the export: the files are made when delivered, in the asker's language."""

    name: ClassVar[str] = "checklist.exported"
    consortium_id: int
    actor: str
    locale: str
    at: str                       # ISO moment of the request


NEWS = (ItemAdded, ItemTicked, ItemReopened, ItemAssigned, TemplateApplied)
