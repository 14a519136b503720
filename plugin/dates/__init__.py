"""Date, time and duration grammar of the command language.

A small, hand-written grammar (no ``dateparser``): French first, English too,
case-insensitive, accents optional, extra spaces tolerated. Everything is pure:
the current moment ``now`` and the consortium's zone ``tz`` are injected.

Accepted dates (``parse_date``)
    ISO ``2026-12-10`` (also ``2026/12/10``); day first ``10/12/2026``, ``10/12/26``,
    ``10-12-2026``, ``10.12.2026``, ``10/12`` (without a year: the next occurrence,
    today included; already past this year -> next year); month names
    ``10 décembre [2026]``, ``le 10 décembre``, ``1er décembre``, ``December 10[, 2026]``,
    ``10 December 2026``, ``Dec 10``; an optional weekday in front
    (``jeudi 10 décembre``) is checked against the date; relative words
    ``aujourd'hui``/``today``, ``demain``/``tomorrow``, ``après-demain``/
    ``day after tomorrow``, ``hier``/``yesterday``, ``dans 3 jours``/``in 3 days``,
    ``dans 2 semaines``/``in 2 weeks`` (numbers up to ten also in words: ``dans trois
    jours``, ``in two weeks``).

Weekday rules (documented choices)
    * A bare weekday (``jeudi``, ``thu``, ``ce jeudi``, ``this thursday``) means the
      first such day that is still to come: today when today is that day and the
      time (explicit, or ``default_time``) is later than ``now`` -- or when no time
      is involved at all (``parse_date``) -- otherwise the same day next week. So on
      Thursday at 10:00, ``jeudi 14h`` is today 14:00 and ``jeudi 9h`` is next
      Thursday 9:00.
    * ``lundi prochain`` / ``prochain lundi`` / ``next monday`` is the next Monday
      strictly after today (on a Monday: in 7 days; on a Sunday: tomorrow).
    * A date without a year rolls over to next year only when the *day* is past;
      ``26/11 9h`` said on 26/11 at 10:00 stays today (``validate_future`` then
      reports it as past) rather than jumping a year.

Times (``parse_time``): ``14h``, ``14h30``, ``14 h 30``, ``14:30``, ``09:05``,
``2pm``, ``2:30 pm``, ``midi``/``noon``, ``minuit``/``midnight``.

Time ranges (``parse_time_range``): ``de 14h à 16h30``, ``14h-16h30``, ``9h30–12h``,
``entre 14h et 16h``, ``from 2pm to 4:30pm``, ``2-4pm`` (a bare start hour takes the
end's form, but only after ``de``/``from`` or before a dash: ``jeudi 10 à 12h`` is no
range). The end must come after the start; an end at midnight ends the day.
``parse_when`` reads a date with a time or a time range and returns its start and end.

Where a date or a time ends (``date_length``, ``time_length``): the command parser asks
these, word by word, so that the commands and the forms share this one vocabulary.

``parse_datetime`` takes a date followed by an optional time (``demain à 9h``,
``2026-12-10T14:00``, ``next monday at 10:00``); a time in front also works
(``14h demain``). An explicit UTC offset may follow the time
(``02:30 (UTC+2)``, ``14:00+01:00``, ``14:00Z``): that is how a user resolves a
wall time that exists twice when the clocks go back.

Errors are ``DateError`` with a stable ``code`` and a ``message`` translated in the
current locale at raise time.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _babel_format_datetime

from plugin.i18n import _, ngettext

from plugin.dates.reading import (  # noqa: F401 -- re-exported for the readers of this package
    DEFAULT_MAX_AHEAD,
    DateError,
    MAX_INPUT_LENGTH,
    _DATE_AFTER_TOMORROW,
    _DATE_DAY_MONTH,
    _DATE_DMY,
    _DATE_IN,
    _DATE_ISO,
    _DATE_MONTH_DAY,
    _DATE_NEXT_WEEKDAY,
    _DATE_TODAY,
    _DATE_TOMORROW,
    _DATE_WEEKDAY,
    _DATE_YESTERDAY,
    _DT_RANGE_SUFFIX,
    _DT_TIME_PREFIX,
    _DT_TIME_SUFFIX,
    _DURATION,
    _DURATION_HALF_HOUR,
    _MONTHS,
    _NUMBER_WORDS,
    _TIME_ONLY,
    _TIME_RANGE,
    _TIME_WITH_OFFSET,
    _WEEKDAYS,
    _fold,
    _hhmm,
    _local_now,
    _locale,
    _normalize,
    _offset_from_match,
    _offset_label,
    _range_from_match,
    _resolve_date,
    _shown,
    _tidy,
    _time_from_match,
    _unparsable_time,
)

__all__ = [
    "DateError",
    "parse_date",
    "parse_time",
    "parse_datetime",
    "parse_datetime_parts",
    "parse_time_range",
    "parse_when",
    "TimeRange",
    "When",
    "date_length",
    "time_length",
    "parse_duration",
    "validate_future",
    "format_date",
    "format_short",
    "format_time",
]

# ------------------------------------------------------------------------- public API

def _unparsable_date(text: str) -> DateError:
    return DateError("unparsable", _(
        "I could not read the date “{text}”. Examples: 2026-12-10, 10/12/2026, "
        "10 December, Dec 10, today, tomorrow, thursday, next monday, in 3 days.",
        text=_shown(text),
    ))


def parse_date(text: str, *, now: datetime, tz: ZoneInfo) -> date:
    """Read a date (no time) typed by a user, relative to ``now`` in ``tz``."""
    norm = _normalize(text)
    today = _local_now(now, tz).date()
    found = _resolve_date(norm, today, text) if norm else None
    if found is None:
        raise _unparsable_date(text)
    return found[0]


def parse_time(text: str) -> time:
    """Read a time of day: ``14h``, ``14h30``, ``14:30``, ``2pm``, ``midi`` ..."""
    norm = _normalize(text)
    match = _TIME_ONLY.fullmatch(norm) if norm else None
    if match is None:
        if norm and (ranged := _TIME_RANGE.fullmatch(norm)):
            start = _range_from_match(ranged, text)[0]
            raise DateError("unparsable", _(
                "“{text}” is a time range: give one time here, for example {start}.",
                text=_shown(text), start=_hhmm(start),
            ))
        raise _unparsable_time(text)
    return _time_from_match(match, text)


@dataclass(frozen=True)
class TimeRange:
    """A time of day, or a range of two (``end`` is None for a single time)."""

    start: time
    end: time | None = None


def parse_time_range(text: str) -> TimeRange:
    """Read a time or a time range: ``14h``, ``de 14h à 16h30``, ``14h-16h30``,
    ``9h30–12h``, ``from 2pm to 4:30pm``, ``2-4pm``. An end at midnight ends the day."""
    norm = _normalize(text)
    match = _TIME_RANGE.fullmatch(norm) if norm else None
    if match is None:
        return TimeRange(parse_time(text))
    return TimeRange(*_range_from_match(match, text))


def _unparsable_datetime(text: str) -> DateError:
    return DateError("unparsable", _(
        "I could not read the date and time “{text}”. Examples: 2026-12-10 14:00, "
        "10/12 14:30, tomorrow 9am, thursday 2pm, December 10 at 2:30pm.",
        text=_shown(text),
    ))


def _transition_start(wall: datetime, tz: ZoneInfo, is_odd) -> datetime:
    """Walk back minute by minute to the first wall time of a gap or overlap."""
    start = wall.replace(second=0, microsecond=0)
    for _step in range(24 * 60):
        previous = start - timedelta(minutes=1)
        if not is_odd(previous, tz):
            break
        start = previous
    return start


def _is_gap(wall: datetime, tz: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != wall


def _is_overlap(wall: datetime, tz: ZoneInfo) -> bool:
    return (
        not _is_gap(wall, tz)
        and wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset()
    )


def _localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a wall time, refusing times skipped or repeated by DST changes."""
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    zone = getattr(tz, "key", None) or str(tz)
    before, after = first.utcoffset(), second.utcoffset()
    if _is_gap(wall, tz):
        start = _transition_start(wall, tz, _is_gap)
        jump = after - before
        suggestion = wall + jump
        example = f"{suggestion:%Y-%m-%d} {_hhmm(suggestion)}"
        raise DateError("nonexistent", _(
            "{time} does not exist on {date} ({zone}): the clocks go forward from {start} "
            "to {end}. Did you mean {suggestion}, for example “{example}”?",
            time=_hhmm(wall),
            date=format_date(wall.date()),
            zone=zone,
            start=_hhmm(start),
            end=_hhmm(start + jump),
            suggestion=_hhmm(suggestion),
            example=example,
        ))
    start = _transition_start(wall, tz, _is_overlap)
    back = before - after
    first_choice = f"{_hhmm(wall)} ({_offset_label(before)})"
    second_choice = f"{_hhmm(wall)} ({_offset_label(after)})"
    example = f"{wall:%Y-%m-%d} {first_choice}"
    raise DateError("ambiguous", _(
        "{time} happens twice on {date} ({zone}): the clocks go back from {start} to {end}. "
        "Please choose {first} or {second}, for example “{example}”.",
        time=_hhmm(wall),
        date=format_date(wall.date()),
        zone=zone,
        start=_hhmm(start + back),
        end=_hhmm(start),
        first=first_choice,
        second=second_choice,
        example=example,
    ))


