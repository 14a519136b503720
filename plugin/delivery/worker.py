"""The outbox worker: claims due messages, delivers them, retries with back-off, buries the dead.

Several workers may run at once on PostgreSQL (``FOR UPDATE SKIP LOCKED`` plus a lease
on ``available_at``); on SQLite the write lock serialises the claims.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from sqlalchemy import select, update

from models import OutboxMessage, utcnow
from plugin.delivery import DELIVERERS, PERIODIC, DeliveryContext, Permanent, Retry, load_deliverers
from plugin.web import metrics

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


class OutboxWorker:
    def __init__(self, services, *, batch: int = 25, max_attempts: int = 12, base_delay: float = 2.0,
                 max_delay: float = 3600.0, lease: float = 300.0):
        from plugin.commands.dispatch import load_handlers

        load_deliverers()
        load_handlers()  # feature modules register their scheduled jobs on import
        self.services = services
        self.batch, self.max_attempts = batch, max_attempts
        self.base_delay, self.max_delay, self.lease = base_delay, max_delay, lease
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_periodic: dict[str, datetime] = {}

    # --- delivery --------------------------------------------------------------------------

    def claim(self, now: datetime | None = None) -> list[tuple[int, str, dict, int, int | None]]:
        now = now or utcnow()
        db = self.services.db
        with db.transaction() as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.status == "pending", OutboxMessage.available_at <= now)
                     .order_by(OutboxMessage.id).limit(self.batch))
            if db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            claimed = []
            for row in rows:
                row.available_at = now + timedelta(seconds=self.lease)
                claimed.append((row.id, row.kind, dict(row.payload or {}), row.attempts, row.consortium_id))
        return claimed

    def _delay(self, attempts: int, hint: float | None) -> float:
        if hint is not None:
            return max(0.5, min(float(hint), self.max_delay))
        return min(self.base_delay * (2 ** (attempts - 1)) * random.uniform(0.8, 1.2), self.max_delay)

    def deliver(self, message_id: int, kind: str, payload: dict, attempts: int, consortium_id: int | None) -> str:
        deliverer = DELIVERERS.get(kind)
        attempts += 1
        values: dict = {"attempts": attempts}
        try:
            if deliverer is None:
                raise Permanent(f"no deliverer for {kind!r}")
            deliverer(DeliveryContext(self.services, message_id, consortium_id, attempts), payload)
            values.update(status="delivered", delivered_at=utcnow(), last_error="")
            outcome = "delivered"
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
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
        metrics.DELIVERIES.labels(kind, outcome).inc()
        return outcome

    def run_once(self, now: datetime | None = None) -> int:
        claimed = self.claim(now)
        for item in claimed:
            self.deliver(*item)
        return len(claimed)

    def run_periodic(self, now: datetime | None = None, *, force: bool = False) -> int:
        now = now or utcnow()
        queued = 0
        for job in PERIODIC.values():
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
            try:
                self.run_periodic()
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("outbox worker loop failed; continuing")
            self._wake.wait(poll)
            self._wake.clear()
