"""iCalendar (RFC 5545 / 5546 / 7986) building and light parsing with ``icalendar``.

This module knows nothing of the domain: callers pass plain dataclasses holding
already-translated text and get ``bytes`` back.

Text hygiene: RFC 5545 TEXT values cannot carry a carriage return nor other
control characters, so text is normalised before it is handed to ``icalendar``
(``\\r\\n`` and ``\\r`` become ``\\n``; other C0 controls except TAB are dropped).
``icalendar`` then escapes newlines, commas and semicolons, which makes "ICS
injection" through a title or a description impossible. Parameter values (CN)
and calendar addresses are reduced to one line.

Speed: each VEVENT's bytes are cached in memory, keyed by every field they depend
on, and a calendar is assembled from them; the output is byte for byte what
icalendar gives for the whole calendar (VTIMEZONEs of several zones in sorted order).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration

__all__ = [
    "Attendee",
    "EventData",
    "build_calendar",
    "etag_for",
    "parse_events",
    "ITIP_METHODS",
    "DEFAULT_PRODID",
]

DEFAULT_PRODID = "-//Consortia//Consortia//FR"
ITIP_METHODS = frozenset({"PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER",
                          "DECLINECOUNTER"})
_PARTSTATS = frozenset({"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"})
_ROLES = frozenset({"CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"})
_STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})

# VTIMEZONE blocks cover at least this range (wider if events fall outside), so
# the output only depends on the events: same input, same bytes, same ETag.
_TZ_FIRST = date(2020, 1, 1)
_TZ_LAST = date(2040, 1, 1)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINEBREAKS = re.compile(r"\r\n?|[\n\u2028\u2029\x85]")


@dataclass
class Attendee:
    email: str  # "" with ``uri``: the attendee is named without a mail address (subscribable feeds)
    name: str = ""
    partstat: str = "NEEDS-ACTION"
    role: str = "REQ-PARTICIPANT"
    rsvp: bool = True
    uri: str = ""  # a non-mail calendar address such as "urn:uuid:…", used when ``email`` is empty


@dataclass
class EventData:
    uid: str
    summary: str
    start: datetime  # tz-aware
    end: datetime  # tz-aware
    tzid: str = "Europe/Paris"
    description: str = ""
    location: str = ""
    url: str = ""  # video-conference link
    sequence: int = 0
    status: str = "CONFIRMED"
    organizer_email: str = ""
    organizer_name: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    alarm_before: timedelta | None = timedelta(days=1)
    alarm_text: str = ""
    created: datetime | None = None
    last_modified: datetime | None = None
    dtstamp: datetime | None = None
    categories: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _text(value: str) -> str:
    """Multi-line TEXT value: normalise line breaks, drop control characters."""
    return _CONTROL.sub("", _LINEBREAKS.sub("\n", value or ""))


def _line(value: str) -> str:
    """One-line value (parameter values, URIs): line breaks become spaces."""
    return " ".join(_CONTROL.sub("", _LINEBREAKS.sub(" ", value or "")).split())


def _mailto(email: str) -> str:
    addr = "".join(_line(email).split())
    if not addr or "@" not in addr:
        raise ValueError(f"invalid e-mail address for a calendar user: {email!r}")
    return "mailto:" + addr


def _cal_address(email: str, name: str, *, uri: str = "", **params: str) -> vCalAddress:
    if not email and uri:
        if not re.match(r"^urn:[a-z0-9][a-z0-9-]{0,31}:[\x21-\x7e]+$", uri, re.IGNORECASE):
            raise ValueError(f"invalid calendar user URI: {uri!r}")
        addr = vCalAddress(uri)
    else:
        addr = vCalAddress(_mailto(email))
    cn = _line(name)
    if cn:
        addr.params["CN"] = cn
    for key, val in params.items():
        addr.params[key] = val
    return addr


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime not allowed: {value!r}")
    return value.astimezone(timezone.utc)


def _in_zone(value: datetime, tzid: str, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {value!r}")
    return value.astimezone(ZoneInfo(tzid))


def _build_event(ev: EventData, method: str | None) -> Event:
    if not ev.uid or not _line(ev.uid):
        raise ValueError("event uid is required")
    start = _in_zone(ev.start, ev.tzid, "start")
    end = _in_zone(ev.end, ev.tzid, "end")
    if end < start:
        raise ValueError(f"event {ev.uid!r} ends before it starts")
    status = "CANCELLED" if method == "CANCEL" else (ev.status or "CONFIRMED").upper()
    if status not in _STATUSES:
        raise ValueError(f"invalid event status {ev.status!r}")

    stamp = ev.dtstamp or ev.last_modified or ev.created or datetime.now(timezone.utc)

    event = Event()
    event.add("uid", _line(ev.uid))
    event.add("dtstamp", _utc(stamp))
    if ev.created is not None:
        event.add("created", _utc(ev.created))
    if ev.last_modified is not None:
        event.add("last-modified", _utc(ev.last_modified))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _text(ev.summary))
    if ev.description:
        event.add("description", _text(ev.description))
    if ev.location:
        event.add("location", _text(ev.location))
    video = _line(ev.url)
    if video:
        event.add("url", video)
        # RFC 7986 CONFERENCE, understood by Thunderbird/Nextcloud for "join" buttons.
        event.add("conference", video, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    event.add("sequence", int(ev.sequence))
    event.add("status", status)
    if ev.categories:
        cats = [c for c in (_line(c).replace(",", " ") for c in ev.categories) if c]
        if cats:
            event.add("categories", cats)
    if ev.organizer_email:
        event.add("organizer", _cal_address(ev.organizer_email, ev.organizer_name))
    elif method in ("REQUEST", "CANCEL"):
        raise ValueError(f"METHOD:{method} requires an organizer (RFC 5546)")
    for att in ev.attendees:
        partstat = (att.partstat or "NEEDS-ACTION").upper()
        role = (att.role or "REQ-PARTICIPANT").upper()
        if partstat not in _PARTSTATS:
            raise ValueError(f"invalid PARTSTAT {att.partstat!r}")
        if role not in _ROLES:
            raise ValueError(f"invalid ROLE {att.role!r}")
        event.add(
            "attendee",
            _cal_address(
                att.email, att.name, uri=att.uri,
                CUTYPE="INDIVIDUAL", ROLE=role, PARTSTAT=partstat,
                RSVP="TRUE" if att.rsvp else "FALSE",
            ),
        )
    if ev.alarm_before is not None and method != "CANCEL":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -abs(ev.alarm_before))
        alarm.add("description", _text(ev.alarm_text or ev.summary) or "Reminder")
        event.add_component(alarm)
    return event


# --------------------------------------------------------------------------- public API


def build_calendar(
    events: list[EventData],
    *,
    name: str,
    description: str = "",
    method: str | None = None,
    prodid: str = DEFAULT_PRODID,
    refresh_interval: timedelta | None = None,
    tzid: str = "Europe/Paris",
) -> bytes:
    """Serialize ``events`` as one VCALENDAR (UTF-8 bytes, CRLF line endings).

    ``method`` (``"REQUEST"``, ``"CANCEL"``, ...) adds ``METHOD`` for iTIP/iMIP use;
    with ``"CANCEL"`` every event gets ``STATUS:CANCELLED`` and no alarm. iTIP
    methods need an organizer on each event (``ValueError`` otherwise).
    ``tzid`` is the calendar's default zone (``X-WR-TIMEZONE``; its VTIMEZONE is
    always present, even in an empty calendar). DTSTAMP falls back to
    ``last_modified``/``created`` before "now", so pass one of them to get
    byte-stable output (and a stable ETag) for unchanged events.
    """
    if method is not None:
        method = method.strip().upper()
        if method not in ITIP_METHODS:
            raise ValueError(f"unknown iTIP method {method!r}")
    ZoneInfo(tzid)  # fail early on an unknown zone

    cal = Calendar()
    cal.add("prodid", _line(prodid) or DEFAULT_PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal_name = _line(name)
    if cal_name:
        cal.add("name", cal_name)  # RFC 7986
        cal.add("x-wr-calname", cal_name)
    if description:
        cal.add("description", _text(description))  # RFC 7986
        cal.add("x-wr-caldesc", _text(description))
    cal.add("x-wr-timezone", tzid)
    if refresh_interval is not None:
        cal.add("refresh-interval", refresh_interval, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh_interval))  # Outlook, Google

    first, last = _TZ_FIRST, _TZ_LAST
    fragments: list[bytes] = []
    used: set[str] = set()
    for ev in events:
        data, tzids = _event_ical(ev, method)
        fragments.append(data)
        used |= tzids
        first = min(first, ev.start.date().replace(month=1, day=1) - timedelta(days=366))
        last = max(last, ev.end.date() + timedelta(days=366))
    # The same VTIMEZONEs, in the same places, as icalendar's add_missing_timezones()
    # would give the whole calendar (the zones in sorted order, so that the bytes do
    # not depend on the process's hash seed).
    zones: list[bytes] = []
    names: set[str] = set()
    for name in sorted(used - {"UTC"}):
        found = _vtimezone(name, first, last)
        if found is not None:
            zones.append(found[0])
            names.add(found[1])
    if tzid not in names and tzid not in ("UTC", "Etc/UTC"):
        found = _vtimezone(tzid, first, last, strict=True)
        zones.insert(0, found[0])
    head = cal.to_ical()
    if not head.endswith(_CAL_END):  # pragma: no cover - icalendar always ends a component so
        raise RuntimeError("unexpected VCALENDAR serialisation")
    return b"".join([head[:-len(_CAL_END)], *zones, *fragments, _CAL_END])


# --------------------------------------------------------------------------- serialisation caches
#
# Serialising a VEVENT with icalendar costs about half a millisecond; a feed of a
# thousand events would spend most of its time there although almost none of them
# changed since the last build. Each event's bytes are kept, keyed by EVERYTHING the
# bytes depend on (every field of the EventData, its attendees, the iTIP method), so
# any change (a move, a cancellation, minutes, an answer, a new member, another
# language) is a different key: nothing needs invalidating, old entries just age out.
# VTIMEZONE blocks are kept per (zone, first date, last date).

_CAL_END = b"END:VCALENDAR\r\n"


class _Lru:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


# About 1.2 KB of bytes and as much of key an event: 10,000 events are some 25 MB per
# process at most. CONSORTIA_ICS_EVENT_CACHE_SIZE=0 turns it off.
EVENT_CACHE = _Lru(int(os.environ.get("CONSORTIA_ICS_EVENT_CACHE_SIZE", "10000") or 0))
_ZONE_CACHE = _Lru(64)


def _event_key(ev: EventData, method: str | None) -> tuple | None:
    if ev.dtstamp is None and ev.last_modified is None and ev.created is None:
        return None  # DTSTAMP is "now": never the same bytes twice
    # Moments are compared as instants (the output converts them to ev.tzid / UTC),
    # together with their offsets and zone names for good measure.
    def moment(value):
        return None if value is None else (value, str(value.tzinfo), value.utcoffset())

    return (method, ev.uid, ev.summary, moment(ev.start), moment(ev.end), ev.tzid, ev.description,
            ev.location, ev.url, ev.sequence, ev.status, ev.organizer_email, ev.organizer_name,
            tuple((a.email, a.uri, a.name, a.partstat, a.role, a.rsvp) for a in ev.attendees),
            ev.alarm_before, ev.alarm_text, moment(ev.created), moment(ev.last_modified), moment(ev.dtstamp),
            tuple(ev.categories))


def _event_ical(ev: EventData, method: str | None) -> tuple[bytes, frozenset[str]]:
    """One VEVENT's bytes (as inside a VCALENDAR) and the TZIDs it uses."""
    try:
        key = _event_key(ev, method)
        hash(key)
    except TypeError:  # an unhashable value (a caller's own type): no caching
        key = None
    if key is not None:
        found = EVENT_CACHE.get(key)
        if found is not None:
            return found
    event = _build_event(ev, method)
    tzids = frozenset(value.params.get("TZID") for _name, value in event.property_items(sorted=False)
                      if hasattr(value, "params")) - {None}
    item = (_to_ical(event), tzids)
    if key is not None:
        EVENT_CACHE.put(key, item)
    return item


