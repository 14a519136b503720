"""The copy of a person's data, made when delivered and sent to them by direct message (their language)."""
from __future__ import annotations

from models import Person
from plugin.delivery import DeliveryContext, Permanent
from plugin.delivery.mattermost import attach_once, client_of
from plugin.i18n import use_locale
from plugin.kernel.events import decode
from plugin.kernel.languages import person_locale

from plugin.features.privacy.events import CopyRequested
from plugin.features.privacy.people import export_person
from plugin.features.privacy.render import copy_file, copy_message


def copy(ctx: DeliveryContext, payload: dict) -> None:
    event = decode(payload, (CopyRequested,))
    with ctx.services.db.reader() as session:
        person = session.get(Person, event.person_id)
        if person is None or person.erased_at is not None:
            raise Permanent("the person's data is gone")
        username, content = person.username, copy_file(export_person(session, person))
        locale = person_locale(ctx.services.settings, person)
    channel = client_of(ctx).direct_channel(event.user_id)["id"]
    with use_locale(locale):
        attach_once(ctx, channel, lambda: [(f"consortia-{username}.json", content)], copy_message())


DELIVERERS = {"privacy.copy": copy}
