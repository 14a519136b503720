"""The outbox worker: claims due messages, delivers them, retries with back-off, buries the dead.

Several workers may run at once on PostgreSQL (``FOR UPDATE SKIP LOCKED`` plus a lease
on ``available_at``); on SQLite the write lock serialises the claims.

Leases are short and renewed while the worker works (a heartbeat thread), so the claims
of a worker that crashed (``kill -9``, a lost machine) are taken over within one lease,
not after a long fixed timeout. A message taken over this way may have been half done:
``started_at`` tells the deliverers to look up what an earlier attempt created before
creating it again (``plugin.delivery.mattermost.post_once``).

A message whose prerequisite is missing (the channel, the calendar, a thread's root post)
raises :class:`~plugin.delivery.Waiting`: it is parked without counting an attempt, and
delivering any other message of the same consortium makes it due again at once.
"""
from __future__ import annotations

import contextlib
import logging
import os
import random
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import select, update

from models import OutboxMessage, utcnow
from plugin.delivery import Deliverer, DeliveryContext, Permanent, PeriodicJob, Retry, Waiting
from plugin import metrics

log = logging.getLogger(__name__)


def classify(error: Exception) -> tuple[str, float | None]:
    """('retry', delay hint) or ('dead', None) for an integration error."""
    if isinstance(error, Retry):
        return "retry", error.retry_after
    if isinstance(error, Permanent):
        return "dead", None
    retry_after = getattr(error, "retry_after", None)
    retryable = getattr(error, "retryable", None)
    name = type(error).__name__
    if name in ("MattermostRateLimited",):
        return "retry", retry_after
    if name in ("MattermostUnavailable", "CalDAVUnavailable", "SMTPUnavailable", "CalDAVPreconditionFailed",
                "ConnectionError", "TimeoutError", "OSError"):
        return "retry", retry_after
    if retryable is True:
        return "retry", retry_after
    if name.startswith(("Mattermost", "CalDAV", "SMTP")):
        return "dead", None
    return "retry", None  # a bug or an unknown failure: keep the message, log loudly


