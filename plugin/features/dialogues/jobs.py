"""The dialogues' scheduled job: the day before a next step, a reminder to the people concerned and a line
in the thread — once per step (dedupe keys, ``reminder_sent_for``). Rows carry data; the deliverers render.

The rows are due at once (not at the job's ``now``): a reminder decided is sent."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import Consortium, FoundationDialogue
from plugin.delivery import PeriodicJob
from plugin.kernel.audit import audit
from plugin.kernel.outbox import queue

from plugin.features.dialogues.threads import concerned_people


def queue_reminders(session, now: datetime) -> int:
    """Queue the day-before reminders of next steps (idempotent: dedupe keys, ``reminder_sent_for``)."""
    today_utc = now.astimezone(ZoneInfo("UTC")).date()
    candidates = session.execute(
        select(FoundationDialogue, Consortium).join(Consortium, Consortium.id == FoundationDialogue.consortium_id)
        .where(FoundationDialogue.closed_at.is_(None), FoundationDialogue.next_step_date.is_not(None),
               FoundationDialogue.next_step_date >= today_utc - timedelta(days=1),
               FoundationDialogue.next_step_date <= today_utc + timedelta(days=2),
               Consortium.archived_at.is_(None))).all()
    queued = 0
    for dialogue, consortium in candidates:
        if dialogue.reminder_sent_for == dialogue.next_step_date:
            continue
        local_today = now.astimezone(ZoneInfo(consortium.timezone)).date()
        # The day before; a step set for today or tomorrow after that moment still gets one.
        if not (dialogue.next_step_date - timedelta(days=1) <= local_today <= dialogue.next_step_date):
            continue
        people = concerned_people(session, dialogue)
        step = {"consortium_id": consortium.id, "dialogue_id": dialogue.id,
                "date": dialogue.next_step_date.isoformat(), "action": dialogue.next_step_action}
        key = f"dialogue-reminder:{dialogue.id}:{dialogue.next_step_date.isoformat()}"
        for person in people:
            queue(session, "dialogue.reminder", {**step, "person_id": person.id}, consortium_id=consortium.id,
                  dedupe_key=f"{key}:{person.id}")
            queued += 1
        queue(session, "dialogue.reminder_thread", {**step, "people": [p.username for p in people]},
              consortium_id=consortium.id, dedupe_key=f"{key}:thread")
        queued += 1
        dialogue.reminder_sent_for = dialogue.next_step_date
        audit(session, None, "dialogue.reminder", consortium_id=consortium.id, target_type="dialogue",
              target_id=dialogue.id, after={"next_step_date": dialogue.next_step_date.isoformat(),
                                            "people": [p.username for p in people]})
    return queued


def next_step_reminders(services, now: datetime) -> int:
    """Queue the reminders due (the day before each next step); idempotent."""
    with services.db.transaction() as session:
        queued = queue_reminders(session, now)
    if queued:
        services.notify_outbox()
    return queued


JOBS = (PeriodicJob("dialogue.next_step_reminders", timedelta(minutes=15), next_step_reminders),)
