"""What the dialogues' use cases return: plain data and the rows they read or changed, never text
(``render.py`` turns them into answers)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models import Consortium, DialogueEvent, FoundationDialogue, Organisation, Person


@dataclass
class DialogueRow:
    dialogue: FoundationDialogue
    foundation: Organisation
    consortium: Consortium


@dataclass
class NetworkPage:
    rows: list[DialogueRow]
    total: int
    per_stage: dict[str, int] = field(default_factory=dict)


@dataclass
class FoundationRow:
    foundation: Organisation
    representatives: list[Person] = field(default_factory=list)
    open_dialogues: int = 0


@dataclass(frozen=True)
class Opened:
    number: int
    foundation: str               # its name
    short_name: str
    subject: str
    channel: str                  # the dialogue channel's name
    representatives: list[str]    # usernames


@dataclass(frozen=True)
class StageSet:
    number: int
    stage: str


@dataclass(frozen=True)
class NextStepRecorded:
    number: int
    date: date


@dataclass
class Summary:
    consortium: Consortium
    dialogue: FoundationDialogue
    foundation: Organisation
    events: list[tuple[DialogueEvent, str | None]]
    replies: tuple[int, datetime | None] | None   # None: Mattermost could not say


@dataclass
class ConsortiumDialogues:
    consortium: Consortium
    rows: list[DialogueRow]


@dataclass
class FoundationDialogues:
    foundation: Organisation
    rows: list[DialogueRow]


@dataclass(frozen=True)
class AdminHint:
    """An admin outside a consortium's channels: where to look."""


@dataclass
class NetworkDialogues:
    page: NetworkPage


@dataclass
class DialoguePage:
    """GET /api/v1/dialogues."""

    page: NetworkPage
    limit: int
    offset: int


@dataclass
class Foundations:
    rows: list[FoundationRow]


@dataclass
class FoundationAdded:
    foundation: Organisation


@dataclass(frozen=True)
class RepresentativesChanged:
    short_name: str
    changed: list[str]            # usernames
    skipped: list[str]            # already (or not) representatives
    removed: bool


@dataclass
class FoundationSaved:
    """The API's upsert: the foundation as it is now, and whether it was created."""

    row: FoundationRow
    created: bool


@dataclass
class FoundationFound:
    row: FoundationRow | None


@dataclass
class Imported:
    created: int = 0
    updated: int = 0
    representatives: int = 0
    errors: list[tuple[str, Any]] = field(default_factory=list)   # (which row, lazy message)
