"""What happens to a dialogue, as plain data: the thread's news, the root card, the dialogue channel's
people and the admins' notices are made of these (rendered when delivered: ``render.py``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class DialogueOpened(DomainEvent):
    """The dialogue channel (made on first use), then the thread's root card."""

    name: ClassVar[str] = "dialogue.opened"
    consortium_id: int
    dialogue_id: int
    number: int
    actor: str                    # the opener's username
    has_representative: bool = True


@dataclass(frozen=True)
class StageChanged(DomainEvent):
    name: ClassVar[str] = "dialogue.stage_changed"
    consortium_id: int
    dialogue_id: int
    number: int
    actor: str
    before: str
    after: str


@dataclass(frozen=True)
class NextStepSet(DomainEvent):
    name: ClassVar[str] = "dialogue.next_step_set"
    consortium_id: int
    dialogue_id: int
    number: int
    actor: str
    date: str                     # ISO date
    action: str


@dataclass(frozen=True)
class PeopleJoin(DomainEvent):
    """New representatives follow their foundation into a consortium's dialogue channel."""

    name: ClassVar[str] = "dialogue.people_join"
    consortium_id: int
    user_ids: list


@dataclass(frozen=True)
class PeopleLeave(DomainEvent):
    name: ClassVar[str] = "dialogue.people_leave"
    consortium_id: int
    user_ids: list


NEWS = (StageChanged, NextStepSet)
