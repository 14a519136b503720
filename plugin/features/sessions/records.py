"""What the sessions' use cases and deliverers share: finding, checking and reading sessions."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Consortium, Membership, Person, WorkingSession
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.errors import Conflict, Forbidden, NotFound
from plugin.kernel.text import aware
from plugin.kernel.usecase import Ctx

from plugin.features.sessions.outcomes import SessionView

ANSWERS = ("accepted", "declined", "tentative")
LIST_LIMIT = 20


def starts(ws: WorkingSession) -> datetime:
    return aware(ws.starts_at)


def ends(ws: WorkingSession) -> datetime:
    return aware(ws.ends_at)


def require_member(ctx: Ctx) -> None:
    """Members (and admins) only; the membership was read with the consortium."""
    if ctx.actor.is_admin or ctx.membership is not None:
        return
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=ctx.consortium.name))


def find(session: Session, consortium: Consortium, number: int, *, for_update: bool = False) -> WorkingSession:
    query = select(WorkingSession).where(WorkingSession.consortium_id == consortium.id,
                                         WorkingSession.number == number)
    if for_update:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(_l("There is no session number {n} in this consortium. See `/session list`.", n=number))
    return found


def active_members(session: Session, consortium_id: int) -> list[Person]:
    return list(session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == consortium_id, Membership.left_at.is_(None), Person.erased_at.is_(None))
        .order_by(Person.username)
    ))


def require_organiser(ctx: Ctx, ws: WorkingSession) -> None:
    """Moving or cancelling: whoever planned it, the lead partner, or an admin."""
    actor = ctx.actor
    if actor.is_admin or ws.created_by_id == actor.id or access.is_lead(ctx.session, ctx.consortium, actor.person):
        return
    raise Forbidden(_l("Only the person who planned this session, the lead partner or an admin can change it."))


def open_session(ctx: Ctx, number: int, *, organiser_only: bool = False) -> WorkingSession:
    """The session a member is about to change: locked, not cancelled, and theirs when it must be."""
    require_member(ctx)
    access.require_active(ctx.consortium)
    ws = find(ctx.session, ctx.consortium, number, for_update=True)
    if ws.status == "cancelled":
        raise Conflict(_l("Session {n} is already cancelled.", n=ws.number))
    if organiser_only:
        require_organiser(ctx, ws)
    return ws


def snapshot(ws: WorkingSession) -> dict:
    return {"title": ws.title, "starts_at": starts(ws).isoformat(), "ends_at": ends(ws).isoformat(),
            "status": ws.status, "sequence": ws.sequence}


# --- reading ----------------------------------------------------------------------------------

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
    rows = session.scalars(
        select(WorkingSession)
        .where(WorkingSession.consortium_id == consortium.id, WorkingSession.status == "confirmed",
               WorkingSession.ends_at >= now)
        .options(selectinload(WorkingSession.rsvps))
        .order_by(WorkingSession.starts_at).limit(limit)
    )
    return [view_of(session, ws) for ws in rows]


def count_upcoming(session: Session, consortium: Consortium, *, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(WorkingSession).where(
        WorkingSession.consortium_id == consortium.id, WorkingSession.status == "confirmed",
        WorkingSession.ends_at >= now)) or 0


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
    return [ws for ws in candidates if aware(ws.created_at) <= starts(ws) - timedelta(days=1)]
