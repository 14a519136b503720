"""Working sessions: plan, move, cancel, minutes, answers (RSVP) and the feeds' tokens.

The database is the source of truth; the shared CalDAV calendar, the iMIP e-mails
and the channel's card follow through the outbox:

* ``caldav.session`` ``{session_id}`` — write the event's current state to the
  consortium's CalDAV calendar (state-based, so any number of them is harmless);
* ``imip.session`` ``{session_id, person_id, sequence, method}`` — one message per
  recipient (a retry never re-sends to the others), deduplicated per
  (session, sequence, method, person); a REQUEST superseded by a newer change
  before it could be sent is dropped by the deliverer, so nobody receives stale
  invitations after an SMTP outage.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Consortium, Membership, Person, Rsvp, WorkingSession, new_token
from plugin.i18n import _
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, NotFound
from plugin.kernel.numbers import next_number
from plugin.kernel.outbox import queue

ANSWERS = ("accepted", "declined", "tentative")
LIST_LIMIT = 20


@dataclass
class Integrations:
    """Which outside systems follow the sessions (from the settings)."""

    caldav: bool = False
    smtp: bool = False


@dataclass
class SessionOutcome:
    working_session: WorkingSession
    invited: list[Person] = field(default_factory=list)      # e-mails queued (SMTP on)
    without_email: list[Person] = field(default_factory=list)  # members skipped (SMTP on)


@dataclass
class SessionView:
    working_session: WorkingSession
    counts: dict[str, int]
    by_answer: dict[str, list[Person]]


def as_utc(value: datetime | None) -> datetime | None:
    """Store and compare moments in UTC (SQLite returns them without their zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def starts(ws: WorkingSession) -> datetime:
    return as_utc(ws.starts_at)


def ends(ws: WorkingSession) -> datetime:
    return as_utc(ws.ends_at)


# --------------------------------------------------------------------------- lookups


def find(session: Session, consortium: Consortium, number: int, *, for_update: bool = False) -> WorkingSession:
    query = select(WorkingSession).where(WorkingSession.consortium_id == consortium.id,
                                         WorkingSession.number == number)
    if for_update:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(_("There is no session number {n} in this consortium. See `/session list`.", n=number))
    return found


def active_members(session: Session, consortium_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == consortium_id, Membership.left_at.is_(None), Person.erased_at.is_(None))
        .order_by(Person.username)
    ))


def _require_organiser(session: Session, actor: Actor, consortium: Consortium, ws: WorkingSession) -> None:
    """Moving or cancelling: whoever planned it, the lead partner, or an admin."""
    if actor.is_admin or ws.created_by_id == actor.id or access.is_lead(session, consortium, actor.person):
        return
    raise Forbidden(_("Only the person who planned this session, the lead partner or an admin can change it."))


def _require_open(ws: WorkingSession) -> None:
    if ws.status == "cancelled":
        raise Conflict(_("Session {n} is already cancelled.", n=ws.number))


def _snapshot(ws: WorkingSession) -> dict:
    return {"title": ws.title, "starts_at": starts(ws).isoformat(), "ends_at": ends(ws).isoformat(),
            "status": ws.status, "sequence": ws.sequence}


# --------------------------------------------------------------------------- side effects


def _follow(session: Session, consortium: Consortium, ws: WorkingSession, integrations: Integrations, *,
            method: str | None) -> SessionOutcome:
    """Queue the CalDAV write and, with ``method``, one iMIP e-mail per member with an address."""
    session.flush()
    if integrations.caldav:
        queue(session, "caldav.session", {"session_id": ws.id}, consortium_id=consortium.id)
    outcome = SessionOutcome(ws)
    if method is None or not integrations.smtp:
        return outcome  # no e-mail goes out: nobody to list (the reply says e-mail is off)
    for person in active_members(session, consortium.id):
        if not person.email:
            outcome.without_email.append(person)
            continue
        outcome.invited.append(person)
        queue(session, "imip.session",
              {"session_id": ws.id, "person_id": person.id, "sequence": ws.sequence, "method": method},
              consortium_id=consortium.id,
              dedupe_key=f"imip:{ws.uid}:{ws.sequence}:{method}:{person.id}")
    return outcome


# --------------------------------------------------------------------------- actions


def plan(session: Session, actor: Actor, consortium: Consortium, data: dict, *,
         integrations: Integrations) -> SessionOutcome:
    access.require_member(session, actor, consortium)
    access.require_active(consortium)
    starts_at: datetime = as_utc(data["starts_at"])
    ws = WorkingSession(
        consortium_id=consortium.id, number=next_number(session, consortium.id, "session"),
        uid=f"{uuid.uuid4()}@consortia", title=data["title"], starts_at=starts_at,
        ends_at=starts_at + data["duration_value"], timezone=consortium.timezone,
        location=data.get("place") or "", video_url=data.get("video") or "", agenda=data.get("agenda") or "",
        sequence=0, status="confirmed", created_by_id=actor.id,
        rsvps=[],  # a new session has no answer yet: the card needs no query to know it
    )
    session.add(ws)
    session.flush()
    audit(session, actor, "session.plan", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          after=_snapshot(ws))
    return _follow(session, consortium, ws, integrations, method="REQUEST")


def _open_session(session: Session, actor: Actor, consortium: Consortium, number: int, *,
                  organiser_only: bool = False) -> WorkingSession:
    """The session a member is about to change: locked, not cancelled, and theirs when it must be."""
    access.require_member(session, actor, consortium)
    access.require_active(consortium)
    ws = find(session, consortium, number, for_update=True)
    _require_open(ws)
    if organiser_only:
        _require_organiser(session, actor, consortium, ws)
    return ws


