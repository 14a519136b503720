"""iCalendar building: parsed back with icalendar and with vobject (a second parser)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from integrations.calendar.ics import Attendee, EventData, build_calendar, etag_for, parse_events

PARIS = ZoneInfo("Europe/Paris")
STAMP = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)


def make_event(**kw) -> EventData:
    base = dict(
        uid="session-42@consortia.example",
        summary="Séance de travail",
        start=datetime(2026, 7, 2, 14, 0, tzinfo=PARIS),
        end=datetime(2026, 7, 2, 16, 0, tzinfo=PARIS),
        description="Ordre du jour :\n1. budget\n2. calendrier",
        location="Salle 3, Maison des associations",
        url="https://visio.example.org/room/abc",
        organizer_email="consortia@example.org",
        organizer_name="Consortia",
        attendees=[
            Attendee("alice@example.org", "Alice Martin"),
            Attendee("bob@example.org", "Bob", partstat="ACCEPTED"),
            Attendee("chloe@example.org", "Chloé", partstat="DECLINED", role="OPT-PARTICIPANT",
                     rsvp=False),
        ],
        alarm_text="Séance demain",
        dtstamp=STAMP,
        categories=["Consortia"],
    )
    base.update(kw)
    return EventData(**base)


def only_event(data: bytes):
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return cal, events[0]


def test_event_round_trip_icalendar():
    data = build_calendar([make_event()], name="Consortium Eau", description="Calendrier partagé",
                          refresh_interval=timedelta(hours=1))
    assert isinstance(data, bytes)
    assert b"\r\n" in data
    cal, ev = only_event(data)
    assert str(cal["version"]) == "2.0"
    assert str(cal["prodid"]) == "-//Consortia//Consortia//FR"
    assert str(cal["x-wr-calname"]) == "Consortium Eau"
    assert str(cal["name"]) == "Consortium Eau"
    assert str(cal["x-wr-timezone"]) == "Europe/Paris"
    assert cal.decoded("refresh-interval") == timedelta(hours=1)
    assert "METHOD" not in cal

    assert str(ev["uid"]) == "session-42@consortia.example"
    assert str(ev["summary"]) == "Séance de travail"
    assert str(ev["description"]) == "Ordre du jour :\n1. budget\n2. calendrier"
    assert str(ev["location"]) == "Salle 3, Maison des associations"
    assert str(ev["url"]) == "https://visio.example.org/room/abc"
    assert int(ev["sequence"]) == 0
    assert str(ev["status"]) == "CONFIRMED"
    assert ev.decoded("dtstamp") == STAMP
    assert ev["dtstart"].params["TZID"] == "Europe/Paris"
    assert ev["dtend"].params["TZID"] == "Europe/Paris"
    assert ev.decoded("dtstart") == datetime(2026, 7, 2, 14, 0, tzinfo=PARIS)

    conf = ev["conference"]
    assert str(conf) == "https://visio.example.org/room/abc"
    assert conf.params["VALUE"] == "URI"
    assert conf.params["FEATURE"] == "VIDEO"

    org = ev["organizer"]
    assert str(org) == "mailto:consortia@example.org"
    assert org.params["CN"] == "Consortia"

    atts = {str(a): a.params for a in ev["attendee"]}
    assert atts["mailto:alice@example.org"]["PARTSTAT"] == "NEEDS-ACTION"
    assert atts["mailto:alice@example.org"]["RSVP"] == "TRUE"
    assert atts["mailto:alice@example.org"]["CN"] == "Alice Martin"
    assert atts["mailto:bob@example.org"]["PARTSTAT"] == "ACCEPTED"
    assert atts["mailto:chloe@example.org"]["PARTSTAT"] == "DECLINED"
    assert atts["mailto:chloe@example.org"]["ROLE"] == "OPT-PARTICIPANT"
    assert atts["mailto:chloe@example.org"]["RSVP"] == "FALSE"
    assert atts["mailto:chloe@example.org"]["CN"] == "Chloé"

    alarms = list(ev.walk("VALARM"))
    assert len(alarms) == 1
    assert str(alarms[0]["action"]) == "DISPLAY"
    assert alarms[0].decoded("trigger") == timedelta(days=-1)
    assert str(alarms[0]["description"]) == "Séance demain"
    assert b"TRIGGER:-P1D" in data


def test_vtimezone_and_dst_offsets():
    summer = make_event(uid="summer", start=datetime(2026, 7, 2, 14, 0, tzinfo=PARIS),
                        end=datetime(2026, 7, 2, 16, 0, tzinfo=PARIS))
    # given in UTC: must be presented in Europe/Paris
    winter = make_event(uid="winter", start=datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc),
                        end=datetime(2026, 1, 15, 15, 0, tzinfo=timezone.utc))
    data = build_calendar([summer, winter], name="X")
    cal = Calendar.from_ical(data)
    tzids = [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")]
    assert tzids == ["Europe/Paris"]
    # VTIMEZONE comes before the events
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    assert b"TZOFFSETTO:+0200" in data and b"TZOFFSETTO:+0100" in data
    assert b"DTSTART;TZID=Europe/Paris:20260702T140000" in data
    assert b"DTSTART;TZID=Europe/Paris:20260115T140000" in data

    by_uid = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    s = by_uid["summer"].decoded("dtstart")
    w = by_uid["winter"].decoded("dtstart")
    assert s.utcoffset() == timedelta(hours=2)
    assert w.utcoffset() == timedelta(hours=1)
    assert s.astimezone(timezone.utc) == datetime(2026, 7, 2, 12, 0, tzinfo=timezone.utc)
    assert w.astimezone(timezone.utc) == datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc)

    # Second parser: vobject resolves TZID through the embedded VTIMEZONE.
    vcal = vobject.readOne(data.decode("utf-8"))
    vby_uid = {e.uid.value: e for e in vcal.vevent_list}
    vs = vby_uid["summer"].dtstart.value
    vw = vby_uid["winter"].dtstart.value
    assert vs.utcoffset() == timedelta(hours=2)
    assert vw.utcoffset() == timedelta(hours=1)
    assert vs.astimezone(timezone.utc) == datetime(2026, 7, 2, 12, 0, tzinfo=timezone.utc)
    assert vw.astimezone(timezone.utc) == datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc)


def test_vobject_parses_everything():
    data = build_calendar([make_event()], name="Consortium Eau", method="REQUEST")
    vcal = vobject.readOne(data.decode("utf-8"))
    assert vcal.method.value == "REQUEST"
    ev = vcal.vevent
    assert ev.summary.value == "Séance de travail"
    assert ev.description.value == "Ordre du jour :\n1. budget\n2. calendrier"
    # vobject consumes TZID and resolves it through the embedded VTIMEZONE
    assert "Europe/Paris" in repr(ev.dtstart.value.tzinfo)
    assert ev.dtstart.value.utcoffset() == timedelta(hours=2)
    assert ev.conference.value == "https://visio.example.org/room/abc"
    assert ev.conference.params["FEATURE"] == ["VIDEO"]
    parts = {a.value: a.params["PARTSTAT"][0] for a in ev.attendee_list}
    assert parts == {
        "mailto:alice@example.org": "NEEDS-ACTION",
        "mailto:bob@example.org": "ACCEPTED",
        "mailto:chloe@example.org": "DECLINED",
    }
    assert ev.valarm.action.value == "DISPLAY"
    assert ev.valarm.trigger.value == timedelta(days=-1)


@pytest.mark.parametrize("field", ["summary", "description", "location"])
def test_hostile_text_cannot_break_the_ics(field):
    hostile = "Réunion\r\nBCC: x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil;,\\ fin"
    data = build_calendar([make_event(**{field: hostile})], name="Evil\r\nX-EVIL:1")
    cal, ev = only_event(data)
    # RFC 5545 TEXT has no carriage return: CRLF comes back as LF, nothing else changes.
    assert str(ev[field]) == hostile.replace("\r\n", "\n")
    assert str(ev["uid"]) == "session-42@consortia.example"
    assert "X-EVIL" not in cal
    assert str(cal["x-wr-calname"]) == "Evil X-EVIL:1"
    # no raw line of the output starts with an injected property
    lines = data.decode().split("\r\n")
    assert not any(line.startswith(("BCC", "UID:evil", "X-EVIL")) for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1
    vcal = vobject.readOne(data.decode("utf-8"))
    assert len(vcal.vevent_list) == 1
    assert getattr(vcal.vevent, field).value == hostile.replace("\r\n", "\n")


def test_hostile_title_exact_summary():
    title = "Point\r\nBCC: x END:VEVENT\r\nBEGIN:VEVENT"
    data = build_calendar([make_event(summary=title)], name="X")
    events = parse_events(data)
    assert len(events) == 1
    assert events[0]["summary"] == "Point\nBCC: x END:VEVENT\nBEGIN:VEVENT"


def test_hostile_names_and_addresses_in_parameters():
    ev = make_event(
        organizer_name='Orga "chef"\r\nX-EVIL:1',
        attendees=[Attendee("alice@example.org", 'Alice\r\nATTENDEE:mailto:evil@x.org;"q"')],
    )
    data = build_calendar([ev], name="X")
    _, parsed = only_event(data)
    atts = parsed["attendee"]
    atts = atts if isinstance(atts, list) else [atts]
    assert [str(a) for a in atts] == ["mailto:alice@example.org"]
    assert "\n" not in atts[0].params["CN"]
    assert "X-EVIL" not in parsed
    assert "\n" not in parsed["organizer"].params["CN"]
    with pytest.raises(ValueError):
        build_calendar([make_event(attendees=[Attendee("not-an-address")])], name="X")


def test_empty_calendar_is_valid():
    data = build_calendar([], name="Vide")
    cal = Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0"
    assert str(cal["prodid"]) == "-//Consortia//Consortia//FR"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert list(cal.walk("VEVENT")) == []
    vcal = vobject.readOne(data.decode("utf-8"))
    assert vcal.version.value == "2.0"
    assert parse_events(data) == []


def test_request_and_cancel_methods():
    req = build_calendar([make_event(sequence=1)], name="X", method="request")
    cancel = build_calendar([make_event(sequence=2)], name="X", method="CANCEL")
    rcal, rev = only_event(req)
    ccal, cev = only_event(cancel)
    assert str(rcal["method"]) == "REQUEST"
    assert str(ccal["method"]) == "CANCEL"
    assert str(cev["status"]) == "CANCELLED"
    assert str(cev["uid"]) == str(rev["uid"])
    assert int(cev["sequence"]) > int(rev["sequence"])
    assert list(cev.walk("VALARM")) == []
    with pytest.raises(ValueError):
        build_calendar([make_event(organizer_email="")], name="X", method="REQUEST")
    with pytest.raises(ValueError):
        build_calendar([make_event()], name="X", method="BOGUS")


def test_no_alarm_no_video_and_validation():
    data = build_calendar([make_event(alarm_before=None, url="", attendees=[])], name="X")
    _, ev = only_event(data)
    assert list(ev.walk("VALARM")) == []
    assert "CONFERENCE" not in ev and "URL" not in ev and "ATTENDEE" not in ev
    with pytest.raises(ValueError):
        build_calendar([make_event(start=datetime(2026, 7, 2, 14, 0))], name="X")
    with pytest.raises(ValueError):
        build_calendar([make_event(end=datetime(2026, 7, 2, 10, 0, tzinfo=PARIS))], name="X")


def test_output_is_stable_and_etag():
    a = build_calendar([make_event()], name="X")
    b = build_calendar([make_event()], name="X")
    assert a == b
    tag = etag_for(a)
    assert tag.startswith('"') and tag.endswith('"') and len(tag) > 10
    assert tag == etag_for(b)
    assert tag != etag_for(build_calendar([make_event(sequence=1)], name="X"))


def test_parse_events_helper():
    data = build_calendar([make_event(sequence=3)], name="X", method="REQUEST")
    (ev,) = parse_events(data)
    assert ev["uid"] == "session-42@consortia.example"
    assert ev["summary"] == "Séance de travail"
    assert ev["start"] == datetime(2026, 7, 2, 14, 0, tzinfo=PARIS)
    assert ev["end"] == datetime(2026, 7, 2, 16, 0, tzinfo=PARIS)
    assert ev["sequence"] == 3
    assert ev["status"] == "CONFIRMED"
    assert ev["method"] == "REQUEST"
    assert ev["organizer"] == "consortia@example.org"
    assert {a["email"]: a["partstat"] for a in ev["attendees"]} == {
        "alice@example.org": "NEEDS-ACTION",
        "bob@example.org": "ACCEPTED",
        "chloe@example.org": "DECLINED",
    }
    assert ev["categories"] == ["Consortia"]
    assert ev["alarms"] == [timedelta(days=-1)]


# --------------------------------------------------------------------------- cached serialisation


def _uncached(monkeypatch, build):
    from integrations.calendar import ics

    monkeypatch.setattr(ics.EVENT_CACHE, "size", 0)
    ics.EVENT_CACHE.clear()
    try:
        return build()
    finally:
        monkeypatch.undo()


def test_cached_events_give_the_same_bytes_as_a_fresh_build(monkeypatch):
    from integrations.calendar import ics

    hostile = "a\\" * 60 + "; b,c\n^" * 12 + "é" * 40
    events = [make_event(uid=f"e{n}", summary=hostile if n % 2 else "Séance", description=hostile * (n % 3),
                         sequence=n) for n in range(6)]
    ics.EVENT_CACHE.clear()
    for method in (None, "REQUEST", "CANCEL"):
        first = build_calendar(events, name="X", method=method)
        again = build_calendar(events, name="X", method=method)  # from the cache
        assert first == again == _uncached(monkeypatch, lambda: build_calendar(events, name="X", method=method))
        assert len(parse_events(again)) == 6 and len(vobject.readOne(again.decode()).vevent_list) == 6
    # CANCEL is cached apart from the plain event: no alarm, cancelled
    cancel = parse_events(build_calendar(events[:1], name="X", method="CANCEL"))[0]
    assert cancel["status"] == "CANCELLED" and cancel["alarms"] == []
    assert parse_events(build_calendar(events[:1], name="X"))[0]["status"] == "CONFIRMED"


@pytest.mark.parametrize("change", [
    dict(start=datetime(2026, 7, 3, 14, 0, tzinfo=PARIS), end=datetime(2026, 7, 3, 16, 0, tzinfo=PARIS)),
    dict(status="CANCELLED", alarm_before=None),
    dict(description="Compte rendu : décisions"),
    dict(attendees=[Attendee("alice@example.org", "Alice Martin", partstat="ACCEPTED")]),
    dict(summary="Autre titre"),
])
def test_a_changed_event_is_never_served_from_the_cache(change):
    """Same UID, sequence and stamp: the cache still tells a move, a cancellation, minutes, an answer apart."""
    before = build_calendar([make_event()], name="X")
    after = build_calendar([make_event(**change)], name="X")
    assert after != before
    assert after == build_calendar([make_event(**change)], name="X")
    event = parse_events(after)[0]
    for key, value in change.items():
        if key == "attendees":
            assert [(a["email"], a["partstat"]) for a in event["attendees"]] == [("alice@example.org", "ACCEPTED")]
        elif key == "alarm_before":
            assert event["alarms"] == []
        else:
            assert event[key] == value
    assert parse_events(build_calendar([make_event()], name="X")) == parse_events(before)


def test_events_in_several_zones_get_one_vtimezone_each_default_first():
    cayenne, reunion = ZoneInfo("America/Cayenne"), ZoneInfo("Indian/Reunion")
    events = [make_event(uid="re", tzid="Indian/Reunion", start=datetime(2026, 7, 2, 9, 0, tzinfo=reunion),
                         end=datetime(2026, 7, 2, 11, 0, tzinfo=reunion)),
              make_event(uid="gf", tzid="America/Cayenne", start=datetime(2026, 7, 2, 9, 0, tzinfo=cayenne),
                         end=datetime(2026, 7, 2, 11, 0, tzinfo=cayenne))]
    data = build_calendar(events, name="Mes séances", tzid="Europe/Paris")
    assert data == build_calendar(events, name="Mes séances", tzid="Europe/Paris")  # same bytes every time
    cal = Calendar.from_ical(data)
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris", "America/Cayenne",
                                                                   "Indian/Reunion"]
    assert data.rindex(b"END:VTIMEZONE") < data.index(b"BEGIN:VEVENT")
    vcal = vobject.readOne(data.decode("utf-8"), validate=True)
    starts = {e.uid.value: e.dtstart.value for e in vcal.vevent_list}
    assert starts["re"].utcoffset() == timedelta(hours=4) and starts["gf"].utcoffset() == timedelta(hours=-3)
    # A calendar whose only zone is its events' own has it once.
    alone = Calendar.from_ical(build_calendar(events[1:], name="X", tzid="America/Cayenne"))
    assert [str(tz["tzid"]) for tz in alone.walk("VTIMEZONE")] == ["America/Cayenne"]


def test_long_lines_are_folded_exactly_like_icalendar():
    from icalendar import Event

    from integrations.calendar.ics import _to_ical

    for text in ("x" * 73 + "\\n" + "y" * 200, "a" * 72 + "\\,^^" * 40, "é" * 100 + "z" * 80, "short",
                 "b" * 74, "b" * 75, "\\" * 300):
        event = Event()
        event.add("summary", text)
        event.add("description", "\n".join([text] * 3))
        event.add("x-raw", "^" * 150)
        assert _to_ical(event) == event.to_ical()
