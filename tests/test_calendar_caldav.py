"""CalDAV client against a real Radicale server, and Nextcloud sharing against a recorder."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import caldav
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from integrations.calendar.caldav_client import (
    CalDAVClient,
    CalDAVError,
    CalDAVNotFound,
    CalDAVPreconditionFailed,
    CalDAVUnauthorized,
    CalDAVUnavailable,
    build_share_body,
    is_nextcloud_url,
    nextcloud_calendar_home,
)
from integrations.calendar.ics import Attendee, EventData, build_calendar, parse_events
from tests.servers import radicale_server, smtp_server  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")


def ics_for(uid: str, summary: str = "Séance", sequence: int = 0) -> bytes:
    ev = EventData(
        uid=uid, summary=summary,
        start=datetime(2026, 12, 10, 14, 0, tzinfo=PARIS),
        end=datetime(2026, 12, 10, 16, 0, tzinfo=PARIS),
        sequence=sequence, organizer_email="consortia@example.org",
        attendees=[Attendee("alice@example.org", "Alice")],
        dtstamp=datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")),
    )
    return build_calendar([ev], name="Eau")


@pytest.fixture
def client(radicale_server):
    c = CalDAVClient(radicale_server.url, radicale_server.username, radicale_server.password,
                     timeout=5)
    yield c
    c.close()


def test_ensure_calendar_is_idempotent(client, radicale_server):
    url1 = client.ensure_calendar("eau-2026", "Consortium Eau", "Calendrier partagé")
    url2 = client.ensure_calendar("eau-2026", "Consortium Eau", "Calendrier partagé")
    assert url1 == url2
    assert url1.endswith("/eau-2026/")

    dav = caldav.DAVClient(url=radicale_server.url, username=radicale_server.username,
                           password=radicale_server.password)
    cals = dav.principal().calendars()
    assert [str(c.url) for c in cals] == [url1]
    assert cals[0].get_display_name() == "Consortium Eau"
    from caldav.elements import cdav

    props = cals[0].get_properties([cdav.CalendarDescription()])
    assert props["{urn:ietf:params:xml:ns:caldav}calendar-description"] == "Calendrier partagé"
    # A fresh client (another process) finds it too and creates nothing.
    other = CalDAVClient(radicale_server.url, radicale_server.username, radicale_server.password)
    assert other.ensure_calendar("eau-2026", "Consortium Eau") == url1
    assert len(dav.principal().calendars()) == 1
    assert client.list_calendars() == [url1]


def test_put_get_update_delete_and_report(client):
    client.ensure_calendar("eau", "Eau")
    uid = "session-1@consortia.example"
    etag1 = client.put_event("eau", uid, ics_for(uid, "Première"))
    assert etag1

    got = client.get_event("eau", uid)
    assert got is not None
    body, etag = got
    assert etag == etag1
    assert parse_events(body)[0]["summary"] == "Première"

    # Creating again without an ETag must not overwrite.
    with pytest.raises(CalDAVPreconditionFailed) as exc:
        client.put_event("eau", uid, ics_for(uid, "Écrasé"))
    assert exc.value.status == 412

    etag2 = client.put_event("eau", uid, ics_for(uid, "Deuxième", 1), etag=etag1)
    assert etag2 and etag2 != etag1

    # A stale ETag is refused.
    with pytest.raises(CalDAVPreconditionFailed):
        client.put_event("eau", uid, ics_for(uid, "Perdu", 2), etag=etag1)
    assert parse_events(client.get_event("eau", uid)[0])[0]["summary"] == "Deuxième"

    # force: last writer wins
    etag3 = client.put_event("eau", uid, ics_for(uid, "Forcé", 3), force=True)
    assert etag3 and etag3 != etag2

    other = "session-2@consortia.example"
    client.put_event("eau", other, ics_for(other, "Autre"))
    reported = client.report_events("eau")
    events = {e["uid"]: e for data in reported for e in parse_events(data)}
    assert set(events) == {uid, other}
    assert events[uid]["summary"] == "Forcé"
    assert events[uid]["sequence"] == 3
    assert events[uid]["start"] == datetime(2026, 12, 10, 14, 0, tzinfo=PARIS)

    with pytest.raises(CalDAVPreconditionFailed):
        client.delete_event("eau", uid, etag=etag1)
    assert client.delete_event("eau", uid, etag=etag3) is True
    assert client.get_event("eau", uid) is None
    assert client.delete_event("eau", uid) is False  # already gone: fine
    assert [e["uid"] for d in client.report_events("eau") for e in parse_events(d)] == [other]


def test_put_into_missing_calendar(client):
    with pytest.raises(CalDAVError) as exc:
        client.put_event("does-not-exist", "x", ics_for("x"))
    assert isinstance(exc.value, CalDAVNotFound)
    assert not exc.value.retryable


def test_wrong_password(radicale_server):
    bad = CalDAVClient(radicale_server.url, radicale_server.username, "wrong-password")
    with pytest.raises(CalDAVUnauthorized) as exc:
        bad.ensure_calendar("eau", "Eau")
    assert exc.value.status == 401
    assert "wrong-password" not in str(exc.value)
    assert "wrong-password" not in repr(bad)

    # object operations with a known home report 401 as well
    good = CalDAVClient(radicale_server.url, radicale_server.username, radicale_server.password)
    good.ensure_calendar("eau", "Eau")
    bad2 = CalDAVClient(radicale_server.url, radicale_server.username, "nope",
                        calendar_home=good.calendar_home())
    with pytest.raises(CalDAVUnauthorized):
        bad2.put_event("eau", "u1", ics_for("u1"))


def test_server_down_then_back(client, radicale_server):
    client.ensure_calendar("eau", "Eau")
    radicale_server.stop()
    try:
        with pytest.raises(CalDAVUnavailable) as exc:
            client.put_event("eau", "u1", ics_for("u1"))
        assert exc.value.retryable
        assert radicale_server.password not in str(exc.value)
        fresh = CalDAVClient(radicale_server.url, radicale_server.username,
                             radicale_server.password, timeout=2)
        with pytest.raises(CalDAVUnavailable):
            fresh.ensure_calendar("eau", "Eau")
    finally:
        radicale_server.start()
    assert client.put_event("eau", "u1", ics_for("u1"))
    fresh = CalDAVClient(radicale_server.url, radicale_server.username, radicale_server.password)
    assert fresh.ensure_calendar("eau", "Eau") == client.calendar_url("eau")
    assert len(fresh.report_events("eau")) == 1


def test_invalid_ids(client):
    with pytest.raises(ValueError):
        client.calendar_url("../other")
    with pytest.raises(ValueError):
        client.event_url("eau", "a/b")
    with pytest.raises(ValueError):
        CalDAVClient("ftp://x", "u", "p")


def test_share_not_supported_on_radicale(client):
    client.ensure_calendar("eau", "Eau")
    assert client.share_calendar("eau", ["alice"]) is False


# --------------------------------------------------------------------------- Nextcloud


def test_nextcloud_helpers():
    assert is_nextcloud_url("https://cloud.example.org/remote.php/dav")
    assert not is_nextcloud_url("http://127.0.0.1:5232/")
    expected = "https://cloud.example.org/remote.php/dav/calendars/consortia/"
    assert nextcloud_calendar_home("https://cloud.example.org", "consortia") == expected
    assert nextcloud_calendar_home("https://cloud.example.org/remote.php/dav", "consortia") == expected
    assert nextcloud_calendar_home("https://cloud.example.org/remote.php/dav/", "consortia") == expected
    assert (nextcloud_calendar_home("https://example.org/nc/remote.php/dav/principals/users/x",
                                    "a b") == "https://example.org/nc/remote.php/dav/calendars/a%20b/")


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200

    def __call__(self, environ, start_response):
        req = Request(environ)
        self.requests.append({
            "method": req.method, "path": req.path, "content_type": req.headers.get("Content-Type"),
            "authorization": req.headers.get("Authorization"), "body": req.get_data(),
        })
        return Response("", status=self.status)(environ, start_response)


@pytest.fixture
def recorder():
    rec = Recorder()
    server = make_server("127.0.0.1", 0, rec, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.base = f"http://127.0.0.1:{server.server_port}"
    yield rec
    server.shutdown()


def test_share_calendar_request_shape(recorder):
    dav_root = recorder.base + "/remote.php/dav"
    client = CalDAVClient(dav_root, "consortia", "app-password",
                          calendar_home=nextcloud_calendar_home(dav_root, "consortia"))
    assert client.share_calendar("eau-2026", ["alice", "bob"], read_write=True) is True
    assert client.share_calendar("eau-2026", ["carol"], read_write=False) is True

    first, second = recorder.requests
    assert first["method"] == "POST"
    assert first["path"] == "/remote.php/dav/calendars/consortia/eau-2026/"
    assert first["content_type"].split(";")[0] == "application/xml"
    assert first["authorization"].startswith("Basic ")

    ns = {"d": "DAV:", "o": "http://owncloud.org/ns"}
    root = ET.fromstring(first["body"])
    assert root.tag == "{http://owncloud.org/ns}share"
    sets = root.findall("o:set", ns)
    assert [s.findtext("d:href", namespaces=ns) for s in sets] == [
        "principal:principals/users/alice", "principal:principals/users/bob"]
    assert all(s.find("o:read-write", ns) is not None for s in sets)

    root2 = ET.fromstring(second["body"])
    (only,) = root2.findall("o:set", ns)
    assert only.findtext("d:href", namespaces=ns) == "principal:principals/users/carol"
    assert only.find("o:read-write", ns) is None

    recorder.status = 403
    with pytest.raises(CalDAVError) as exc:
        client.share_calendar("eau-2026", ["mallory"])
    assert exc.value.status == 403


def test_share_body_escapes_and_groups():
    body = build_share_body(["a<b>&c", "principals/groups/bureau"])
    root = ET.fromstring(body)
    hrefs = [e.text for e in root.iter("{DAV:}href")]
    assert hrefs == ["principal:principals/users/a<b>&c", "principal:principals/groups/bureau"]


def test_share_skipped_on_non_nextcloud(recorder):
    client = CalDAVClient(recorder.base + "/dav/", "consortia", "pw",
                          calendar_home=recorder.base + "/dav/consortia/")
    assert client.share_calendar("eau", ["alice"]) is False
    assert recorder.requests == []
