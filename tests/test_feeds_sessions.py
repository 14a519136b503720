"""ICS feeds of sessions: the consortium's feed (ETag/304) and each person's own feed (secret, revocable)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import requests
from icalendar import Calendar

from integrations.calendar.ics import parse_events
from tests.helpers.sessions import PARIS, feed_of, next_year, setup_consortium, vobject_events

YEAR = next_year()


def personal_url(net, username: str, *, channel: str, new: bool = False) -> str:
    reply = net.reply(username, "/session abonner --nouveau-lien" if new else "/session abonner --moi",
                      channel=channel)
    match = re.search(r"(http://\S+/calendars/me/\S+\.ics)", reply)
    assert match, reply
    assert "webcal://" in reply
    return match.group(1)


def test_consortium_feed_has_etag_and_answers_304_until_something_changes(net):
    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    first, body = feed_of(net, "alimentation-durable")
    etag = first.headers["ETag"]
    assert first.headers["Content-Type"].startswith("text/calendar")
    again = requests.get(first.url, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    assert requests.get(first.url, timeout=5).content == body  # byte-stable

    net.reply("ines", f"/session deplacer 1 11/12/{YEAR} 14h", channel=channel["id"])
    changed = requests.get(first.url, headers={"If-None-Match": etag}, timeout=5)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    [event] = parse_events(changed.content)
    assert event["start"] == datetime(YEAR, 12, 11, 14, 0, tzinfo=PARIS) and event["sequence"] == 1
    # The second parser reads the same event, at the same moment.
    [vevent] = vobject_events(changed.content)
    assert vevent.dtstart.value == datetime(YEAR, 12, 11, 14, 0, tzinfo=PARIS)
    assert vevent.valarm.trigger.value.days == -1


def test_wrong_token_or_slug_is_404(net):
    setup_consortium(net, members="@ines")
    base = net.server.url
    assert requests.get(f"{base}/calendars/alimentation-durable/wrong.ics", timeout=5).status_code == 404
    assert requests.get(f"{base}/calendars/nope/wrong.ics", timeout=5).status_code == 404
    assert requests.get(f"{base}/calendars/me/wrong.ics", timeout=5).status_code == 404


def test_consortium_subscribe_link(net):
    channel = setup_consortium(net, members="@ines")
    reply = net.reply("ines", "/session abonner", channel=channel["id"])
    assert "webcal://" in reply and "/calendars/alimentation-durable/" in reply
    assert "Nextcloud" in reply
    url = re.search(r"(http://\S+\.ics)", reply).group(1)
    assert requests.get(url, timeout=5).status_code == 200
    outside = net.reply("outsider", "/session abonner")
    assert "Quel consortium" in outside


def test_personal_feed_spans_consortiums_and_can_be_revoked(net):
    food = setup_consortium(net, "Alimentation durable", members="@ines @samir")
    mobility = setup_consortium(net, "Mobilité", members="@ines @lea")
    net.reply("ines", f'/session planifier "Diagnostic alimentation" 10/12/{YEAR} 14h', channel=food["id"])
    net.reply("ines", f'/session planifier "Diagnostic mobilité" 11/12/{YEAR} 9h', channel=mobility["id"])

    url = personal_url(net, "ines", channel="town-square")  # works outside any consortium channel
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    summaries = sorted(e["summary"] for e in parse_events(response.content))
    assert summaries == ["Diagnostic alimentation", "Diagnostic mobilité"]
    assert len(vobject_events(response.content)) == 2
    cal = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    etag = response.headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=5).status_code == 304

    # Samir only sees his consortium's session
    samir = requests.get(personal_url(net, "samir", channel=food["id"]), timeout=5)
    assert [e["summary"] for e in parse_events(samir.content)] == ["Diagnostic alimentation"]

    # A new link revokes the old one
    new_url = personal_url(net, "ines", channel="town-square", new=True)
    assert new_url != url
    assert requests.get(url, timeout=5).status_code == 404
    assert requests.get(new_url, timeout=5).status_code == 200


def test_feed_follows_membership(net):
    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    first, _body = feed_of(net, "alimentation-durable")
    # Feeds name people, never their addresses.
    assert {a["name"] for a in parse_events(first.content)[0]["attendees"]} == {"ines", "samir"}
    net.reply("admin", "/consortium ajouter @lea", channel=channel["id"])
    second = requests.get(first.url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert second.status_code == 200
    assert "lea" in {a["name"] for a in parse_events(second.content)[0]["attendees"]}


def test_english_user_gets_english_replies(net):
    channel = setup_consortium(net, members="@ines")
    net.reply("ines", "/consortium langue en")
    reply = net.reply("ines", f'/session plan "Shared diagnosis" 10/12/{YEAR} 2pm --duration 1h30',
                      channel=channel["id"])
    assert "Session 1 planned" in reply and "December" in reply and "2:00" in reply
    listing = net.reply("ines", "/session list", channel=channel["id"])
    assert "Shared diagnosis" in listing and "upcoming session" in listing


def _feed(net, url: str, etag: str | None = None) -> requests.Response:
    headers = {"If-None-Match": etag} if etag else {}
    return requests.get(url, headers=headers, timeout=5)


def _rebuilt_without_caches(url: str) -> bytes:
    """The same feed built from nothing: no cached feed, no cached event."""
    from integrations.calendar import ics
    from plugin.features.sessions.feeds import FEEDS

    FEEDS.clear()
    ics.EVENT_CACHE.clear()
    return requests.get(url, timeout=5).content


def test_feed_follows_answers_moves_minutes_and_cancellations_with_caches_warm(net):
    """Every change reaches the feed although the feed and each event's bytes are cached."""
    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    net.reply("ines", f'/session planifier "Restitution" 17/12/{YEAR} 9h', channel=channel["id"])
    net.deliver()
    first, body = feed_of(net, "alimentation-durable")
    url, etag = first.url, first.headers["ETag"]
    assert _feed(net, url).content == body  # cached now

    def current(previous_etag: str) -> tuple[dict, dict, str]:
        response = _feed(net, url, previous_etag)
        assert response.status_code == 200 and response.headers["ETag"] != previous_etag
        # Same bytes as a build from scratch, and both parsers read it.
        assert _rebuilt_without_caches(url) == response.content
        assert len(vobject_events(response.content)) == 2
        events = {e["summary"]: e for e in parse_events(response.content)}
        return events["Diagnostic"], events["Restitution"], response.headers["ETag"]

    # An answer (the card's button)
    card = next(p for p in net.emulator.posts(channel["id"]) if "Diagnostic" in p["message"])
    assert net.emulator.click(card["id"], "sessionyes", "samir")["status"] == 200
    diagnostic, restitution, etag = current(etag)
    assert {a["name"]: a["partstat"] for a in diagnostic["attendees"]}["samir"] == "ACCEPTED"
    assert {a["partstat"] for a in restitution["attendees"]} == {"NEEDS-ACTION"}

    # A move: new time, new sequence, everyone answers again
    net.reply("ines", f"/session deplacer 1 11/12/{YEAR} 15h", channel=channel["id"])
    diagnostic, _restitution, etag = current(etag)
    assert diagnostic["start"] == datetime(YEAR, 12, 11, 15, 0, tzinfo=PARIS) and diagnostic["sequence"] == 1
    assert {a["partstat"] for a in diagnostic["attendees"]} == {"NEEDS-ACTION"}

    # Minutes
    net.reply("samir", '/session compte-rendu 2 "Décisions : chef de file = ACI Lyon"', channel=channel["id"])
    _diagnostic, restitution, etag = current(etag)
    assert "chef de file = ACI Lyon" in restitution["description"]

    # A cancellation
    net.reply("ines", "/session annuler 1", channel=channel["id"])
    diagnostic, restitution, etag = current(etag)
    assert diagnostic["status"] == "CANCELLED" and diagnostic["alarms"] == []
    assert restitution["status"] == "CONFIRMED" and "chef de file" in restitution["description"]
    assert _feed(net, url, etag).status_code == 304


