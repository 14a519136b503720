"""What the registers' use cases return: data, rendered by ``render.py`` in the reader's language."""
from __future__ import annotations

from dataclasses import dataclass, field

from models import Commitment, Organisation

from plugin.features.registers.commitments import Listing
from plugin.features.registers.roles import AssignmentView, HistoryEvent, Holder, RoleInfo


# --- roles -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Roles:
    consortium: str                      # its name
    roles: list[RoleInfo]
    assignments: list[AssignmentView]    # current ones


@dataclass(frozen=True)
class RoleGiven:
    role: RoleInfo
    holder: Holder
    actor: str
    replaced: list[Holder] = field(default_factory=list)


@dataclass(frozen=True)
class RoleTaken:
    role: RoleInfo
    holders: list[Holder]
    actor: str
    lead: bool


@dataclass(frozen=True)
class RolesHistory:
    consortium: str
    events: list[HistoryEvent]


@dataclass(frozen=True)
class ExportQueued:
    register: str                        # "roles" | "commitments"
    rows: int


@dataclass(frozen=True)
class Organisations:
    rows: list[Organisation]


@dataclass(frozen=True)
class OrganisationAdded:
    organisation: Organisation


# --- commitments -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CommitmentForm:
    """`/engagement ajouter` without arguments: the form to open, with who may be named in it."""

    consortium_id: int
    consortium: str
    actor: str
    organisations: list[tuple[str, str]]   # (short name, name) of the consortium's organisations
    members: list[str]                     # usernames, for the lead partner and admins


@dataclass(frozen=True)
class CommitmentAdded:
    commitment: Commitment
    holder: Holder
    actor: str


@dataclass(frozen=True)
class StatusChanged:
    number: int
    holder: Holder
    description: str
    before: str
    after: str
    actor: str


@dataclass(frozen=True)
class CommitmentDropped:
    number: int
    holder: Holder
    description: str
    actor: str


@dataclass(frozen=True)
class Commitments:
    consortium: str
    organisation: str | None             # the filter, as typed
    listing: Listing


@dataclass(frozen=True)
class CommitmentHistory:
    commitment: Commitment
    entries: list                        # AuditEvent rows, oldest first


# --- the JSON API ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RolesRegister:
    slug: str
    roles: list[RoleInfo]
    assignments: list[AssignmentView]


@dataclass(frozen=True)
class CommitmentsRegister:
    slug: str
    listing: Listing


@dataclass(frozen=True)
class UnknownConsortium:
    """The API's ``{"error": "not_found"}`` for an unknown slug."""
