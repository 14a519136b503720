"""What the AMI's use cases return: the rows they read or changed, never text."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from models import CallForInterest, CallResponse, Consortium, Person

from plugin.features.ami.forming import FormOutcome
from plugin.features.ami.matrix import Matrix


@dataclass(frozen=True)
class Opened:
    call: CallForInterest
    until: date                      # the deadline's day, in the network's zone


@dataclass(frozen=True)
class Closed:
    call: CallForInterest
    answers: int


@dataclass(frozen=True)
class AnswerForm:
    """The chat form to open, filled with the person's previous answer if any."""

    call: CallForInterest
    person: Person
    previous: CallResponse | None


@dataclass(frozen=True)
class Answered:
    """A chat form's answer: recorded, or the contact must confirm (its private line is delivered)."""

    call: CallForInterest
    answer: CallResponse
    created: bool


@dataclass(frozen=True)
class EditLinkSent:
    """Another contact's answer: a link to change it went to that contact (masked address)."""

    call: CallForInterest
    existing: CallResponse
    masked: str


@dataclass(frozen=True)
class EditLinkUnavailable:
    """Another contact's answer, and no e-mail to reach that contact: nothing changed."""

    call: CallForInterest
    existing: CallResponse


@dataclass(frozen=True)
class Results:
    call: CallForInterest
    view: Matrix
    slugs: dict[int, str] = field(default_factory=dict)     # formed consortium id -> slug (pages)


@dataclass(frozen=True)
class ResultsFile:
    call: CallForInterest
    view: Matrix


@dataclass(frozen=True)
class Formed:
    call: CallForInterest
    formed: FormOutcome
    joined: bool = False                  # the structures joined a consortium that already existed


@dataclass(frozen=True)
class FormChoice:
    """Consortiums already work on the theme: join one of them, or form a new one?"""

    call: CallForInterest
    theme: str
    consortia: list[Consortium]
    structures: int                       # how many answers chose the theme


@dataclass(frozen=True)
class Calls:
    """The admin page: the open call with its answers, and the latest calls."""

    call: CallForInterest | None
    answers: list[CallResponse]
    calls: list[CallForInterest]


@dataclass(frozen=True)
class PublicForm:
    """The public form as the person sees it: blank, filled (an edit link, or what they sent with its
    errors), or closed. ``status`` is the page's HTTP status."""

    call: CallForInterest
    accepting: bool
    edit: str = ""
    edited: CallResponse | None = None
    values: dict = field(default_factory=dict)
    ranks: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class PublicThanks:
    call: CallForInterest
    answer: CallResponse
    created: bool
    themes: list[str]
    masked: str


@dataclass(frozen=True)
class PublicEditLinkSent:
    existing: CallResponse
    masked: str


@dataclass(frozen=True)
class FormNotFound:
    """No call has this form token."""


@dataclass(frozen=True)
class EditLinkRefused:
    """An edit link forged, expired or outdated."""
