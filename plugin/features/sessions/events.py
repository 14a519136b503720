"""What happens to a session, as plain data: the card, the CalDAV event, the invitations and the
planner's confirmation follow from these (rendered when delivered, in their reader's language)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from plugin.kernel.events import DomainEvent


@dataclass(frozen=True)
class SessionEvent(DomainEvent):
    """A change to a session. ``caldav``: the shared calendar follows; ``invited``: the people e-mailed
    an iTIP ``method`` (REQUEST or CANCEL) at ``sequence``."""

    consortium_id: int
    session_id: int
    uid: str
    sequence: int
    caldav: bool = False
    invited: tuple[int, ...] = ()
    method: str = "REQUEST"


@dataclass(frozen=True)
class SessionPlanned(SessionEvent):
    name: ClassVar[str] = "session.planned"
    # Planned from the form: the planner's confirmation goes to them in this channel.
    confirm_to: str = ""
    confirm_channel: str = ""
    smtp: bool = False
    without_email: tuple[str, ...] = field(default_factory=tuple)   # usernames


@dataclass(frozen=True)
class SessionMoved(SessionEvent):
    name: ClassVar[str] = "session.moved"


@dataclass(frozen=True)
class SessionCancelled(SessionEvent):
    name: ClassVar[str] = "session.cancelled"


@dataclass(frozen=True)
class MinutesRecorded(SessionEvent):
    name: ClassVar[str] = "session.minutes_recorded"


@dataclass(frozen=True)
class SessionAnswered(SessionEvent):
    name: ClassVar[str] = "session.answered"


ALL = (SessionPlanned, SessionMoved, SessionCancelled, MinutesRecorded, SessionAnswered)