def _combine(
    found: tuple[date, bool],
    when: time | None,
    offset: timezone | None,
    *,
    text: str,
    now_local: datetime,
    tz: ZoneInfo,
    default_time: time | None,
) -> datetime:
    day, bare_weekday = found
    if when is None:
        when = default_time
    if when is None:
        raise DateError("unparsable", _(
            "“{text}” is understood as {date}, but a time is needed too, for example “{example}”.",
            text=_shown(text),
            date=format_date(day),
            example=_("{text} at 14:00", text=_shown(text)),
        ))
    wall = datetime.combine(day, when.replace(tzinfo=None))
    if bare_weekday and day == now_local.date() and wall <= now_local.replace(tzinfo=None):
        wall += timedelta(days=7)
    if offset is not None:
        return wall.replace(tzinfo=offset).astimezone(tz)
    return _localize(wall, tz)


def parse_datetime(
    text: str, *, now: datetime, tz: ZoneInfo, default_time: time | None = None
) -> datetime:
    """Read a date followed by an optional time; returns an aware datetime in ``tz``."""
    norm = _normalize(text)
    if not norm:
        raise _unparsable_datetime(text)
    now_local = _local_now(now, tz)
    if time_only := _TIME_WITH_OFFSET.fullmatch(norm):
        _time_from_match(time_only, text)  # an impossible time is reported as such first
        raise DateError("unparsable", _(
            "“{text}” gives a time but no date. Add a day, for example “{example}”.",
            text=_shown(text),
            example=_("tomorrow {text}", text=_shown(text)),
        ))
    date_part, when, offset = norm, None, None
    if match := _DT_TIME_SUFFIX.search(norm):
        date_part = norm[: match.start()].strip()
    elif match := _DT_TIME_PREFIX.fullmatch(norm):
        date_part = match.group("rest").strip()
    found = _resolve_date(date_part, now_local.date(), text) if date_part else None
    if found is None:
        raise _unparsable_datetime(text)
    if match is not None:
        when = _time_from_match(match, text)
        offset = _offset_from_match(match, text)
    return _combine(found, when, offset, text=text, now_local=now_local, tz=tz, default_time=default_time)