def _to_ical(component: Event) -> bytes:
    """``component.to_ical()``, byte for byte, without folding the lines that need no folding.

    icalendar folds every content line character by character; a line of at most 74
    octets comes out unchanged, and most lines are that short.
    """
    out = []
    for line in component.content_lines():
        if not line:
            continue
        encoded = line.encode("utf-8")
        if len(encoded) < 75:
            out.append(encoded)
        elif len(encoded) == len(line):  # ASCII
            out.append(_fold_ascii(line).encode("ascii"))
        else:
            out.append(line.to_ical())
    return b"\r\n".join(out) + b"\r\n"


def _fold_ascii(line: str) -> str:
    """icalendar's folding of an ASCII line (74 octets a line), a slice at a time.

    Like icalendar, an escape character (backslash, caret) that would end a line
    starts the next one instead, so that no escape is split across a fold.
    """
    parts = []
    start, size = 0, len(line)
    while size - start > 74:
        if line[start + 73] in "\\^":
            parts.append(line[start:start + 73])
            start += 73
        else:
            parts.append(line[start:start + 74])
            start += 74
    parts.append(line[start:])
    return "\r\n ".join(parts)


def _vtimezone(tzid: str, first: date, last: date, *, strict: bool = False) -> tuple[bytes, str] | None:
    """A VTIMEZONE's bytes and name (None for a zone icalendar does not know, unless ``strict``)."""
    key = (tzid, first, last)
    found = _ZONE_CACHE.get(key)
    if found is None:
        try:
            vtz = Timezone.from_tzid(tzid, first_date=first, last_date=last)
        except ValueError:
            if strict:
                raise
            found = ("", "")
        else:
            _split_rdates(vtz)
            found = (vtz.to_ical(), vtz.tz_name)
        _ZONE_CACHE.put(key, found)
    if not found[0]:
        if strict:
            Timezone.from_tzid(tzid, first_date=first, last_date=last)  # raises as before
        return None
    return found


