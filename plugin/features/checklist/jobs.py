"""The checklist's scheduled job: each Monday from 9:00 (consortium time), a digest in each channel
and a direct message to each assignee whose items are due soon — once per week (dedupe keys)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from models import ChecklistItem, Consortium, OutboxMessage, Person, utcnow
from plugin.delivery import PeriodicJob
from plugin.kernel.outbox import queue

DIGEST_WEEKDAY = 0        # Monday
DIGEST_HOUR = 9           # from 9:00, consortium time
SOON = timedelta(days=7)
CHUNK = 500


def _week(local: datetime) -> str:
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def _due_consortia(session, now: datetime) -> list[tuple[Consortium, datetime]]:
    """Consortiums whose local time is the digest time (Monday from 9:00), reminders on."""
    out = []
    for zone in list(session.scalars(select(Consortium.timezone).distinct())):
        try:
            local = now.astimezone(ZoneInfo(zone))
        except Exception:
            continue
        if local.weekday() != DIGEST_WEEKDAY or local.hour < DIGEST_HOUR:
            continue
        for consortium in session.scalars(
            select(Consortium).where(Consortium.timezone == zone, Consortium.reminders_enabled.is_(True),
                                     Consortium.archived_at.is_(None), Consortium.channel_id.is_not(None))
            .order_by(Consortium.id)
        ):
            out.append((consortium, local))
    return out


def _open_items(session, consortium_ids: list[int], until) -> dict[int, list[dict]]:
    """Open items that are overdue, due by ``until``, or unassigned, per consortium, in one query (as the
    plain data the digest and the reminders are rendered from)."""
    out: dict[int, list[dict]] = {}
    rows = session.execute(
        select(ChecklistItem, Person.username).outerjoin(Person, Person.id == ChecklistItem.assignee_id)
        .where(ChecklistItem.consortium_id.in_(consortium_ids), ChecklistItem.deleted_at.is_(None),
               ChecklistItem.done.is_(False),
               or_(ChecklistItem.assignee_id.is_(None), ChecklistItem.due_date <= until))
        .order_by(ChecklistItem.consortium_id, ChecklistItem.due_date, ChecklistItem.position)
    )
    for item, username in rows:
        out.setdefault(item.consortium_id, []).append({
            "number": item.number, "text": item.text, "text_en": item.text_en or "",
            "due": item.due_date.isoformat() if item.due_date else None,
            "assignee_id": item.assignee_id, "assignee": username})
    return out


def weekly_reminders(services, now: datetime | None = None) -> int:
    """Queue this week's digests and reminders that are due; returns how many."""
    from plugin.features.registers.api import due_soon

    now = now or utcnow()
    queued = 0
    with services.db.transaction() as session:
        due = _due_consortia(session, now)
        for start in range(0, len(due), CHUNK):
            chunk = due[start:start + CHUNK]
            keys = {c.id: f"checklist-digest:{c.id}:{_week(local)}" for c, local in chunk}
            done_keys = set(session.scalars(select(OutboxMessage.dedupe_key)
                                            .where(OutboxMessage.dedupe_key.in_(list(keys.values())))))
            todo = [(c, local) for c, local in chunk if keys[c.id] not in done_keys]
            if not todo:
                continue
            ids = [c.id for c, _local in todo]
            latest = max(local.date() for _c, local in todo) + SOON
            entries = _open_items(session, ids, latest)
            progress = {cid: (d, t) for cid, d, t in session.execute(
                select(ChecklistItem.consortium_id, func.count().filter(ChecklistItem.done.is_(True)), func.count())
                .where(ChecklistItem.consortium_id.in_(ids), ChecklistItem.deleted_at.is_(None))
                .group_by(ChecklistItem.consortium_id))}
            assignee_ids = {e["assignee_id"] for items in entries.values() for e in items if e["assignee_id"]}
            people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(assignee_ids)))} \
                if assignee_ids else {}
            for consortium, local in todo:
                today = local.date()
                items = entries.get(consortium.id, [])
                soon = today + SOON
                worth_saying = any(
                    e["assignee_id"] is None or (e["due"] and e["due"] <= soon.isoformat()) for e in items
                ) or bool(due_soon(session, consortium, today))
                if worth_saying:
                    done, total = progress.get(consortium.id, (0, 0))
                    queue(session, "checklist.digest", {
                        "consortium_id": consortium.id, "today": today.isoformat(), "done": done, "total": total,
                        "entries": items}, consortium_id=consortium.id, dedupe_key=keys[consortium.id], now=now)
                    queued += 1
                else:  # nothing to say this week: remember that we looked
                    queue(session, "checklist.noop", {}, consortium_id=consortium.id, dedupe_key=keys[consortium.id],
                          now=now)
                per_person = defaultdict(list)
                for entry in items:
                    if entry["assignee_id"] and entry["due"] and entry["due"] <= soon.isoformat():
                        per_person[entry["assignee_id"]].append(entry)
                for person_id, mine in per_person.items():
                    person = people.get(person_id)
                    if person is None or not person.mattermost_user_id or person.erased_at is not None:
                        continue
                    queue(session, "checklist.reminder", {
                        "consortium_id": consortium.id, "person_id": person_id, "today": today.isoformat(),
                        "entries": mine}, consortium_id=consortium.id,
                        dedupe_key=f"checklist-dm:{consortium.id}:{person_id}:{_week(local)}", now=now)
                    queued += 1
    return queued


JOBS = (PeriodicJob("checklist.reminders", timedelta(minutes=30), weekly_reminders),)
