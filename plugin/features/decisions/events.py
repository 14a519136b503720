"""What happens to decisions, as plain data (rendered when delivered, in the reader's language).

No event of a secret ballot names what anyone chose."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class DecisionProposed(DomainEvent):
    """The card is to be posted in the consortium's channel."""

    name: ClassVar[str] = "decision.proposed"
    consortium_id: int
    decision_id: int
    number: int


@dataclass(frozen=True)
class VoteReplaced(DomainEvent):
    """Another representative of the same organisation changed its vote: the first one is told."""

    name: ClassVar[str] = "decision.vote_replaced"
    consortium_id: int
    decision_id: int
    number: int
    title: str
    organisation: str
    by: str                       # username of the representative whose vote now counts
    person_id: int                # the representative whose vote was replaced


@dataclass(frozen=True)
class DecisionClosed(DomainEvent):
    """The rule was applied: the outcome is posted and the card closed."""

    name: ClassVar[str] = "decision.closed"
    consortium_id: int
    decision_id: int
    number: int
    by: str | None                # who closed it; None: the deadline


@dataclass(frozen=True)
class DecisionCancelled(DomainEvent):
    name: ClassVar[str] = "decision.cancelled"
    consortium_id: int
    decision_id: int
    number: int
    by: str


@dataclass(frozen=True)
class DecisionsExported(DomainEvent):
    """Someone asked for the decisions as CSV: the file is made when delivered, in the asker's language."""

    name: ClassVar[str] = "decision.exported"
    consortium_id: int
    actor: str
    locale: str
    at: str                       # ISO moment of the request
