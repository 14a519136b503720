"""The day-before reminder: queued here (data only), rendered and posted by ``delivery.py``."""
from __future__ import annotations

from datetime import timedelta

from models import Consortium
from plugin.delivery import PeriodicJob
from plugin.kernel.outbox import queue

from plugin.features.sessions.records import due_reminders


def reminders(services, now) -> int:
    """Queue a reminder post, in the card's thread, for each session starting within a day."""
    queued = 0
    with services.db.transaction() as session:
        for ws in due_reminders(session, now):
            consortium = session.get(Consortium, ws.consortium_id)
            if consortium is None or consortium.archived_at is not None:
                continue
            queue(session, "session.reminder", {"session_id": ws.id, "consortium_id": consortium.id},
                  consortium_id=consortium.id, dedupe_key=f"session.reminder:{ws.uid}:{ws.sequence}", now=now)
            ws.reminder_sent_at = now
            queued += 1
    return queued


JOBS = (PeriodicJob("session.reminders", timedelta(minutes=10), reminders),)
