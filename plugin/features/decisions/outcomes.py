"""What the decisions' use cases return: plain data and rows, never text (``render.py``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models import Decision


@dataclass
class Ballot:
    unit: str                     # the voting unit's label (organisation or @person)
    voter: str | None             # the username of whoever cast it
    choice: int | None            # None on a secret ballot


@dataclass
class Card:
    """A decision as its card shows it."""

    decision: Decision
    ballots: list[Ballot]
    missing: list[str]            # labels of the voting units that have not voted
    counts: list[int] | None      # None while a secret ballot is open


@dataclass(frozen=True)
class RuleShown:
    rule: dict
    changed: bool = False
    checklist_item: int | None = None     # the checklist question the rule answered


@dataclass(frozen=True)
class Proposed:
    number: int
    title: str
    deadline: datetime
    secret: bool
    shared: bool = False


@dataclass
class Voted:
    card: Card
    choice: int
    unit: str
    replaced: str | None = None   # username whose vote for the same organisation this one replaces
    unchanged: bool = False


@dataclass(frozen=True)
class Closed:
    number: int
    title: str
    outcome: str
    result: dict


@dataclass(frozen=True)
class Cancelled:
    number: int
    title: str


@dataclass
class Listing:
    cards: list[Card] = field(default_factory=list)


@dataclass
class History:
    decisions: list[Decision] = field(default_factory=list)


@dataclass(frozen=True)
class ExportQueued:
    rows: int
