"""What the AMI's use cases record (plain data, rendered when delivered)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class EditLinkRequested(DomainEvent):
    """Someone asked to change a structure's answer: its contact address gets a link (``ami.edit_link``)."""

    name: ClassVar[str] = "ami.edit_link_requested"
    response_id: int
    email_key: str
    locale: str
    bucket: int                    # at most one e-mail per answer and address in a window


@dataclass(frozen=True)
class ChatAnswerNoted(DomainEvent):
    """A chat form was sent: the person is told privately, in the channel they typed the command in."""

    name: ClassVar[str] = "ami.chat_answer_noted"
    channel_id: str
    user_id: str
    locale: str
    outcome: str                   # recorded | updated | edit_link_sent | edit_link_unavailable
    structure: str
    title: str
    masked: str = ""



@dataclass(frozen=True)
class CallOpened(DomainEvent):
    """A call was opened: it is announced in the team's channel for calls (``ami.announce``)."""

    name: ClassVar[str] = "ami.call_opened"
    call_id: int
