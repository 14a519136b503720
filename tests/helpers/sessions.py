"""Working sessions: a consortium to plan in, its feed, its CalDAV events, its cards and invitations."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import requests
import vobject
from icalendar import Calendar
from sqlalchemy import select

from integrations.calendar.caldav_client import CalDAVClient
from integrations.calendar.ics import parse_events
from models import Consortium

PARIS = ZoneInfo("Europe/Paris")


def next_year() -> int:
    return datetime.now(PARIS).year + 1


def setup_consortium(net, name="Alimentation durable", members="@ines @samir @lea"):
    net.reply("admin", f'/consortium creer "{name}" --membres {members}')
    net.deliver()
    from plugin.features.consortium.api import slugify

    channel = net.channel_of(slugify(name))
    assert channel is not None
    return channel


def feed_of(net, slug: str) -> tuple[requests.Response, bytes]:
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
        url = f"{net.server.url}/calendars/{consortium.slug}/{consortium.feed_token}.ics"
    response = requests.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return response, response.content


def vobject_events(data: bytes) -> list:
    """Parse with a second, independent parser (vobject), which validates the structure too."""
    cal = vobject.readOne(data.decode("utf-8"), validate=True)
    return list(getattr(cal, "vevent_list", []))


def caldav_events(server, slug: str) -> list[dict]:
    client = CalDAVClient(server.url, server.username, server.password)
    try:
        return [event for body in client.report_events(f"consortia-{slug}") for event in parse_events(body)]
    finally:
        client.close()


def card_of(net, channel_id: str) -> dict:
    cards = [p for p in net.emulator.posts(channel_id)
             if any(a.get("actions") for a in (p.get("props") or {}).get("attachments") or [])
             or "~~" in p["message"]]
    assert cards, [p["message"] for p in net.emulator.posts(channel_id)]
    return cards[-1]


def calendar_part(message) -> Calendar:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))
