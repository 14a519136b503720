"""What the consortium's use cases return: data and the rows read, never text."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from models import Consortium, Membership, StageChange


@dataclass(frozen=True)
class Provisioned:
    """A consortium recorded (``created``) or completed (members added, failed steps resumed)."""

    consortium: Consortium
    created: bool
    added_members: list[str] = field(default_factory=list)


class MemberRow(NamedTuple):
    """A member as the overview shows them (read as a plain row, not an ORM object)."""

    username: str
    display_name: str


class OrganisationRow(NamedTuple):
    name: str
    short_name: str


class NextSession(NamedTuple):
    title: str
    starts_at: datetime


@dataclass(frozen=True)
class Overview:
    consortium: Consortium
    members: list[tuple[MemberRow, OrganisationRow | None]]
    roles: list[tuple[str, str]]                 # (role key, holder label)
    checklist_done: int
    checklist_total: int
    commitments: dict[str, dict]                 # kind -> {count, amounts: {unit: total}}
    next_session: NextSession | None
    open_dialogues: int
    steps: dict[str, str]
    decision_rule: dict                          # how the consortium decides, read with the figures


@dataclass(frozen=True)
class Info:
    """`/consortium info`: a member's (or an admin's) full view, or a foundation's public profile."""

    overview: Overview
    full: bool
    feed_token: str | None = None
    decision_rule: dict | None = None            # how the consortium decides (members' view)


@dataclass(frozen=True)
class Members:
    consortium: Consortium
    rows: list[Membership]


@dataclass(frozen=True)
class MemberJoined:
    username: str
    actor: str


@dataclass(frozen=True)
class RepresentativeChanged:
    """An active member now represents another organisation."""

    username: str
    organisation: str


@dataclass(frozen=True)
class MemberLeft:
    username: str
    actor: str


@dataclass(frozen=True)
class StageHistory:
    consortium: Consortium
    changes: list[tuple[StageChange, str | None]]


@dataclass(frozen=True)
class StageChanged:
    before: str
    after: str
    actor: str


@dataclass(frozen=True)
class NetworkRow:
    consortium: Consortium
    member_count: int
    checklist_done: int
    checklist_total: int


@dataclass(frozen=True)
class NetworkList:
    rows: list[NetworkRow]
    total: int
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Found:
    """One consortium by its slug (None: there is none)."""

    consortium: Consortium | None


@dataclass(frozen=True)
class LanguageSet:
    language: str


@dataclass(frozen=True)
class Archived:
    consortium: Consortium


@dataclass(frozen=True)
class ArchiveToConfirm:
    """`/consortium archiver` without `--confirmer`: nothing done yet, a button asks."""

    consortium: Consortium


@dataclass(frozen=True)
class Unarchived:
    consortium: Consortium


@dataclass(frozen=True)
class AdminLink:
    token: str
    minutes: int


@dataclass(frozen=True)
class FoundationsAnswer:
    """What the dialogues feature's foundation use case answered (it renders it)."""

    answer: object


@dataclass(frozen=True)
class FoundationsHelp:
    """`/consortium fondation aide`: the group's own help."""
