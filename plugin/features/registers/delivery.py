"""The registers' deliveries, rendered when delivered in their reader's language: the news of a
commitment recorded through the form (the channel's language), the CSV exports (the asker's
language for the file, the channel's for its line) and the due-date reminders (each person's)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Commitment, Consortium, Person
from plugin.delivery import DeliveryContext, Permanent
from plugin.delivery.mattermost import attach_once, channel_of, direct_message_once, post_once
from plugin.i18n import use_locale
from plugin.kernel.events import decode
from plugin.kernel.languages import channel_locale, person_locale

from plugin.features.registers import events as ev
from plugin.features.registers import render
from plugin.features.registers.commitments import due_soon, listing
from plugin.features.registers.roles import Holder, assignments, holder_of


def news(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (ev.CommitmentRecorded,))
    with use_locale(channel_locale(ctx.services.settings)):
        line = render.summary_line(event.number, Holder(event.person, event.organisation), event.description,
                                   event.kind, Decimal(event.amount) if event.amount is not None else None,
                                   event.unit, date.fromisoformat(event.due) if event.due else None)
        text = render.new_commitment(event.actor, line)
    post_once(ctx, "post", channel_of(ctx, {"consortium_id": event.consortium_id}), text)


def export(ctx: DeliveryContext, payload: dict) -> None:
    """The file in the asker's language, posted in the channel with a line in the channel's."""
    event = decode(payload, (ev.RegisterExported,))
    at = datetime.fromisoformat(event.at)

    def consortium_of(session: Session) -> Consortium:
        consortium = session.get(Consortium, event.consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        return consortium

    def files() -> list[tuple[str, bytes]]:
        # the asker's language; "--point-virgule" asks for French spreadsheets' conventions whatever it is
        conventions = "fr" if event.semicolon else event.locale
        with ctx.services.db.reader() as session, use_locale(event.locale):
            consortium = consortium_of(session)
            tz = ZoneInfo(consortium.timezone)
            if event.register == "roles":
                content = render.roles_csv(assignments(session, consortium, include_ended=True),
                                           locale=conventions, tz=tz)
                name = f"roles-{consortium.slug}-{at.strftime('%Y%m%d')}.csv"
            else:
                content = render.commitments_csv(listing(session, None, consortium, limit=100_000).items,
                                                 locale=conventions, tz=tz)
                name = f"engagements-{consortium.slug}-{at.strftime('%Y%m%d')}.csv"
            return [(name, content)]

    with ctx.services.db.reader() as session:
        consortium_name = consortium_of(session).name
    with use_locale(channel_locale(ctx.services.settings)):
        message = render.export_post(event.register, consortium_name, event.actor)
    attach_once(ctx, channel_of(ctx, {"consortium_id": event.consortium_id}), files, message)


def due_reminder(ctx: DeliveryContext, payload: dict) -> None:
    """A responsible person's direct message, in their language as it is when delivered."""
    with ctx.services.db.reader() as session:
        commitment = session.get(Commitment, payload["commitment_id"])
        person = session.get(Person, payload["person_id"])
        if commitment is None or person is None or person.erased_at is not None or not person.mattermost_user_id:
            raise Permanent("the commitment or the person is gone")
        consortium = session.get(Consortium, commitment.consortium_id)
        with use_locale(person_locale(ctx.services.settings, person)):
            text = render.reminder(commitment, holder_of(session, commitment), consortium)
        user_id = person.mattermost_user_id
    direct_message_once(ctx, "dm", user_id, text)


def digest_lines(session: Session, consortium: Consortium, today: date) -> list[str]:
    """Markdown lines for the consortium's weekly digest (in the current locale)."""
    return [render.digest_line(item, today) for item in due_soon(session, consortium, today)]


DELIVERERS = {
    "registers.news": news,
    "registers.export": export,
    "registers.due_reminder": due_reminder,
}
