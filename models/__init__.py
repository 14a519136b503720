"""SQLAlchemy models of the whole domain; import this package to register every table."""
from models.ami import CallForInterest, CallResponse
from models.base import Base, new_token, utcnow
from models.checklist import ChecklistItem, ChecklistNote, ChecklistTemplate, TemplateItem
from models.consortium import (
    PROVISIONING_STEPS, STAGES, Consortium, Counter, Membership, ProvisioningStep, StageChange,
)
from models.dialogues import DIALOGUE_STAGES, DialogueEvent, FoundationDialogue
from models.infra import AuditEvent, OutboxMessage, RegisteredCommand, UsedNonce
from models.meetings import RSVP_ANSWERS, CalendarFeed, Rsvp, WorkingSession
from models.network import ORGANISATION_KINDS, SIAE_TYPES, Network, Organisation, Person
from models.registers import (
    BUILTIN_ROLES, COMMITMENT_STATUSES, COMMITMENT_TYPES, Commitment, CustomRole, RoleAssignment,
)

__all__ = [name for name in dir() if not name.startswith("_")]
