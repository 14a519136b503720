"""What every domain service shares: the actor, explicit failures, the outbox, the audit trail.

Services know nothing of Flask or Mattermost payloads. Each user action is one
function taking a SQLAlchemy session (the caller owns the transaction), the acting
person and validated input; it returns a result or raises a ``ServiceError`` whose
message is already translated into the actor's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import AuditEvent, Counter, OutboxMessage, Person, utcnow


@dataclass
class Actor:
    """Who is acting, and what the network lets them do."""

    person: Person
    is_admin: bool = False
    locale: str = "fr"

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def username(self) -> str:
        return self.person.username


class ServiceError(Exception):
    """An explicit, user-facing failure. ``message`` is translated; ``usage`` optional."""

    code = "error"

    def __init__(self, message: str, *, usage: str | None = None, fields: dict | None = None,
                 data: Any = None):
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.fields = fields or {}
        self.data = data


class Invalid(ServiceError):
    code = "invalid"


class NotFound(ServiceError):
    code = "not_found"


class Forbidden(ServiceError):
    code = "forbidden"


class Conflict(ServiceError):
    code = "conflict"


class Unavailable(ServiceError):
    code = "unavailable"


@dataclass
class Result:
    """A successful outcome: a message for the actor, optionally news for the group."""

    message: str
    news: str | None = None
    data: dict = field(default_factory=dict)
    attachments: list | None = None


def queue(session: Session, kind: str, payload: dict, *, consortium_id: int | None = None,
          dedupe_key: str | None = None, delay: timedelta | None = None) -> None:
    """Queue a side effect in the caller's transaction; the worker delivers it after commit."""
    available = utcnow() + delay if delay else utcnow()
    message = OutboxMessage(kind=kind, payload=payload, consortium_id=consortium_id,
                            dedupe_key=dedupe_key, available_at=available)
    session.info["outbox_dirty"] = True
    if dedupe_key is None:
        session.add(message)
        return
    exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
    if exists is None:
        session.add(message)


def audit(session: Session, actor: Actor | None, action: str, *, consortium_id: int | None = None,
          target_type: str = "", target_id: int | None = None, before: dict | None = None,
          after: dict | None = None) -> None:
    session.add(AuditEvent(
        actor_id=actor.id if actor else None,
        actor_label=actor.username if actor else "system",
        consortium_id=consortium_id, action=action, target_type=target_type,
        target_id=target_id, before=before, after=after,
    ))


def next_number(session: Session, consortium_id: int, kind: str) -> int:
    """The next stable item number of ``kind`` in a consortium (never reused)."""
    return reserve_numbers(session, consortium_id, kind, 1)[0]


def reserve_numbers(session: Session, consortium_id: int, kind: str, count: int) -> range:
    """Reserve ``count`` consecutive item numbers.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite), so two
    concurrent commands cannot receive the same number.
    """
    stmt = (
        update(Counter)
        .where(Counter.consortium_id == consortium_id, Counter.kind == kind)
        .values(last_value=Counter.last_value + count)
        .returning(Counter.last_value)
    )
    last = session.execute(stmt).scalar()
    if last is None:
        try:
            with session.begin_nested():
                session.execute(insert(Counter).values(consortium_id=consortium_id, kind=kind, last_value=count))
            last = count
        except IntegrityError:
            last = session.execute(stmt).scalar_one()
    return range(last - count + 1, last + 1)
