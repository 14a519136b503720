"""Subscribable ICS feeds with ETag / 304 (the sessions feature's feeds: who may read one in
``plugin/features/sessions/feeds.py``; their bytes are built when sessions change and stored,
``delivery.py``)."""
from __future__ import annotations

import hmac
from datetime import datetime
from typing import Callable

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from integrations.calendar.ics import etag_for
from models import Person
from plugin.features.sessions import delivery
from plugin.features.sessions.feeds import FEEDS, feed_etag, may_read_feed
from plugin.kernel.lookup import consortium_by_slug

blueprint = Blueprint("calendars", __name__, url_prefix="/calendars")


def ics_response(body: bytes | Callable[[], tuple[bytes, datetime]], filename: str,
                 etag: str | None = None) -> Response:
    """The feed, or ``304 Not Modified``; ``body`` may be a function giving the bytes and when they
    were built, called only for a 200 (a 304 is decided from the ETag alone: nothing is read)."""
    built_at = None
    if etag is None:
        body, built_at = body() if callable(body) else (body, None)
        etag = etag_for(body)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
    else:
        if callable(body):
            body, built_at = body()
        response = Response(body, mimetype="text/calendar")   # the stored bytes as they are
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        if built_at is not None:
            response.last_modified = built_at
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _served(services, session, name: str, found: tuple[str, Callable[[], bytes]], filename: str) -> Response:
    """A 304 from the fingerprint alone; otherwise the bytes: in this process's cache, else as stored."""
    key, build = found
    body = lambda: FEEDS.get_or_build(key, lambda: delivery.feed_body(services, session, name, key, build))  # noqa: E731
    return ics_response(body, filename, feed_etag(key))


@blueprint.get("/<slug>/<token>.ics")
def consortium_calendar(slug: str, token: str):
    services = current_app.extensions["consortia"]
    with services.db.reader() as session:
        consortium = consortium_by_slug(session, slug[:64])
        # Same answer for an unknown slug, a wrong token and a member who left: nothing to probe.
        if consortium is None or not may_read_feed(session, consortium, token[:128]):
            abort(404)
        return _served(services, session, f"c:{consortium.id}", delivery.consortium_feed(services, session, consortium),
                       f"{consortium.slug}.ics")


@blueprint.get("/me/<token>.ics")
def personal_calendar(token: str):
    """A person's own feed: the sessions of all their consortiums (secret, revocable token)."""
    services = current_app.extensions["consortia"]
    token = token[:128]
    with services.db.reader() as session:
        person = session.scalar(select(Person).where(Person.personal_feed_token == token,
                                                     Person.erased_at.is_(None))) if token else None
        # Someone who left every consortium has no calendar any more (their link answers 404).
        found = delivery.personal_feed(services, session, person) if person is not None else None
        if found is not None and hmac.compare_digest(person.personal_feed_token.encode(), token.encode()):
            return _served(services, session, f"p:{person.id}", found, "consortia.ics")
    # A consortium whose slug happens to be "me" keeps its own feed (404 otherwise).
    return consortium_calendar("me", token)