def test_not_modified_builds_nothing(net, monkeypatch):
    """A calendar polling with its ETag gets 304 without the feed being built."""
    from plugin.features.sessions import render
    from plugin.features.sessions.feeds import FEEDS

    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    first, body = feed_of(net, "alimentation-durable")
    food = personal_url(net, "ines", channel=channel["id"])
    mine = requests.get(food, timeout=5)

    def refuse(*args, **kwargs):
        raise AssertionError("the feed was built for a 304")

    FEEDS.clear()
    monkeypatch.setattr(render, "consortium_feed", refuse)
    monkeypatch.setattr(render, "personal_feed", refuse)
    again = _feed(net, first.url, first.headers["ETag"])
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]
    assert _feed(net, food, mine.headers["ETag"]).status_code == 304
    monkeypatch.undo()
    # ...and a 200 still carries that same ETag with the same bytes.
    full = _feed(net, first.url)
    assert full.status_code == 200 and full.content == body and full.headers["ETag"] == first.headers["ETag"]


def test_feeds_are_built_when_sessions_change_and_read_as_stored(net, monkeypatch):
    """After a change, the outbox builds and stores the consortium's feed and each subscriber's own
    feed: a process that has built nothing (a restart) serves them without building; a change
    that is not a session's (a new member) makes them stale, and the next read builds them again."""
    from sqlalchemy import select

    from models import CalendarFeed, Consortium, Person
    from plugin.features.sessions import render
    from plugin.features.sessions.feeds import FEEDS

    channel = setup_consortium(net, members="@ines @samir")
    food = personal_url(net, "ines", channel=channel["id"])
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    net.deliver()
    with net.db() as session:
        stored = {row.key: row.body for row in session.scalars(select(CalendarFeed))}
        ines, consortium = session.scalar(select(Person.id).where(Person.username == "ines")), session.scalar(
            select(Consortium.id))
    assert {f"c:{consortium}", f"p:{ines}"} <= set(stored)
    assert all(b"SUMMARY:Diagnostic" in body for body in stored.values())

    def refuse(*args, **kwargs):
        raise AssertionError("a stored feed was built again on a read")

    FEEDS.clear()   # as after a restart
    monkeypatch.setattr(render, "consortium_feed", refuse)
    monkeypatch.setattr(render, "personal_feed", refuse)
    response, body = feed_of(net, "alimentation-durable")
    assert body in stored.values()
    mine = requests.get(food, timeout=5)
    assert mine.status_code == 200 and mine.content in stored.values() and mine.content != body

    net.reply("admin", "/consortium ajouter @lea", channel=channel["id"])
    with pytest.raises(AssertionError):   # lea is an attendee now: the stored bytes are stale
        feed_of(net, "alimentation-durable")
    monkeypatch.undo()
    fresh, body = feed_of(net, "alimentation-durable")
    assert "lea" in [a["name"] for a in parse_events(body)[0]["attendees"]]
    assert fresh.headers["ETag"] != response.headers["ETag"]


