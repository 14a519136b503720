"""Subscribable ICS feeds with ETag / 304."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request

from integrations.calendar.ics import etag_for
from plugin.i18n import use_locale
from plugin.services import consortia
from plugin.services.calendar_feed import consortium_feed

blueprint = Blueprint("calendars", __name__, url_prefix="/calendars")


def ics_response(body: bytes, filename: str) -> Response:
    etag = etag_for(body)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blueprint.get("/<slug>/<token>.ics")
def consortium_calendar(slug: str, token: str):
    services = current_app.extensions["consortia"]
    with services.db.reader() as session:
        consortium = consortia.find_by_slug(session, slug[:64])
        # Same answer for an unknown slug and a wrong token: nothing to probe.
        if consortium is None or not hmac.compare_digest(consortium.feed_token.encode(), token.encode()):
            abort(404)
        with use_locale(services.settings.locale):
            body = consortium_feed(session, consortium, organizer_email=services.settings.mail_from or
                                   "consortia@localhost", base_url=services.base_url)
    return ics_response(body, f"{consortium.slug}.ics")