def parse_datetime_parts(
    date_text: str,
    time_text: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time | None = None,
) -> datetime:
    """Same as ``parse_datetime`` with the date and the time given separately
    (e.g. two fields of a dialog). An empty ``time_text`` means ``default_time``."""
    now_local = _local_now(now, tz)
    norm = _normalize(date_text)
    found = _resolve_date(norm, now_local.date(), date_text) if norm else None
    if found is None:
        raise _unparsable_date(date_text)
    when, offset = None, None
    if time_text is not None and not isinstance(time_text, str):
        raise _unparsable_time(time_text)
    if time_text is not None and time_text.strip():
        time_norm = _normalize(time_text)
        match = _TIME_WITH_OFFSET.fullmatch(time_norm) if time_norm else None
        if match is None:
            raise _unparsable_time(time_text)
        when = _time_from_match(match, time_text)
        offset = _offset_from_match(match, time_text)
    return _combine(found, when, offset, text=date_text, now_local=now_local, tz=tz, default_time=default_time)


@dataclass(frozen=True)
class When:
    """When something happens: its start, and its end when a time range was given."""

    start: datetime
    end: datetime | None = None


def parse_when(
    date_text: str,
    time_text: str | None = None,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time | None = None,
) -> When:
    """A start, and an end when the time is a range: ``jeudi 10 décembre de 14h à 16h30``
    in one text, or the date and the time apart (``"jeudi 10 décembre"``, ``"14h-16h30"``).
    Without a range it reads what ``parse_datetime`` / ``parse_datetime_parts`` read, and
    ``end`` is None. An end at midnight is the next day's 00:00."""
    now_local = _local_now(now, tz)
    if time_text is None:
        norm = _normalize(date_text)
        match = _DT_RANGE_SUFFIX.search(norm) if norm else None
        if match is None:
            return When(parse_datetime(date_text, now=now, tz=tz, default_time=default_time))
        date_part = norm[: match.start()].strip()
        found = _resolve_date(date_part, now_local.date(), date_text) if date_part else None
        if found is None:
            raise _unparsable_datetime(date_text)
        times = _range_from_match(match, date_text)
    else:
        time_norm = _normalize(time_text)
        match = _TIME_RANGE.fullmatch(time_norm) if time_norm else None
        if match is None:
            return When(parse_datetime_parts(date_text, time_text, now=now, tz=tz, default_time=default_time))
        norm = _normalize(date_text)
        found = _resolve_date(norm, now_local.date(), date_text) if norm else None
        if found is None:
            raise _unparsable_date(date_text)
        times = _range_from_match(match, time_text)
    start = _combine(found, times[0], None, text=date_text, now_local=now_local, tz=tz, default_time=None)
    end_day = start.date() + timedelta(days=1 if times[1] == time(0, 0) else 0)
    return When(start, _localize(datetime.combine(end_day, times[1]), tz))


