"""A feed's ETag is its consortium's feed stamp, kept by database triggers: every change the feed
shows moves it (seen through HTTP: a calendar polling with its last ETag gets the new bytes), and
what the feed does not show leaves it (the poll stays a 304)."""
from __future__ import annotations

import dataclasses
import gzip
import re
from datetime import timedelta

import requests
from sqlalchemy import text, update

from integrations.calendar.ics import parse_events
from tests.conftest import API_TOKEN
from tests.helpers.sessions import feed_of, next_year, setup_consortium

YEAR = next_year()
SLUG = "alimentation-durable"


class Calendar:
    """A calendar client subscribed to one feed: it polls with its last ETag, as clients do."""

    def __init__(self, url: str):
        self.url = url
        first = requests.get(url, timeout=5)
        assert first.status_code == 200
        self.etag, self.body = first.headers["ETag"], first.content

    def poll(self) -> requests.Response:
        return requests.get(self.url, headers={"If-None-Match": self.etag}, timeout=5)

    def changed(self) -> list[dict]:
        """The feed changed since the last poll: a 200, a new ETag, new bytes. Its events."""
        response = self.poll()
        assert response.status_code == 200, "the feed stayed as it was after a change it shows"
        assert response.headers["ETag"] != self.etag and response.content != self.body
        self.etag, self.body = response.headers["ETag"], response.content
        return parse_events(response.content)

    def unchanged(self) -> None:
        assert self.poll().status_code == 304


def _attendees(events: list[dict], summary: str) -> dict[str, str]:
    return {a["name"]: a["partstat"] for a in next(e for e in events if e["summary"] == summary)["attendees"]}


def _personal(net, username: str, channel: str) -> str:
    reply = net.reply(username, "/session abonner --moi", channel=channel)
    return re.search(r"(http://\S+/calendars/me/\S+\.ics)", reply).group(1)


def test_each_change_a_feed_shows_moves_its_etag(net):
    from models import Person, utcnow

    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h --ordre-du-jour "Tour de table"',
              channel=channel)
    consortium = Calendar(feed_of(net, SLUG)[0].url)
    mine = Calendar(_personal(net, "samir", channel))
    assert "Tour de table" in parse_events(consortium.body)[0]["description"]

    # A session planned (with its agenda)
    net.reply("ines", f'/session planifier "Restitution" 17/12/{YEAR} 9h --ordre-du-jour "Synthèse"',
              channel=channel)
    events = consortium.changed()
    assert "Synthèse" in next(e for e in events if e["summary"] == "Restitution")["description"]
    assert {e["summary"] for e in mine.changed()} == {"Diagnostic", "Restitution"}

    # An answer, then another one to the same session
    net.deliver()   # the cards
    card = next(p for p in net.emulator.posts(channel) if "Diagnostic" in p["message"])
    assert net.emulator.click(card["id"], "sessionyes", "samir")["status"] == 200
    assert _attendees(consortium.changed(), "Diagnostic")["samir"] == "ACCEPTED"
    assert net.emulator.click(card["id"], "sessionno", "samir")["status"] == 200
    assert _attendees(consortium.changed(), "Diagnostic")["samir"] == "DECLINED"
    assert _attendees(mine.changed(), "Diagnostic")["samir"] == "DECLINED"

    # Minutes, a move, a cancellation
    net.reply("samir", '/session compte-rendu 2 "Chef de file : ACI Lyon"', channel=channel)
    assert "ACI Lyon" in next(e for e in consortium.changed() if e["summary"] == "Restitution")["description"]
    net.reply("ines", f"/session deplacer 2 18/12/{YEAR} 9h", channel=channel)
    assert next(e for e in consortium.changed() if e["summary"] == "Restitution")["start"].day == 18
    net.reply("ines", "/session annuler 2", channel=channel)
    assert next(e for e in consortium.changed() if e["summary"] == "Restitution")["status"] == "CANCELLED"
    mine.changed()

    # A member joins, another leaves
    net.reply("admin", "/consortium ajouter @lea", channel=channel)
    assert "lea" in _attendees(consortium.changed(), "Diagnostic")
    net.reply("admin", "/consortium retirer @lea", channel=channel)
    assert "lea" not in _attendees(consortium.changed(), "Diagnostic")

    # A name changed in Mattermost, read by the directory sync once what it said is too old
    ines = net.users["ines"]["id"]
    net.emulator.rename_user(ines, "ines.benali")
    with net.db() as session:
        session.execute(update(Person).where(Person.mattermost_user_id == ines)
                        .values(directory_synced_at=utcnow() - timedelta(days=2)))
    consortium.unchanged()   # when the sync was last made is nothing a feed shows
    net.reply("ines.benali", "/consortium info", channel=channel)
    assert "ines.benali" in _attendees(consortium.changed(), "Diagnostic")
    assert "ines.benali" in _attendees(mine.changed(), "Diagnostic")

    # A member erased: gone from the others' feeds
    erased = requests.delete(f"{net.server.url}/api/v1/people/ines.benali",
                             headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)
    assert erased.status_code == 200
    assert set(_attendees(consortium.changed(), "Diagnostic")) == {"samir"}
    assert set(_attendees(mine.changed(), "Diagnostic")) == {"samir"}
    consortium.unchanged()
    mine.unchanged()