@dataclass(frozen=True)
class Claim:
    """A message this worker holds, as it was when claimed."""

    id: int
    kind: str
    payload: dict
    attempts: int
    consortium_id: int | None
    created_at: datetime
    started_at: datetime
    resumed: bool  # claimed before: an earlier attempt may have done part of the work
    progress: dict
    claimed_at: datetime


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class OutboxWorker:
    def __init__(self, services, *, batch: int = 25, max_attempts: int = 12, base_delay: float = 2.0,
                 max_delay: float = 3600.0, lease: float = 30.0, recheck: float = 120.0,
                 deliverers: Mapping[str, Deliverer] | None = None, jobs: Mapping[str, PeriodicJob] | None = None):
        # What it delivers and which jobs it runs come from the front door's registry (every feature's
        # declarations), handed over by the runtime unless given here.
        self.deliverers = deliverers if deliverers is not None else services.registry.deliverers
        self.jobs = jobs if jobs is not None else services.registry.jobs
        self.services = services
        self.batch, self.max_attempts = batch, max_attempts
        self.base_delay, self.max_delay = base_delay, max_delay
        # lease: how long a claim survives without renewal; recheck: the safety net of a waiting message.
        self.lease, self.recheck = lease, recheck
        self.name = worker_name()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_periodic: dict[str, datetime] = {}

    # --- delivery --------------------------------------------------------------------------

    def claim(self, now: datetime | None = None) -> list[Claim]:
        now = now or utcnow()
        db = self.services.db
        with db.transaction() as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.status == "pending", OutboxMessage.available_at <= now)
                     .order_by(OutboxMessage.id).limit(self.batch))
            if db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(query):
                resumed = row.started_at is not None
                row.started_at = row.started_at or now
                row.available_at = now + timedelta(seconds=self.lease)
                row.locked_by = self.name
                claimed.append(Claim(row.id, row.kind, dict(row.payload or {}), row.attempts, row.consortium_id,
                                     row.created_at, row.started_at, resumed, dict(row.progress or {}), now))
        return claimed

    @contextlib.contextmanager
    def _leased(self, claims: list[Claim]):
        """Renew the lease of the messages still held, every third of a lease, until the block ends."""
        held = {c.id for c in claims}
        lock = threading.Lock()
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.lease / 3):
                with lock:
                    ids = list(held)
                if not ids:
                    continue
                try:
                    with self.services.db.transaction() as session:
                        session.execute(update(OutboxMessage).where(
                            OutboxMessage.id.in_(ids), OutboxMessage.locked_by == self.name,
                            OutboxMessage.status == "pending",
                        ).values(available_at=utcnow() + timedelta(seconds=self.lease)))
                except Exception:
                    log.exception("could not renew the outbox lease of %s", ids)

        def release(message_id: int) -> None:
            with lock:
                held.discard(message_id)

        thread = threading.Thread(target=renew, name="consortia-outbox-lease", daemon=True)
        thread.start()
        try:
            yield release
        finally:
            stop.set()
            thread.join()

    def _delay(self, attempts: int, hint: float | None) -> float:
        if hint is not None:
            return max(0.5, min(float(hint), self.max_delay))
        return min(self.base_delay * (2 ** (attempts - 1)) * random.uniform(0.8, 1.2), self.max_delay)

    def deliver(self, claim: Claim) -> str:
        deliverer = self.deliverers.get(claim.kind)
        attempts = claim.attempts + 1
        values: dict = {"attempts": attempts, "locked_by": None, "blocked_on": None}
        message_id, kind = claim.id, claim.kind
        try:
            if deliverer is None:
                raise Permanent(f"no deliverer for {kind!r}")
            deliverer(DeliveryContext(self.services, message_id, claim.consortium_id, attempts,
                                      started_at=claim.started_at, resumed=claim.resumed,
                                      created_at=claim.created_at, progress=dict(claim.progress)), claim.payload)
            values.update(status="delivered", delivered_at=utcnow(), last_error="")
            outcome = "delivered"
        except Waiting as waiting:
            # Not an attempt: the prerequisite's delivery makes it due again (see _wake_dependants).
            text = str(waiting)[:200]
            values.update(attempts=claim.attempts, blocked_on=text, last_error=f"waiting: {text}",
                          available_at=utcnow() + timedelta(seconds=self.recheck))
            outcome = "waiting"
            log.info("outbox %s #%s waits: %s", kind, message_id, text)
        except Exception as error:  # every failure is recorded; none is lost
            verdict, hint = classify(error)
            text = f"{type(error).__name__}: {error}"[:2000]
            if verdict == "retry" and attempts < self.max_attempts:
                values.update(available_at=utcnow() + timedelta(seconds=self._delay(attempts, hint)), last_error=text)
                outcome = "retry"
                level = logging.WARNING if type(error).__name__ != "Retry" else logging.INFO
                log.log(level, "outbox %s #%s will be retried: %s", kind, message_id, text)
            else:
                values.update(status="dead", last_error=text, available_at=utcnow())
                outcome = "dead"
                log.error("outbox %s #%s is dead: %s", kind, message_id, text)
            if not isinstance(error, (Retry, Permanent)) and not type(error).__module__.startswith("integrations"):
                log.exception("outbox %s #%s failed unexpectedly", kind, message_id)
        with self.services.db.transaction() as session:
            written = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.locked_by == self.name).values(**values)).rowcount
            if not written:
                log.warning("outbox %s #%s: the lease was lost (taken over by another worker); outcome %s not "
                            "recorded", kind, message_id, outcome)
            elif claim.consortium_id is not None:
                if outcome == "waiting":
                    self._unless_already_ready(session, claim)
                else:
                    self._wake_dependants(session, claim)
        metrics.DELIVERIES.labels(kind, outcome).inc()
        return outcome

    def _wake_dependants(self, session, claim: Claim) -> None:
        """Something of this consortium moved on: the messages waiting in it are due now."""
        woken = session.execute(update(OutboxMessage).where(
            OutboxMessage.consortium_id == claim.consortium_id, OutboxMessage.status == "pending",
            OutboxMessage.blocked_on.is_not(None), OutboxMessage.locked_by.is_(None),
            OutboxMessage.id != claim.id,
        ).values(available_at=utcnow())).rowcount
        if woken:
            self._wake.set()

    def _unless_already_ready(self, session, claim: Claim) -> None:
        """A message of the consortium delivered since the claim may have brought the prerequisite."""
        moved = session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.consortium_id == claim.consortium_id, OutboxMessage.id != claim.id,
            OutboxMessage.delivered_at >= claim.claimed_at).limit(1))
        if moved is not None:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == claim.id)
                            .values(available_at=utcnow()))

    def run_once(self, now: datetime | None = None) -> int:
        claimed = self.claim(now)
        if not claimed:
            return 0
        with self._leased(claimed) as release:
            for claim in claimed:
                self.deliver(claim)
                release(claim.id)
        return len(claimed)

    def run_periodic(self, now: datetime | None = None, *, force: bool = False) -> int:
        now = now or utcnow()
        queued = 0
        for job in self.jobs.values():
            last = self._last_periodic.get(job.name)
            if force or last is None or now - last >= job.every:
                self._last_periodic[job.name] = now
                try:
                    queued += job.run(self.services, now) or 0
                except Exception:
                    log.exception("periodic job %s failed", job.name)
        return queued

    def run_until_idle(self, *, max_rounds: int = 50, now: datetime | None = None) -> int:
        """Deliver everything due now (tests and `consortia outbox flush`)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once(now)
            total += done
            if not done:
                break
        return total

    # --- background thread -------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> "OutboxWorker":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="consortia-outbox", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        poll = self.services.settings.worker_poll_seconds
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_periodic()
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox worker loop failed; continuing")
            self._wake.wait(poll)