def _split_rdates(cal: Calendar | Timezone) -> None:
    """Write each VTIMEZONE transition on its own ``RDATE`` line.

    ``icalendar`` emits one comma-separated RDATE list per observance; some
    consumers (vobject/dateutil, measured) only read its first value and then
    get the DST offsets wrong. One value per RDATE line is equally valid
    (RFC 5545 3.8.5.2) and understood by all of them.
    """
    for vtz in cal.walk("VTIMEZONE"):
        for obs in vtz.subcomponents:
            raw = obs.get("RDATE")
            if raw is None:
                continue
            values = []
            for item in raw if isinstance(raw, list) else [raw]:
                values.extend(d.dt for d in item.dts)
            if len(values) <= 1 and not isinstance(raw, list):
                continue
            del obs["RDATE"]
            for value in values:
                obs.add("RDATE", value)


def etag_for(data: bytes) -> str:
    """Strong HTTP ETag for a body: a quoted SHA-256 prefix."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _addr(value: Any) -> str:
    text = str(value)
    return text[7:] if text.lower().startswith("mailto:") else text


def parse_events(data: bytes) -> list[dict]:
    """Parse VEVENTs from ICS bytes into plain dicts (for tests and consumers).

    Keys: ``uid, summary, description, location, url, start, end, sequence,
    status, method, organizer, attendees`` (each ``{email, name, partstat, role,
    rsvp}``), ``categories``, ``alarms`` (list of TRIGGER values as timedelta).
    """
    cal = Calendar.from_ical(data)
    method = str(cal.get("method")) if cal.get("method") is not None else None
    out: list[dict] = []
    for comp in cal.walk("VEVENT"):
        attendees_raw = comp.get("attendee", [])
        if not isinstance(attendees_raw, list):
            attendees_raw = [attendees_raw]
        attendees = [
            {
                "email": _addr(a),
                "name": str(a.params.get("CN", "")),
                "partstat": str(a.params.get("PARTSTAT", "NEEDS-ACTION")),
                "role": str(a.params.get("ROLE", "REQ-PARTICIPANT")),
                "rsvp": str(a.params.get("RSVP", "FALSE")).upper() == "TRUE",
            }
            for a in attendees_raw
        ]
        cats: list[str] = []
        raw_cats = comp.get("categories")
        if raw_cats is not None:
            for item in raw_cats if isinstance(raw_cats, list) else [raw_cats]:
                cats.extend(str(c) for c in item.cats)
        organizer = comp.get("organizer")
        out.append(
            {
                "uid": str(comp.get("uid", "")),
                "summary": str(comp.get("summary", "")),
                "description": str(comp.get("description", "")),
                "location": str(comp.get("location", "")),
                "url": str(comp.get("url", "")),
                "start": comp.decoded("dtstart") if comp.get("dtstart") is not None else None,
                "end": comp.decoded("dtend") if comp.get("dtend") is not None else None,
                "sequence": int(comp.get("sequence", 0)),
                "status": str(comp.get("status", "")),
                "method": method,
                "organizer": _addr(organizer) if organizer is not None else "",
                "attendees": attendees,
                "categories": cats,
                "alarms": [al.decoded("trigger") for al in comp.walk("VALARM")
                           if al.get("trigger") is not None],
            }
        )
    return out