def test_a_change_no_use_case_announces_moves_it_too(net):
    """The stamp is the database's: a bulk update, a script, a restored row move it as a command does."""
    from models import Consortium, WorkingSession

    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel)
    net.deliver()
    consortium = Calendar(feed_of(net, SLUG)[0].url)
    mine = Calendar(_personal(net, "ines", channel))
    with net.db() as session:
        session.execute(update(WorkingSession).values(title="Diagnostic partagé"))
    assert [e["summary"] for e in consortium.changed()] == ["Diagnostic partagé"]
    assert [e["summary"] for e in mine.changed()] == ["Diagnostic partagé"]
    with net.db() as session:
        session.execute(update(Consortium).values(name="Alimentation locale"))
    consortium.changed()
    mine.changed()   # its events' category
    assert "Alimentation locale" in consortium.body.decode() and "Alimentation locale" in mine.body.decode()
    # What a feed does not show leaves it as it is (the card's post, the last activity).
    with net.db() as session:
        session.execute(text("UPDATE working_sessions SET reminder_sent_at = created_at"))
        session.execute(update(Consortium).values(last_activity_at=Consortium.created_at))
    consortium.unchanged()
    mine.unchanged()


def test_the_configuration_and_the_build_tag_are_in_the_etag(net, monkeypatch):
    from plugin.features.sessions import feeds

    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel)
    net.deliver()
    consortium = Calendar(feed_of(net, SLUG)[0].url)
    monkeypatch.setattr(feeds, "_BUILD_TAG", "another-build")
    assert consortium.poll().status_code == 200
    monkeypatch.undo()
    consortium.unchanged()
    for change in ({"base_url": "https://consortia.example.org"}, {"mattermost_team": "another-team"}):
        monkeypatch.setattr(net.services, "settings", dataclasses.replace(net.services.settings, **change))
        assert consortium.poll().status_code == 200
        monkeypatch.undo()
        consortium.unchanged()


def test_gzip_is_served_to_the_clients_that_ask_with_its_own_etag(net):
    channel = setup_consortium(net, members="@ines @samir")["id"]
    net.reply("ines", f'/session planifier "Diagnostic" 10/12/{YEAR} 14h', channel=channel)
    net.deliver()
    url = feed_of(net, SLUG)[0].url
    plain = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=5)
    coded = requests.get(url, headers={"Accept-Encoding": "gzip, deflate"}, stream=True, timeout=5)
    raw = coded.raw.read(decode_content=False)
    assert "Content-Encoding" not in plain.headers and coded.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content)
    assert plain.headers["Vary"] == coded.headers["Vary"] == "Accept-Encoding"
    assert plain.headers["ETag"] != coded.headers["ETag"]
    # Each representation's tag answers a 304 for that representation only.
    for encoding, etag, status in (("gzip", coded.headers["ETag"], 304), ("identity", plain.headers["ETag"], 304),
                                   ("identity", coded.headers["ETag"], 200), ("gzip;q=0", coded.headers["ETag"], 200)):
        response = requests.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag}, timeout=5)
        assert response.status_code == status, (encoding, etag)
        assert response.headers["Vary"] == "Accept-Encoding"
    # A feed built on a read (stale: a new member) answers the coding asked for, then the other one.
    net.reply("admin", "/consortium ajouter @lea", channel=channel)
    for encoding in ("identity", "gzip"):
        response = requests.get(url, headers={"Accept-Encoding": encoding}, stream=True, timeout=5)
        raw = response.raw.read(decode_content=False)
        assert (gzip.decompress(raw) if encoding == "gzip" else raw).count(b"lea") == 1, encoding


def test_every_table_a_feed_reads_has_its_triggers(net):
    """SQLite drops a table's triggers when a migration rebuilds the table: a later migration that
    rebuilds one of these must create them again."""
    with net.db() as session:
        if session.get_bind().dialect.name == "sqlite":
            names = set(session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        else:
            names = set(session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
    tables = ("working_sessions", "rsvps", "memberships", "people", "consortia")
    assert all(any(name.startswith(f"feed_stamp_{table}") for name in names) for table in tables), names