def test_a_poll_reads_the_feed_stamp_only_and_a_200_the_stored_bytes_once(net):
    """A 304 is decided from the consortium's feed stamp, read with the token's check in one statement:
    the stored bytes are not read. A 200 reads them once (then this process keeps them) and says
    when they were built."""
    from email.utils import parsedate_to_datetime

    from sqlalchemy import event, select

    from models import CalendarFeed
    from plugin.features.sessions.feeds import FEEDS
    from plugin.kernel.text import aware

    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    net.deliver()
    first, body = feed_of(net, "alimentation-durable")
    etag = first.headers["ETag"]
    issued: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")):
            issued.append(statement)

    FEEDS.clear()   # as after a restart
    event.listen(net.services.db.engine, "before_cursor_execute", record)
    try:
        polled = requests.get(first.url, headers={"If-None-Match": etag}, timeout=5)
        polls, issued[:] = list(issued), []
        full = requests.get(first.url, timeout=5)
        reads, issued[:] = list(issued), []
        again = requests.get(first.url, timeout=5)
    finally:
        event.remove(net.services.db.engine, "before_cursor_execute", record)
    # the consortium, its feed stamp and the token's member, in one statement (it was three: the
    # consortium, the sessions' and answers' aggregates, the members)
    assert polled.status_code == 304 and polled.headers["ETag"] == etag and len(polls) == 1
    assert polled.headers["Cache-Control"] == "private, max-age=300"
    assert not any("calendar_feeds" in statement for statement in polls)
    # the same, and the stored bytes (current ones only)
    assert full.status_code == 200 and full.content == body and full.headers["ETag"] == etag and len(reads) == 2
    assert sum("calendar_feeds" in statement for statement in reads) == 1
    with net.db() as session:   # when the outbox built them
        stored = session.scalar(select(CalendarFeed.built_at).where(CalendarFeed.key.startswith("c:")))
    assert parsedate_to_datetime(full.headers["Last-Modified"]) == aware(stored).replace(microsecond=0)
    assert again.content == body and len(issued) == 1   # this process keeps them now
    assert again.headers["Last-Modified"] == full.headers["Last-Modified"]