def move(session: Session, actor: Actor, consortium: Consortium, number: int, starts_at: datetime, *,
         integrations: Integrations) -> SessionOutcome:
    ws = _open_session(session, actor, consortium, number, organiser_only=True)
    before = _snapshot(ws)
    starts_at = as_utc(starts_at)
    duration = ends(ws) - starts(ws)
    if starts_at == starts(ws):
        raise Conflict(_("Session {n} is already planned at that time.", n=ws.number))
    ws.starts_at, ws.ends_at = starts_at, starts_at + duration
    ws.sequence += 1
    ws.reminder_sent_at = None
    # A new time is a new question: everyone answers again (RFC 5546 §2.1.4, rescheduling).
    for answer in ws.rsvps:
        answer.answer = "needs-action"
    audit(session, actor, "session.move", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          before=before, after=_snapshot(ws))
    return _follow(session, consortium, ws, integrations, method="REQUEST")


def cancel(session: Session, actor: Actor, consortium: Consortium, number: int, *,
           integrations: Integrations) -> SessionOutcome:
    ws = _open_session(session, actor, consortium, number, organiser_only=True)
    before = _snapshot(ws)
    ws.status = "cancelled"
    ws.sequence += 1
    audit(session, actor, "session.cancel", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          before=before, after=_snapshot(ws))
    return _follow(session, consortium, ws, integrations, method="CANCEL")


def record_minutes(session: Session, actor: Actor, consortium: Consortium, number: int, text: str, *,
                   integrations: Integrations) -> WorkingSession:
    ws = _open_session(session, actor, consortium, number)
    before = {"minutes": ws.minutes}
    ws.minutes = text
    ws.sequence += 1  # the event's description changed
    audit(session, actor, "session.minutes", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          before=before, after={"minutes": text[:500]})
    _follow(session, consortium, ws, integrations, method=None)
    return ws


def answer(session: Session, actor: Actor, session_id: int, reply: str, *,
           integrations: Integrations) -> tuple[WorkingSession, Consortium]:
    """A member's answer from the card's buttons; updates the attendee's PARTSTAT everywhere."""
    if reply not in ANSWERS:
        raise NotFound(_("This answer is not known."))
    ws = session.get(WorkingSession, session_id)
    consortium = session.get(Consortium, ws.consortium_id) if ws is not None else None
    if ws is None or consortium is None:
        raise NotFound(_("This session no longer exists."))
    if not access.is_member(session, consortium, actor.person):
        raise Forbidden(_("Only the members of the consortium “{name}” can answer.", name=consortium.name))
    if ws.status == "cancelled":
        raise Conflict(_("This session was cancelled."))
    row = session.scalar(select(Rsvp).where(Rsvp.session_id == ws.id, Rsvp.person_id == actor.id))
    if row is None:
        row = Rsvp(session_id=ws.id, person_id=actor.id, answer=reply)
        session.add(row)
    elif row.answer == reply:
        return ws, consortium
    else:
        row.answer = reply
    session.flush()
    session.expire(ws, ["rsvps"])
    audit(session, actor, "session.answer", consortium_id=consortium.id, target_type="session", target_id=ws.id,
          after={"answer": reply})
    _follow(session, consortium, ws, integrations, method=None)
    return ws, consortium


# --------------------------------------------------------------------------- reading


def view_of(session: Session, ws: WorkingSession) -> SessionView:
    members = {p.id: p for p in active_members(session, ws.consortium_id)}
    by_answer: dict[str, list[Person]] = {key: [] for key in (*ANSWERS, "needs-action")}
    answered = set()
    for row in ws.rsvps:
        person = members.get(row.person_id)
        if person is None:
            continue
        by_answer.setdefault(row.answer, []).append(person)
        answered.add(person.id)
    by_answer["needs-action"].extend(p for pid, p in members.items() if pid not in answered
                                     and p not in by_answer["needs-action"])
    for people in by_answer.values():
        people.sort(key=lambda p: p.username)
    return SessionView(ws, {key: len(people) for key, people in by_answer.items()}, by_answer)


def upcoming(session: Session, consortium: Consortium, *, now: datetime, limit: int = LIST_LIMIT) -> list[SessionView]:
    sessions = session.scalars(
        select(WorkingSession)
        .where(WorkingSession.consortium_id == consortium.id, WorkingSession.status == "confirmed",
               WorkingSession.ends_at >= now)
        .options(selectinload(WorkingSession.rsvps))
        .order_by(WorkingSession.starts_at).limit(limit)
    )
    return [view_of(session, ws) for ws in sessions]


def count_upcoming(session: Session, consortium: Consortium, *, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(WorkingSession).where(
        WorkingSession.consortium_id == consortium.id, WorkingSession.status == "confirmed",
        WorkingSession.ends_at >= now)) or 0


def personal_token(session: Session, actor: Actor, *, renew: bool = False) -> str:
    """The person's feed token; ``renew`` revokes the old link."""
    person = actor.person
    if renew or not person.personal_feed_token:
        person.personal_feed_token = new_token()
        audit(session, actor, "session.personal_feed_renewed", target_type="person", target_id=person.id)
    session.flush()
    return person.personal_feed_token


def due_reminders(session: Session, now: datetime) -> list[WorkingSession]:
    """Confirmed sessions starting within a day, planned earlier than that, not reminded yet."""
    candidates = session.scalars(
        select(WorkingSession).where(
            WorkingSession.status == "confirmed", WorkingSession.reminder_sent_at.is_(None),
            WorkingSession.starts_at > now + timedelta(hours=1),
            WorkingSession.starts_at <= now + timedelta(days=1),
        ).order_by(WorkingSession.starts_at).limit(500)
    )
    # Planned at the last minute: the card itself is the reminder.
    return [ws for ws in candidates if as_utc(ws.created_at) <= starts(ws) - timedelta(days=1)]
