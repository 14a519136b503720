"""A consortium's sessions as iCalendar data (the subscribable feed and CalDAV events)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from integrations.calendar.ics import Attendee, EventData, build_calendar, etag_for
from models import Consortium, Membership, Person, Rsvp, WorkingSession
from plugin.i18n import _

PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE",
            "needs-action": "NEEDS-ACTION"}


def event_for(working_session: WorkingSession, consortium: Consortium, *, attendees: list[Attendee],
              organizer_email: str, base_url: str) -> EventData:
    tz = ZoneInfo(working_session.timezone)
    description = working_session.agenda or ""
    if working_session.minutes:
        description += ("\n\n" if description else "") + _("Minutes:") + "\n" + working_session.minutes
    return EventData(
        uid=working_session.uid, summary=working_session.title,
        start=working_session.starts_at.astimezone(tz), end=working_session.ends_at.astimezone(tz),
        tzid=working_session.timezone, description=description, location=working_session.location,
        url=working_session.video_url, sequence=working_session.sequence,
        status="CANCELLED" if working_session.status == "cancelled" else "CONFIRMED",
        organizer_email=organizer_email, organizer_name="Consortia", attendees=attendees,
        alarm_text=_("Tomorrow: {title}", title=working_session.title),
        created=working_session.created_at, last_modified=working_session.updated_at,
        dtstamp=working_session.updated_at, categories=[consortium.name],
    )


def attendees_for(session: Session, working_session: WorkingSession) -> list[Attendee]:
    answers = {r.person_id: r.answer for r in working_session.rsvps}
    people = session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.consortium_id == working_session.consortium_id, Membership.left_at.is_(None),
               Person.email.is_not(None))
    )
    return [Attendee(email=p.email, name=p.display_name or p.username,
                     partstat=PARTSTAT.get(answers.get(p.id, "needs-action"), "NEEDS-ACTION")) for p in people]


def consortium_feed(session: Session, consortium: Consortium, *, organizer_email: str, base_url: str) -> bytes:
    sessions = list(session.scalars(
        select(WorkingSession).where(WorkingSession.consortium_id == consortium.id)
        .options(selectinload(WorkingSession.rsvps)).order_by(WorkingSession.starts_at)
    ))
    events = [event_for(s, consortium, attendees=attendees_for(session, s), organizer_email=organizer_email,
                        base_url=base_url) for s in sessions]
    return build_calendar(events, name=consortium.name,
                          description=_("Working sessions of the consortium {name}", name=consortium.name),
                          tzid=consortium.timezone)


__all__ = ["consortium_feed", "event_for", "attendees_for", "etag_for", "Rsvp"]
