"""What the sessions' use cases return: the rows they read or changed, never text."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models import Consortium, Person, WorkingSession


@dataclass
class SessionView:
    working_session: WorkingSession
    counts: dict[str, int]
    by_answer: dict[str, list[Person]]


@dataclass
class PlanForm:
    """``/session plan`` without arguments: the planning form, for the consortium."""

    consortium: Consortium
    channel_id: str = ""


@dataclass
class Changed:
    """A planned, moved or cancelled session, and who the e-mails went to (``smtp``: e-mail is on)."""

    working_session: WorkingSession
    smtp: bool
    invited: list[Person] = field(default_factory=list)
    without_email: list[Person] = field(default_factory=list)


class Planned(Changed):
    pass


class Moved(Changed):
    pass


class Cancelled(Changed):
    pass


@dataclass
class AlreadyPlanned:
    """The session just planned has this title and start: asked again before a second one is made."""

    twin: WorkingSession
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    video: str = ""
    agenda: str = ""


@dataclass
class MinutesRecorded:
    working_session: WorkingSession


@dataclass
class Answered:
    """A member's answer from the card: the card as it is now, and the answer."""

    view: SessionView
    consortium: Consortium
    answer: str


@dataclass
class Listing:
    consortium: Consortium
    views: list[SessionView]
    total: int
    feed_token: str


@dataclass
class FeedLink:
    consortium: Consortium
    feed_token: str


@dataclass
class PersonalLink:
    token: str
    renewed: bool
