"""Subscribable ICS feeds with ETag / 304 (the sessions feature's feeds: who may read one in
``plugin/features/sessions/feeds.py``; their bytes are built when sessions change and stored,
``delivery.py``).

A poll is one indexed statement: the feed's stamp with the token's check; a ``304`` is decided from
it alone. A 200 serves the bytes as stored, gzip-coded when the client accepts it (calendar clients
do), each coding with its own strong ETag (``Vary: Accept-Encoding``).
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.orm import Session

from plugin.features.sessions import delivery
from plugin.features.sessions.feeds import FEEDS, consortium_stamp, feed_etag, personal_stamps
from plugin.web.coding import gzip_accepted

blueprint = Blueprint("calendars", __name__, url_prefix="/calendars")

_CACHE_CONTROL = "private, max-age=300"


def _served(services, name: str, key: str, build: Callable[[Session], bytes], filename: str) -> Response:
    """A 304 from the key alone; otherwise the bytes: in this process's cache, else as stored (built
    when stale)."""
    coding = "gzip" if gzip_accepted() else ""
    etag = feed_etag(key, coding)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
    else:
        feed = FEEDS.get(key, coding) or FEEDS.put(key, coding, delivery.feed_bytes(services, name, key, coding, build))
        response = Response(feed.data, mimetype="text/calendar")  # as stored
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        if coding:
            response.headers["Content-Encoding"] = coding
        response.last_modified = feed.built_at   # 304s are decided by the ETag only
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = _CACHE_CONTROL
    return response


@blueprint.get("/<slug>/<token>.ics")
def consortium_calendar(slug: str, token: str):
    services = current_app.extensions["consortia"]
    with services.db.reading() as connection:
        # Same answer for an unknown slug, a wrong token and a member who left: nothing to probe.
        found = consortium_stamp(connection, slug[:64], token[:128])
    if found is None:
        abort(404)
    consortium_id, slug, stamp = found
    return _served(services, f"c:{consortium_id}", delivery.consortium_key(services, consortium_id, stamp),
                   lambda session: delivery.consortium_feed(services, session, consortium_id), f"{slug}.ics")


@blueprint.get("/me/<token>.ics")
def personal_calendar(token: str):
    """A person's own feed: the sessions of all their consortiums (secret, revocable token)."""
    services = current_app.extensions["consortia"]
    with services.db.reading() as connection:
        # Someone who left every consortium has no calendar any more (their link answers 404).
        found = personal_stamps(connection, token[:128])
    if found is not None:
        person_id, locale, stamps = found
        return _served(services, f"p:{person_id}", delivery.personal_key(services, person_id, locale, stamps),
                       lambda session: delivery.personal_feed(services, session, person_id), "consortia.ics")
    # A consortium whose slug happens to be "me" keeps its own feed (404 otherwise).
    return consortium_calendar("me", token)