# ------------------------------------------------------- where a date or a time ends

# How many words a date or a time can take at most: "le jeudi 10 décembre 2026",
# "de 14 h 30 à 16 h 30".
_DATE_WORDS = 6
_TIME_WORDS = 9
# The forms _resolve_date reads, in its order.
_DATE_FORMS = (
    _DATE_ISO, _DATE_DMY, _DATE_DAY_MONTH, _DATE_MONTH_DAY, _DATE_TODAY, _DATE_TOMORROW,
    _DATE_AFTER_TOMORROW, _DATE_YESTERDAY, _DATE_WEEKDAY, _DATE_NEXT_WEEKDAY, _DATE_IN,
)


def _is_date(norm: str) -> bool:
    """Whether this is written as a date (31/02 is, even though no such day exists)."""
    return any(form.fullmatch(norm) for form in _DATE_FORMS)


def _is_time(norm: str) -> bool:
    return bool(_TIME_WITH_OFFSET.fullmatch(norm) or _TIME_RANGE.fullmatch(norm))


# The words a date or a time can start with (besides a digit): a cheap test that spares the
# full grammar at every word of a long title. Tests check it against every accepted input.
_DATE_FIRST_WORDS = frozenset(_WEEKDAYS) | frozenset(_MONTHS) | {
    "le", "the", "on", "ce", "this", "dans", "in", "prochain", "next", "aujourd'hui", "aujourdhui",
    "auj", "today", "demain", "tomorrow", "apres-demain", "apres", "day", "hier", "yesterday",
}
_TIME_FIRST_WORDS = frozenset({
    "a", "at", "vers", "@", "de", "from", "between", "entre", "midi", "noon", "minuit", "midnight",
})


