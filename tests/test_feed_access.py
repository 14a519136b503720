"""Who can read a consortium's calendar: each member with their own link, nobody once they have left.

Links are read through real HTTP and the feeds parsed (icalendar); the feeds name people
without their e-mail addresses.
"""
from __future__ import annotations

import re

import requests
from icalendar import Calendar

from tests.conftest import API_TOKEN
from tests.helpers.sessions import next_year, setup_consortium

YEAR = next_year()
LINK = re.compile(r"(http://\S+/calendars/\S+\.ics)")


def link_of(net, username: str, text: str, channel: str) -> str:
    reply = net.reply(username, text, channel=channel)
    match = LINK.search(reply)
    assert match, reply
    return match.group(1)


def status(url: str) -> int:
    return requests.get(url, timeout=10).status_code


def test_each_member_has_an_own_link_that_dies_when_they_are_removed(net):
    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel)
    ines = link_of(net, "ines", "/session abonner", channel)
    samir = link_of(net, "samir", "/session abonner", channel)
    assert ines != samir
    assert "/calendars/alimentation-durable/" in ines
    assert status(ines) == 200 and status(samir) == 200
    assert link_of(net, "ines", "/consortium info", channel) == ines  # the same own link everywhere

    reply = net.reply("admin", "/consortium retirer @ines", channel=channel)
    assert "@ines" in reply
    assert status(ines) == 404
    assert status(samir) == 200  # the others keep reading

    # Back in the consortium: a new link; the old one stays dead.
    net.reply("admin", "/consortium ajouter @ines", channel=channel)
    again = link_of(net, "ines", "/session abonner", channel)
    assert again != ines and status(again) == 200 and status(ines) == 404


def test_the_personal_feed_dies_when_the_person_leaves_every_consortium_or_is_erased(net):
    food = setup_consortium(net, "Alimentation durable", members="@ines @samir")["id"]
    mobility = setup_consortium(net, "Mobilité", members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=food)
    ines_me = link_of(net, "ines", "/session abonner --moi", food)
    samir_me = link_of(net, "samir", "/session abonner --moi", food)
    samir_food = link_of(net, "samir", "/session abonner", food)
    assert status(ines_me) == 200 and status(samir_me) == 200

    net.reply("admin", "/consortium retirer @ines", channel=food)
    assert status(ines_me) == 200  # still in "Mobilité"
    net.reply("admin", "/consortium retirer @ines", channel=mobility)
    assert status(ines_me) == 404
    net.reply("admin", "/consortium ajouter @ines", channel=mobility)
    assert status(ines_me) == 404  # a person who comes back asks for a new link

    erased = requests.delete(f"{net.server.url}/api/v1/people/samir",
                             headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert erased.status_code == 200
    assert status(samir_me) == 404 and status(samir_food) == 404


def test_shared_posts_carry_no_feed_link(net):
    channel = setup_consortium(net, members="@ines @samir")
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel["id"])
    net.deliver()
    header = net.channel_of("alimentation-durable")["header"]
    assert "/calendars/" not in header and "/session abonner" in header
    posts = net.emulator.posts(channel["id"]) if hasattr(net.emulator, "posts") else []
    pinned = net.emulator.pinned(channel["id"])
    for post in [*posts, *pinned]:
        text = post["message"] + repr(post.get("props") or {})
        assert "/calendars/" not in text, text


def test_feeds_carry_no_e_mail_address(net):
    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel)
    net.deliver()
    for url in (link_of(net, "ines", "/session abonner", channel),
                link_of(net, "ines", "/session abonner --moi", channel)):
        response = requests.get(url, timeout=10)
        assert response.status_code == 200
        body = response.content.decode()
        assert "@example.org" not in body and "mailto:" not in body.lower()
        [event] = Calendar.from_ical(response.content).walk("VEVENT")
        attendees = event.get("attendee")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        names = {str(a.params.get("CN")) for a in attendees}
        assert {"ines", "samir"} <= names
        assert all(str(a).startswith("urn:uuid:") for a in attendees)
        assert event.get("organizer") is None


def test_headers_and_welcome_posts_of_an_upgraded_database_lose_their_old_link(net, tmp_path):
    """Migration 0012 renews the shared token and queues a re-rendering of the texts that showed it."""
    from sqlalchemy import select, text

    from models import Consortium
    from models.db import make_engine
    from models.migrate import upgrade
    from plugin.kernel.outbox import queue

    # What 0012 does to an upgraded database with a provisioned consortium.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO networks (id, team_name, name, created_at) VALUES (1, 't', 'T', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO consortia (id, network_id, name, name_key, slug, theme, purpose, stage, is_public, timezone,"
            " channel_id, feed_token, reminders_enabled, created_at, updated_at, last_activity_at)"
            " VALUES (1, 1, 'Mobilité', 'mobilite', 'mobilite', '', '', 'emergence', 0, 'Europe/Paris',"
            " 'chan', 'old-shared-token', 1, '2026-01-01', '2026-01-01', '2026-01-01')"))
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT feed_token FROM consortia")).scalar() != "old-shared-token"
        assert connection.execute(text("SELECT kind FROM outbox")).scalars().all() == ["provision.refresh_texts"]
    engine.dispose()

    # What the worker then does to the channel.
    channel = setup_consortium(net, members="@ines")
    with net.db() as session:
        consortium = session.scalar(select(Consortium))
        old = f"{net.server.url}/calendars/{consortium.slug}/{consortium.feed_token}.ics"
    net.services.mattermost().patch_channel(channel["id"], header=f"📅 [Calendrier]({old})")
    net.services.mattermost().update_post(net.emulator.pinned(channel["id"])[0]["id"], message=f"Calendrier : {old}")
    with net.db() as session:
        queue(session, "provision.refresh_texts", {"consortium_id": consortium.id}, consortium_id=consortium.id)
    net.deliver()
    assert "/calendars/" not in net.channel_of("alimentation-durable")["header"]
    [welcome] = net.emulator.pinned(channel["id"])
    assert "/calendars/" not in welcome["message"] and "/session abonner" in welcome["message"]
