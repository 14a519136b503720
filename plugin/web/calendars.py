"""Subscribable ICS feeds with ETag / 304 (the sessions feature's feeds, ``plugin/features/sessions/feeds.py``)."""
from __future__ import annotations

import hmac
from typing import Callable

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from integrations.calendar.ics import etag_for
from models import Person
from plugin.features.sessions import render
from plugin.features.sessions.feeds import (
    FEEDS, channel_link, feed_etag, feed_rows, fingerprint, may_read_feed, person_consortia,
)
from plugin.i18n import use_locale
from plugin.kernel.lookup import consortium_by_slug

blueprint = Blueprint("calendars", __name__, url_prefix="/calendars")


def ics_response(body: bytes | Callable[[], bytes], filename: str, etag: str | None = None) -> Response:
    """The feed, or ``304 Not Modified``; ``body`` may be a function, called only for a 200."""
    if etag is None:
        body = body() if callable(body) else body
        etag = etag_for(body)
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
    else:
        response = Response(body() if callable(body) else body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blueprint.get("/<slug>/<token>.ics")
def consortium_calendar(slug: str, token: str):
    services = current_app.extensions["consortia"]
    with services.db.reader() as session:
        consortium = consortium_by_slug(session, slug[:64])
        # Same answer for an unknown slug, a wrong token and a member who left: nothing to probe.
        if consortium is None or not may_read_feed(session, consortium, token[:128]):
            abort(404)
        build, etag = _consortium_body(services, session, consortium)
        return ics_response(build, f"{consortium.slug}.ics", etag)


def _channel_url(services, consortium) -> str:
    settings = services.settings
    return channel_link(settings.mattermost_url, settings.mattermost_team, consortium)


def _events(session, consortia: dict, channel_urls: dict[int, str]) -> list:
    rows, answers, members = feed_rows(session, list(consortia))
    return render.feed_events(consortia, rows, answers, members, channel_urls)


def _consortium_body(services, session, consortium) -> tuple[Callable[[], bytes], str]:
    """The feed's ETag (from its fingerprint, nothing built) and how to get its bytes."""
    settings = services.settings
    channel_url = _channel_url(services, consortium)
    key = "c:" + fingerprint(session, [consortium.id], consortium.name, consortium.timezone, settings.locale,
                             services.base_url, channel_url)

    def build() -> bytes:
        with use_locale(settings.locale):
            events = _events(session, {consortium.id: consortium}, {consortium.id: channel_url})
            return render.consortium_feed(consortium, events)

    return (lambda: FEEDS.get_or_build(key, build)), feed_etag(key)


@blueprint.get("/me/<token>.ics")
def personal_calendar(token: str):
    """A person's own feed: the sessions of all their consortiums (secret, revocable token)."""
    services = current_app.extensions["consortia"]
    settings = services.settings
    token = token[:128]
    with services.db.reader() as session:
        person = session.scalar(select(Person).where(Person.personal_feed_token == token,
                                                     Person.erased_at.is_(None))) if token else None
        consortia_list = person_consortia(session, person) if person is not None else []
        # Someone who left every consortium has no calendar any more (their link answers 404).
        if consortia_list and hmac.compare_digest(person.personal_feed_token.encode(), token.encode()):
            channel_urls = {c.id: _channel_url(services, c) for c in consortia_list}
            locale = person.locale or settings.locale
            key = "p:" + fingerprint(session, list(channel_urls), person.id, locale, services.base_url,
                                     sorted(channel_urls.items()), [(c.id, c.name, c.timezone) for c in consortia_list],
                                     settings.timezone)

            def build() -> bytes:
                with use_locale(locale):
                    events = _events(session, {c.id: c for c in consortia_list}, channel_urls)
                    return render.personal_feed(events, settings.timezone)

            return ics_response(lambda: FEEDS.get_or_build(key, build), "consortia.ics", feed_etag(key))
    # A consortium whose slug happens to be "me" keeps its own feed (404 otherwise).
    return consortium_calendar("me", token)
