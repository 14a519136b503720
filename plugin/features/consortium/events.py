"""What the consortium's use cases record for others to hear of (plain data, rendered when delivered)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class ConsortiumArchived(DomainEvent):
    """Said in the channel (its language), then the channel is archived."""

    name: ClassVar[str] = "consortium.archived"
    consortium_id: int
    actor: str
