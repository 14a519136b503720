"""What happens to the registers, as plain data: rendered when delivered, in the reader's language."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class CommitmentRecorded(DomainEvent):
    """A commitment recorded through the form: the channel hears of it (a command answers in the channel)."""

    name: ClassVar[str] = "registers.commitment_recorded"
    consortium_id: int
    actor: str
    number: int
    description: str
    kind: str
    person: str | None = None
    organisation: str | None = None
    amount: str | None = None             # a decimal, as text
    unit: str | None = None
    due: str | None = None                # ISO date


@dataclass(frozen=True)
class RegisterExported(DomainEvent):
    """Someone asked for a register as CSV: the file is made when delivered, in the asker's language."""

    name: ClassVar[str] = "registers.exported"
    consortium_id: int
    register: str                         # "roles" | "commitments"
    actor: str
    locale: str
    at: str                               # ISO moment of the request
    semicolon: bool = False
