"""Delivery of outbox messages: the only code that calls Mattermost, CalDAV and SMTP after a command."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable


class Retry(Exception):
    """Try again later (the remote side is down, busy, or a prerequisite is not ready yet)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Permanent(Exception):
    """Retrying would not help (refused, unknown): the message goes to the dead letters."""


class Waiting(Retry):
    """A prerequisite (the channel, the calendar, a thread's root post) is not there yet.

    Not a failure: no attempt is counted and there is no back-off. The message waits until
    another message of the same consortium is delivered (the worker then makes it due at
    once), with a late re-check as a safety net.
    """


@dataclass
class DeliveryContext:
    services: object
    message_id: int
    consortium_id: int | None
    attempts: int
    # Set when an earlier claim may have started this message: what it created is looked up.
    started_at: datetime | None = None
    resumed: bool = False
    created_at: datetime | None = None
    progress: dict = field(default_factory=dict)

    def idempotency_key(self, step: str) -> str:
        """Stable across attempts of this message and step, unique to this installation.

        The outbox id alone would collide between two installations posting to the same
        Mattermost (or after a database reset), hence the HMAC with the secret key over the
        id and the creation time.
        """
        secret = self.services.settings.secret_key.encode()
        created = self.created_at.isoformat() if self.created_at else ""
        digest = hmac.new(secret, f"{self.message_id}:{created}:{step}".encode(), hashlib.sha256).hexdigest()
        return f"outbox-{self.message_id}-{step}-{digest[:16]}"

    def record(self, step: str, value) -> None:
        """Keep what a step created, at once: a crash right after never repeats the step."""
        from sqlalchemy import update

        from models import OutboxMessage

        self.progress[step] = value
        with self.services.db.transaction() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == self.message_id)
                            .values(progress=dict(self.progress)))


Deliverer = Callable[[DeliveryContext, dict], None]


@dataclass(frozen=True)
class PeriodicJob:
    """A scheduled job (digests, reminders) a feature declares; it must be idempotent (dedupe keys)."""

    name: str
    every: timedelta
    run: Callable[[object], int]  # takes Services, returns how many messages it queued
