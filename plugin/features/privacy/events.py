"""What the privacy use cases record (plain data, rendered when delivered)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class CopyRequested(DomainEvent):
    """A person asked for a copy of their data: made and sent by direct message when delivered."""

    name: ClassVar[str] = "privacy.copy_requested"
    person_id: int
    user_id: str
