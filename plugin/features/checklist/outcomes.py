"""What the checklist's use cases return: plain data and the rows they read or changed, never
text (``render.py`` turns them into answers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from models import AuditEvent, ChecklistItem, ChecklistNote, ChecklistTemplate


@dataclass(frozen=True, slots=True)
class Line:
    """One item as lists show it, with its assignee's name and number of notes joined in."""

    id: int
    number: int
    section: str
    section_en: str | None
    text: str
    text_en: str | None
    assignee_id: int | None
    assignee: str | None
    due_date: date | None
    done: bool
    done_at: datetime | None
    notes: int = 0


@dataclass(frozen=True)
class SectionCount:
    section: str
    section_en: str | None
    done: int
    total: int


@dataclass
class Listing:
    """The shown items (filters applied) and the progress over every live item."""

    lines: list[Line]
    sections: list[SectionCount]    # per section, in the checklist's order, over ALL live items
    done: int
    total: int
    open: bool = False
    mine: bool = False
    section: str | None = None
    page: int = 1


@dataclass
class Ticked:
    done: bool                     # ticked (True) or reopened (False)
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Added:
    number: int
    text: str
    due: date | None
    overdue: bool                  # the due date is already past (accepted, with a warning)


@dataclass(frozen=True)
class Assigned:
    number: int
    user: str
    already: bool


@dataclass(frozen=True)
class DueSet:
    number: int
    due: date
    overdue: bool


@dataclass(frozen=True)
class Noted:
    number: int
    text: str


@dataclass(frozen=True)
class Removed:
    number: int


@dataclass
class History:
    item: ChecklistItem
    events: list[AuditEvent]
    notes: list[tuple[ChecklistNote, str | None]]
    people: dict[int, str]


@dataclass(frozen=True)
class TemplateRow:
    template: ChecklistTemplate
    items: int
    present: int


@dataclass
class Templates:
    rows: list[TemplateRow]


@dataclass(frozen=True)
class TemplateAdded:
    name: str
    added: int                     # 0: every item was already there


@dataclass(frozen=True)
class ExportQueued:
    items: int


@dataclass(frozen=True)
class Reminders:
    enabled: bool


@dataclass(frozen=True)
class TemplateImported:
    name: str
    items: int


@dataclass
class TemplateCatalog:
    rows: list[tuple[str, str, int]]   # name, title, number of items
