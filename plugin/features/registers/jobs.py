"""The commitments' scheduled job: a direct message to each person responsible for an open commitment
due within the week — once per commitment, due date and person (dedupe keys). It queues data; the
reminder is written when delivered, in its reader's language (``delivery.due_reminder``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Commitment, Consortium
from plugin.delivery import PeriodicJob
from plugin.kernel.outbox import queue

from plugin.features.registers.commitments import DUE_SOON_DAYS, OPEN_STATUSES, responsible_people


def queue_due_reminders(session, now: datetime, *, days: int = DUE_SOON_DAYS) -> int:
    """Queue one reminder per responsible person for each open commitment due within ``days``.

    Idempotent: the dedupe key names the commitment, its due date and the person, so running this
    every few hours sends each reminder once (and again if the date moves).
    """
    count = 0
    rows = session.execute(
        select(Commitment, Consortium).join(Consortium, Consortium.id == Commitment.consortium_id)
        .where(Commitment.due_date.is_not(None), Commitment.status.in_(OPEN_STATUSES),
               Commitment.deleted_at.is_(None), Consortium.archived_at.is_(None),
               Commitment.due_date >= (now - timedelta(days=1)).date(),
               Commitment.due_date <= (now + timedelta(days=days + 1)).date())
        .order_by(Commitment.due_date)
    ).all()
    for commitment, consortium in rows:
        today = now.astimezone(ZoneInfo(consortium.timezone)).date()
        if not today <= commitment.due_date <= today + timedelta(days=days):
            continue
        for person in responsible_people(session, commitment):
            if not person.mattermost_user_id or person.erased_at is not None:
                continue
            queue(session, "registers.due_reminder",
                  {"commitment_id": commitment.id, "person_id": person.id, "due": commitment.due_date.isoformat()},
                  consortium_id=consortium.id, now=now,
                  dedupe_key=f"commitment-due:{commitment.id}:{commitment.due_date.isoformat()}:{person.id}")
            count += 1
    return count


def remind(services, now: datetime) -> int:
    with services.db.transaction() as session:
        return queue_due_reminders(session, now)


JOBS = (PeriodicJob("commitments.due_soon", timedelta(hours=6), remind),)