def _longest(words: Sequence[str], most: int, test, first_words: frozenset[str]) -> int:
    words = list(takewhile(lambda word: len(word) <= MAX_INPUT_LENGTH, words[:most]))
    first = _tidy(_fold(words[0])) if words else None
    if not first or not (first[0].isdigit() or first.split()[0].rstrip(".,") in first_words):
        return 0
    folded = [_fold(word) for word in words]
    for count in range(len(folded), 0, -1):
        norm = _tidy(" ".join(folded[:count]))
        if norm and test(norm):
            return count
    return 0


def date_length(words: Sequence[str]) -> int:
    """How many of ``words``, from the first, make one date (the most that do; 0 if none):
    ``["jeudi", "10", "décembre", "14h"]`` -> 3, ``["dans", "2", "semaines"]`` -> 3.
    The command parser asks this where a date may start."""
    return _longest(words, _DATE_WORDS, _is_date, _DATE_FIRST_WORDS)


def time_length(words: Sequence[str]) -> int:
    """How many of ``words``, from the first, make one time or time range:
    ``["à", "14h"]`` -> 2, ``["de", "14h", "à", "16h30", "salle"]`` -> 4."""
    return _longest(words, _TIME_WORDS, _is_time, _TIME_FIRST_WORDS)


def _duration_number(raw: str) -> float:
    if raw in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[raw])
    return float(raw.replace(",", "."))


def parse_duration(text: str) -> timedelta:
    """Read a duration: ``2h``, ``1h30``, ``90 min``, ``1,5h``, ``2 heures``, ``1 jour`` ..."""
    norm = _normalize(text)

    def unparsable() -> DateError:
        return DateError("unparsable", _(
            "I could not read the duration “{text}”. Examples: 2h, 1h30, 90 min, 45m, "
            "1.5h, 2 hours, 1 day.",
            text=_shown(text),
        ))

    if not norm:
        raise unparsable()
    if _DURATION_HALF_HOUR.fullmatch(norm):
        return timedelta(minutes=30)
    match = _DURATION.fullmatch(norm)
    if match is None or not any(match.group(g) for g in ("w", "d", "h", "m")):
        raise unparsable()
    hours_raw = match.group("h")
    extra_minutes = match.group("hm")
    if extra_minutes is not None:
        if int(extra_minutes) > 59 or "." in hours_raw or "," in hours_raw:
            raise DateError("unparsable", _(
                "“{text}”: the minutes after the hours must be a whole number under 60, "
                "for example 1h30.",
                text=_shown(text),
            ))
    seconds = 0.0
    if match.group("w"):
        seconds += _duration_number(match.group("w")) * 7 * 86400
    if match.group("d"):
        seconds += _duration_number(match.group("d")) * 86400
    if hours_raw:
        seconds += _duration_number(hours_raw) * 3600
        seconds += int(extra_minutes or 0) * 60 + (1800 if match.group("half") else 0)
    if match.group("m"):
        seconds += int(match.group("m")) * 60
    if seconds <= 0:
        raise DateError("unparsable", _(
            "“{text}”: a duration must be longer than zero.", text=_shown(text)
        ))
    return timedelta(seconds=round(seconds))


def _limit_label(limit: timedelta) -> str:
    days = limit.days
    if days >= 365 and days % 365 == 0:
        years = days // 365
        return ngettext("{n} year", "{n} years", years)
    return ngettext("{n} day", "{n} days", days)


