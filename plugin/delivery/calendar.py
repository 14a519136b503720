"""Calendar deliveries: the shared CalDAV calendar, iMIP invitations, the day-before reminder.

* ``caldav.session`` writes the session's current state to the consortium's CalDAV
  calendar (``consortia-<slug>``, created at provisioning): ``PUT`` with
  ``If-None-Match: *`` the first time, then ``If-Match: <etag>``. A 412 means the
  object changed on the server (someone edited it in Nextcloud, or a retried
  delivery lost the ETag): the event is re-fetched for its current ETag and written
  again — the database is the source of truth. A cancelled session stays in the
  calendar with ``STATUS:CANCELLED`` (clients show it struck through), as RFC 5546
  recommends for attendees' copies.
* ``imip.session`` e-mails one recipient (RFC 6047) a ``METHOD:REQUEST`` or
  ``METHOD:CANCEL``; one outbox message per recipient so a retry never re-sends
  to the others. A REQUEST superseded by a newer change before it could be sent is
  dropped (the newer one follows), so an SMTP outage never delivers stale copies.
* ``session.reminders`` (periodic) posts a reminder in the channel the day before.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from integrations.calendar.caldav_client import (
    CalDAVInsufficientStorage, CalDAVNotFound, CalDAVPreconditionFailed, CalDAVUnauthorized,
)
from integrations.calendar.imip import build_invitation
from integrations.mattermost.messages import escape_markdown
from models import Consortium, Person, WorkingSession
from plugin.dates import format_date
from plugin.delivery import DeliveryContext, Permanent, Retry, Waiting, delivers, periodic
from plugin.i18n import _, use_locale
from plugin.services import sessions as sessions_service
from plugin.kernel.outbox import queue
from plugin.services.calendar_feed import channel_link, session_calendar

log = logging.getLogger(__name__)

MAX_412_ROUNDS = 3


def calendar_id(consortium: Consortium) -> str:
    return f"consortia-{consortium.slug}"


def _organizer(services) -> str:
    return services.settings.mail_from or "consortia@localhost"


def _channel_url(services, consortium: Consortium) -> str:
    return channel_link(services.settings.mattermost_url, services.settings.mattermost_team, consortium)


@delivers("caldav.session")
def put_session(ctx: DeliveryContext, payload: dict) -> None:
    services = ctx.services
    client = services.caldav()
    if client is None:
        return  # CalDAV was switched off since: the feed carries the sessions
    with services.db.reader() as session:
        ws = session.get(WorkingSession, payload["session_id"])
        if ws is None:
            return
        consortium = session.get(Consortium, ws.consortium_id)
        if consortium.caldav_calendar_url is None:
            raise Waiting("the consortium's CalDAV calendar is not created yet")
        with use_locale(services.settings.locale):
            ics = session_calendar(session, ws, consortium, organizer_email=_organizer(services),
                                   base_url=services.base_url, channel_url=_channel_url(services, consortium))
        cal_id, uid, etag = calendar_id(consortium), ws.uid, ws.caldav_etag
    try:
        new_etag = _put(client, cal_id, uid, ics, etag)
    except CalDAVUnauthorized as error:
        raise Permanent(f"CalDAV refused the service account's credentials (401): fix "
                        f"CONSORTIA_CALDAV_USERNAME/PASSWORD, then retry the dead messages ({error})") from None
    except CalDAVInsufficientStorage as error:
        # The quota may be raised by an administrator: keep the message, try again in an hour.
        raise Retry(f"CalDAV quota exceeded (507): {error}", retry_after=3600) from None
    except CalDAVNotFound as error:
        raise Retry(f"CalDAV calendar {cal_id} not found yet: {error}", retry_after=60) from None
    with services.db.transaction() as session:
        row = session.get(WorkingSession, payload["session_id"])
        if row is not None:
            row.caldav_etag = new_etag


def _put(client, cal_id: str, uid: str, ics: bytes, etag: str | None) -> str | None:
    """PUT with a precondition; on 412 re-fetch the current ETag and write again."""
    for _round in range(MAX_412_ROUNDS):
        try:
            new_etag = client.put_event(cal_id, uid, ics, etag=etag)
        except CalDAVPreconditionFailed:
            current = client.get_event(cal_id, uid)
            etag = current[1] if current is not None else None
            if current is not None and not etag:
                # A server that gives no ETag leaves no safe precondition: ours is the truth.
                new_etag = client.put_event(cal_id, uid, ics, force=True)
                break
            continue
        break
    else:
        raise Retry(f"CalDAV event {uid} keeps changing on the server (412 {MAX_412_ROUNDS} times)",
                    retry_after=60)
    if not new_etag:
        current = client.get_event(cal_id, uid)
        new_etag = current[1] if current is not None else None
    return new_etag


# --------------------------------------------------------------------------- iMIP


def _invitation_text(ws: WorkingSession, consortium: Consortium, method: str, channel_url: str) -> tuple[str, str]:
    tz = ZoneInfo(ws.timezone)
    when = format_date(sessions_service.starts(ws), tz=tz, with_time=True)
    if method == "CANCEL":
        subject = _("Cancelled: {title} ({when})", title=ws.title, when=when)
        intro = _("The working session “{title}” of the consortium {name}, planned on {when}, is cancelled.",
                  title=ws.title, name=consortium.name, when=when)
    elif ws.sequence > 0:
        subject = _("Updated invitation: {title} ({when})", title=ws.title, when=when)
        intro = _("The working session “{title}” of the consortium {name} has changed: it now takes place on "
                  "{when}.", title=ws.title, name=consortium.name, when=when)
    else:
        subject = _("Invitation: {title} ({when})", title=ws.title, when=when)
        intro = _("You are invited to the working session “{title}” of the consortium {name}, on {when}.",
                  title=ws.title, name=consortium.name, when=when)
    lines = [intro, ""]
    if method != "CANCEL":
        end = sessions_service.ends(ws).astimezone(tz)
        lines.append(_("Until: {time}", time=end.strftime("%H:%M")))
        if ws.location:
            lines.append(_("Place: {place}", place=ws.location))
        if ws.video_url:
            lines.append(_("Video link: {url}", url=ws.video_url))
        if ws.agenda:
            lines += ["", _("Agenda:"), ws.agenda]
        lines += ["", _("Answer with the buttons of the invitation in the consortium's channel, or with your "
                        "calendar. The attached .ics file adds the session to any calendar.")]
    if channel_url:
        lines += ["", _("Consortium channel: {url}", url=channel_url)]
    lines += ["", "— Consortia"]
    return subject, "\n".join(lines)


@delivers("imip.session")
def send_invitation(ctx: DeliveryContext, payload: dict) -> None:
    services = ctx.services
    sender = services.smtp()
    if sender is None:
        return  # SMTP was switched off since: members still see the card in the channel
    method = payload.get("method", "REQUEST")
    with services.db.reader() as session:
        ws = session.get(WorkingSession, payload["session_id"])
        person = session.get(Person, payload["person_id"])
        if ws is None or person is None or not person.email or person.erased_at is not None:
            return
        if method == "REQUEST" and (ws.status == "cancelled" or ws.sequence != payload.get("sequence")):
            return  # superseded: a newer REQUEST or a CANCEL was queued after this one
        consortium = session.get(Consortium, ws.consortium_id)
        locale = person.locale or services.settings.locale
        channel_url = _channel_url(services, consortium)
        with use_locale(locale):
            ics = session_calendar(session, ws, consortium, organizer_email=_organizer(services),
                                   base_url=services.base_url, channel_url=channel_url, method=method)
            subject, body = _invitation_text(ws, consortium, method, channel_url)
        message = build_invitation(
            from_addr=_organizer(services), from_name="Consortia", to_addr=person.email,
            to_name=person.display_name or person.username, subject=subject, text_body=body, ics=ics,
            method=method, filename=f"session-{ws.number}.ics", language=locale,
        )
    try:
        sender.send(message)
    except Exception as error:
        if getattr(error, "recipients", None) and not getattr(error, "retryable", False):
            raise Permanent(f"the address of person #{payload['person_id']} was refused: {error}") from None
        raise


# --------------------------------------------------------------------------- reminders


@periodic("session.reminders", timedelta(minutes=10))
def reminders(services, now) -> int:
    """Queue a reminder post, in the card's thread, for each session starting within a day."""
    queued = 0
    with services.db.transaction() as session:
        for ws in sessions_service.due_reminders(session, now):
            consortium = session.get(Consortium, ws.consortium_id)
            if consortium is None or consortium.archived_at is not None:
                continue
            with use_locale(services.settings.locale):
                when = format_date(sessions_service.starts(ws), tz=ZoneInfo(ws.timezone), with_time=True)
                text = _("⏰ Reminder: **{title}** (session {n}) is tomorrow, {when}.",
                         title=escape_markdown(ws.title), n=ws.number, when=when)
                if ws.location:
                    text += "\n" + _("Place: {place}", place=escape_markdown(ws.location))
                if ws.video_url:
                    text += "\n" + _("Video link: {url}", url=ws.video_url)
            payload = {"consortium_id": consortium.id, "message": text}
            if ws.card_post_id:
                payload["root_id"] = ws.card_post_id
            queue(session, "mattermost.post", payload, consortium_id=consortium.id,
                  dedupe_key=f"session.reminder:{ws.uid}:{ws.sequence}")
            ws.reminder_sent_at = now
            queued += 1
    return queued