def validate_future(
    dt: datetime | date,
    *,
    now: datetime,
    allow_past: bool = False,
    max_ahead: timedelta = DEFAULT_MAX_AHEAD,
    tz: ZoneInfo | None = None,
):
    """Return ``dt`` unchanged if it is neither past (unless ``allow_past``) nor more
    than ``max_ahead`` after ``now``; raise ``DateError('past'|'too_far')`` otherwise.

    A ``date`` is compared with today's date (in ``tz`` when given, else in ``now``'s
    zone); a naive datetime is taken in ``now``'s zone and vice versa."""
    if isinstance(dt, datetime):
        value, ref = dt, now
        if value.tzinfo is None and ref.tzinfo is not None:
            value = value.replace(tzinfo=ref.tzinfo)
        elif value.tzinfo is not None and ref.tzinfo is None:
            ref = ref.replace(tzinfo=value.tzinfo)
        shown = format_date(dt)
    else:
        value = dt
        ref = (now.astimezone(tz) if tz is not None and now.tzinfo is not None else now).date()
        shown = format_date(dt)
    if not allow_past and value < ref:
        raise DateError("past", _("{when} is already past. Please give a date to come.", when=shown))
    if value - ref > max_ahead:
        raise DateError("too_far", _(
            "{when} is too far ahead: the limit is {limit} from now.",
            when=shown,
            limit=_limit_label(max_ahead),
        ))
    return dt


# -------------------------------------------------------------------------- formatting

def format_date(
    value: date | datetime,
    *,
    locale: str | None = None,
    with_time: bool | None = None,
    tz: ZoneInfo | None = None,
) -> str:
    """Spell a date out in words: ``jeudi 10 décembre 2026 à 14:30`` (French keeps
    the 24-hour ``14:30`` style everywhere), ``Thursday 10 December 2026 at 2:30 PM``.

    ``with_time`` defaults to whether ``value`` is a datetime; an aware datetime is
    shown in ``tz`` when given, else in its own zone."""
    loc = _locale(locale)
    if isinstance(value, datetime):
        moment = value.astimezone(tz) if tz is not None and value.tzinfo is not None else value
        show_time = True if with_time is None else with_time
    else:
        moment = datetime.combine(value, time())
        show_time = False
    if loc == "fr":
        day = "1er" if moment.day == 1 else str(moment.day)
        pattern = f"EEEE '{day}' MMMM y" + (" 'à' HH:mm" if show_time else "")
    else:
        pattern = "EEEE d MMMM y" + (" 'at' h:mm a" if show_time else "")
    return _babel_format_datetime(moment, pattern, locale=loc)


def format_short(
    value: date | datetime, *, locale: str | None = None, tz: ZoneInfo | None = None
) -> str:
    """Compact form for lists: ``jeu. 10/12 14:30`` / ``Thu 10 Dec 2:30 PM``
    (English spells the month out so that 10/12 is never read as October 12)."""
    loc = _locale(locale)
    if isinstance(value, datetime):
        moment = value.astimezone(tz) if tz is not None and value.tzinfo is not None else value
        pattern = "EEE dd/MM HH:mm" if loc == "fr" else "EEE d MMM h:mm a"
    else:
        moment = datetime.combine(value, time())
        pattern = "EEE dd/MM" if loc == "fr" else "EEE d MMM"
    return _babel_format_datetime(moment, pattern, locale=loc)


def format_time(value: datetime, *, locale: str | None = None, tz: ZoneInfo | None = None) -> str:
    """A time of day alone: ``16:30`` in French, ``4:30 PM`` in English."""
    moment = value.astimezone(tz) if tz is not None and value.tzinfo is not None else value
    return _babel_format_datetime(moment, "HH:mm" if _locale(locale) == "fr" else "h:mm a", locale=_locale(locale))
