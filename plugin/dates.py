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

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import get_day_names, get_month_names

from plugin.i18n import _, get_locale, ngettext, normalize_locale

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
]

MAX_INPUT_LENGTH = 100
MIN_YEAR = 1900
MAX_YEAR = 2999
DEFAULT_MAX_AHEAD = timedelta(days=3 * 365)


class DateError(ValueError):
    """A date, time or duration the user typed cannot be used.

    ``code`` is one of ``CODES``; ``message`` is already translated.
    """

    CODES = frozenset({"unparsable", "impossible", "nonexistent", "ambiguous", "past", "too_far"})

    def __init__(self, code: str, message: str):
        if code not in self.CODES:
            raise AssertionError(f"unknown DateError code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"DateError({self.code!r}, {self.message!r})"


# --------------------------------------------------------------------------- vocabulary

_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "mar": 3, "march": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}
_WEEKDAYS = {
    "lundi": 0, "lun": 0, "monday": 0, "mon": 0,
    "mardi": 1, "mar": 1, "tuesday": 1, "tue": 1, "tues": 1,
    "mercredi": 2, "mer": 2, "wednesday": 2, "wed": 2,
    "jeudi": 3, "jeu": 3, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "vendredi": 4, "ven": 4, "friday": 4, "fri": 4,
    "samedi": 5, "sam": 5, "saturday": 5, "sat": 5,
    "dimanche": 6, "dim": 6, "sunday": 6, "sun": 6,
}
_NUMBER_WORDS = {
    "un": 1, "une": 1, "a": 1, "an": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3,
    "quatre": 4, "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8,
    "eight": 8, "neuf": 9, "nine": 9, "dix": 10, "ten": 10,
}


def _alternation(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MON = rf"(?:{_alternation(_MONTHS)})"
_WD = rf"(?:{_alternation(_WEEKDAYS)})"
_NUMWORD = rf"(?:{_alternation(_NUMBER_WORDS)})"

# ----------------------------------------------------------------------------- regexes

_SPACES = re.compile(r"\s+")
_CHAR_MAP = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-",
})

# Optional weekday in front of an explicit date: "jeudi 10 décembre", "thu, dec 10".
_WD_PREFIX = rf"(?:(?:le|on|the)\s+)?(?:(?P<pwd>{_WD})\.?,?\s+)?"

_DATE_ISO = re.compile(
    rf"{_WD_PREFIX}(?P<y>\d{{4}})(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}})"
)
_DATE_DMY = re.compile(
    rf"{_WD_PREFIX}(?:le\s+|the\s+)?(?P<d>\d{{1,2}})(?P<s>[-/.])(?P<m>\d{{1,2}})"
    rf"(?:(?P=s)(?P<y>\d{{4}}|\d{{2}}))?"
)
_DATE_DAY_MONTH = re.compile(
    rf"{_WD_PREFIX}(?:le\s+|the\s+)?(?P<d>\d{{1,2}})(?:er|st|nd|rd|th)?\s*(?:of\s+)?"
    rf"(?P<mon>{_MON})\.?(?:,?\s+(?P<y>\d{{4}}))?"
)
_DATE_MONTH_DAY = re.compile(
    rf"{_WD_PREFIX}(?P<mon>{_MON})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<y>\d{{4}}))?"
)
_DATE_TODAY = re.compile(r"aujourd'?hui|auj|today")
_DATE_TOMORROW = re.compile(r"demain|tomorrow")
_DATE_AFTER_TOMORROW = re.compile(r"apres[- ]?demain|(?:the\s+)?day\s+after\s+tomorrow")
_DATE_YESTERDAY = re.compile(r"hier|yesterday")
_DATE_WEEKDAY = re.compile(rf"(?:(?:ce|this|le|on)\s+)?(?P<wd>{_WD})\.?")
_DATE_NEXT_WEEKDAY = re.compile(
    rf"(?:le\s+)?(?P<a>{_WD})\.?\s+prochain|(?:le\s+)?prochain\s+(?P<b>{_WD})\.?"
    rf"|(?:on\s+)?next\s+(?P<c>{_WD})\.?"
)
_DATE_IN = re.compile(
    rf"(?:dans|in)\s+(?P<n>\d{{1,4}}|{_NUMWORD})\s*"
    r"(?P<unit>jours?|j|days?|d|semaines?|sem|weeks?|w)"
)

def _time_pattern(prefix: str = "") -> str:
    """The time forms; ``prefix`` keeps group names unique when a pattern holds two times."""
    p = prefix
    return (
        rf"(?:(?P<{p}ah>\d{{1,2}})(?::(?P<{p}am>\d{{2}}))?\s*(?P<{p}ap>am|pm|a\.m\.|p\.m\.)"
        rf"|(?P<{p}hh>\d{{1,2}})\s*h\s*(?P<{p}hm>\d{{2}})?"
        rf"|(?P<{p}ch>\d{{1,2}}):(?P<{p}cm>\d{{2}})(?::(?P<{p}cs>\d{{2}}))?"
        rf"|(?P<{p}word>midi|noon|minuit|midnight))"
    )


_TIME = _time_pattern()
_OFFSET = (
    r"(?:\s*\(?\s*(?:(?:utc|gmt)?\s*(?P<osign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?"
    r"|(?P<ozero>utc|gmt|z))\s*\)?)"
)
_CONNECTOR = r"(?:(?:a|at|vers|@)\s+)"
_TIME_ONLY = re.compile(rf"{_CONNECTOR}?{_TIME}")
_TIME_WITH_OFFSET = re.compile(rf"{_CONNECTOR}?{_TIME}{_OFFSET}?")
_DT_TIME_SUFFIX = re.compile(
    rf"(?:(?<=\d)t|\s*,\s*{_CONNECTOR}?|\s+{_CONNECTOR}?|\s*@\s*){_TIME}{_OFFSET}?$"
)
_DT_TIME_PREFIX = re.compile(rf"{_CONNECTOR}?{_TIME}{_OFFSET}?(?:\s*,\s*|\s+)(?P<rest>.+)")

# Time ranges: "de 14h à 16h30", "14h-16h30", "9h30–12h", "from 2pm to 4:30pm", "2-4pm".
# A bare start hour takes the end's form ("de 14 à 16h", "2-4pm"), but only after "de"/"from"
# or before a dash: "jeudi 10 à 12h" is the 10th at noon, not a range.
_RANGE_SEP = r"(?:\s*-\s*|\s+(?:a|to|until|till|jusqu'?a|et|and)\s+)"
_RANGE = (
    rf"(?:(?P<lead>de|from|between|entre)\s+)?"
    rf"(?:{_time_pattern('s_')}{_RANGE_SEP}|(?P<s_bare>\d{{1,2}})(?(lead){_RANGE_SEP}|\s*-\s*))"
    rf"{_time_pattern('e_')}"
)
_TIME_RANGE = re.compile(_RANGE)
_DT_RANGE_SUFFIX = re.compile(rf"(?:\s*,\s*|\s+){_RANGE}$")

_DUR_NUM = rf"(?:\d{{1,4}}(?:[.,]\d{{1,3}})?|{_NUMWORD})"
_DUR_AND = r"(?:\s*(?:,|et|and)\s*|\s*)"
_DUR_MIN_UNIT = r"(?:minutes?|mins?|mn|m)(?![a-z])"
_DURATION = re.compile(
    rf"(?:(?P<w>{_DUR_NUM})\s*(?:semaines?|sem|weeks?|w)(?![a-z]){_DUR_AND})?"
    rf"(?:(?P<d>{_DUR_NUM})\s*(?:jours?|j|days?|d)(?![a-z]){_DUR_AND})?"
    rf"(?:(?P<h>{_DUR_NUM})\s*(?:heures?|hours?|hrs?|h)(?![a-z]){_DUR_AND}"
    rf"(?:(?P<hm>\d{{1,2}})(?:\s*{_DUR_MIN_UNIT})?|(?P<half>et\s+demie?|and\s+a\s+half))?)?"
    rf"\s*(?:(?P<m>\d{{1,5}})\s*{_DUR_MIN_UNIT})?"
)
_DURATION_HALF_HOUR = re.compile(r"(?:une\s+)?demi[- ]?heure|half\s+an\s+hour|(?:a\s+)?half[- ]hour")


# ----------------------------------------------------------------------------- helpers

def _normalize(text: object) -> str | None:
    """Lower-case, strip accents, unify apostrophes/dashes, collapse spaces.

    Returns None for input that cannot be a date at all (not a string, too long).
    """
    if not isinstance(text, str) or len(text) > 4 * MAX_INPUT_LENGTH:
        return None
    return _tidy(_fold(text))


@lru_cache(maxsize=1024)  # the same words are looked at from several places of a command
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_CHAR_MAP))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _tidy(folded: str) -> str | None:
    text = _SPACES.sub(" ", folded).strip().strip(",").strip()  # "December 10," in a sentence
    if not text or len(text) > MAX_INPUT_LENGTH:
        return None
    return text


def _shown(text: object) -> str:
    """The user's text as quoted back in a message: one line, short, no markup."""
    if not isinstance(text, str):
        return ""
    shown = _SPACES.sub(" ", text.replace("`", "'")).strip()
    return shown if len(shown) <= 40 else shown[:39] + "\u2026"


def _locale(locale: str | None = None) -> str:
    return normalize_locale(locale or get_locale())


def _month_name(month: int) -> str:
    return get_month_names("wide", locale=_locale())[month]


def _weekday_name(weekday: int) -> str:
    return get_day_names("wide", locale=_locale())[weekday]


def _hhmm(value: time | datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _local_now(now: datetime, tz: ZoneInfo) -> datetime:
    if now.tzinfo is None:
        return now.replace(tzinfo=tz)
    return now.astimezone(tz)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


_MAX_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _impossible_date(text: str, reason: str) -> DateError:
    return DateError(
        "impossible",
        _("“{text}” is not a valid date: {reason}.", text=_shown(text), reason=reason),
    )


def _check_day_month(day: int, month: int, text: str, *, any_year: bool = True) -> None:
    if not 1 <= month <= 12:
        raise _impossible_date(text, _(
            "there is no month {month} (months go from 1 to 12; dates are written "
            "day/month/year, e.g. 10/12/2026)",
            month=month,
        ))
    if day == 0:
        raise _impossible_date(text, _("there is no day 0"))
    if any_year and day > _MAX_DAYS[month]:
        raise _impossible_date(text, _(
            "{month} never has more than {days} days", month=_month_name(month), days=_MAX_DAYS[month]
        ))


def _make_date(year: int, month: int, day: int, text: str) -> date:
    _check_day_month(day, month, text, any_year=False)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _impossible_date(text, _(
            "the year must be between {first} and {last}", first=MIN_YEAR, last=MAX_YEAR
        ))
    days = _days_in_month(year, month)
    if day > days:
        raise _impossible_date(text, _(
            "{month} {year} has only {days} days", month=_month_name(month), year=year, days=days
        ))
    return date(year, month, day)


def _next_occurrence(month: int, day: int, today: date, text: str) -> date:
    """The first date on or after ``today`` with this day and month."""
    _check_day_month(day, month, text)
    for year in range(today.year, today.year + 9):
        if day <= _days_in_month(year, month):
            candidate = date(year, month, day)
            if candidate >= today:
                return candidate
    raise AssertionError("unreachable: every valid day/month recurs within 8 years")


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    year = int(raw)
    return 2000 + year if len(raw) == 2 else year


def _spell_day(d: date, *, locale: str | None = None) -> str:
    """``10 décembre 2026`` / ``1er décembre 2026`` / ``10 December 2026``."""
    loc = _locale(locale)
    day = "1er" if loc == "fr" and d.day == 1 else str(d.day)
    return _babel_format_datetime(datetime.combine(d, time()), f"'{day}' MMMM y", locale=loc)


# -------------------------------------------------------------------------- date core

def _explicit(match: re.Match, month: int, today: date, text: str) -> date:
    day = int(match.group("d"))
    year = _year(match.group("y"))
    result = _next_occurrence(month, day, today, text) if year is None else _make_date(year, month, day, text)
    given = match.group("pwd")
    if given is not None and _WEEKDAYS[given] != result.weekday():
        raise DateError("ambiguous", _(
            "{date} is a {actual}, not a {given}. Please check the date.",
            date=_spell_day(result),
            actual=_weekday_name(result.weekday()),
            given=_weekday_name(_WEEKDAYS[given]),
        ))
    return result


def _resolve_date(norm: str, today: date, text: str) -> tuple[date, bool] | None:
    """Read a normalized date; returns (date, is_bare_weekday) or None when unreadable."""
    if match := _DATE_ISO.fullmatch(norm):
        return _explicit(match, int(match.group("m")), today, text), False
    if match := _DATE_DMY.fullmatch(norm):
        return _explicit(match, int(match.group("m")), today, text), False
    if match := _DATE_DAY_MONTH.fullmatch(norm):
        return _explicit(match, _MONTHS[match.group("mon")], today, text), False
    if match := _DATE_MONTH_DAY.fullmatch(norm):
        return _explicit(match, _MONTHS[match.group("mon")], today, text), False
    if _DATE_TODAY.fullmatch(norm):
        return today, False
    if _DATE_TOMORROW.fullmatch(norm):
        return today + timedelta(days=1), False
    if _DATE_AFTER_TOMORROW.fullmatch(norm):
        return today + timedelta(days=2), False
    if _DATE_YESTERDAY.fullmatch(norm):
        return today - timedelta(days=1), False
    if match := _DATE_WEEKDAY.fullmatch(norm):
        ahead = (_WEEKDAYS[match.group("wd")] - today.weekday()) % 7
        return today + timedelta(days=ahead), True
    if match := _DATE_NEXT_WEEKDAY.fullmatch(norm):
        name = match.group("a") or match.group("b") or match.group("c")
        ahead = (_WEEKDAYS[name] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead), False
    if match := _DATE_IN.fullmatch(norm):
        raw = match.group("n")
        count = _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)
        weeks = match.group("unit")[0] in "sw"
        return today + timedelta(days=count * (7 if weeks else 1)), False
    return None


# --------------------------------------------------------------------------- time core

def _impossible_time(text: str, reason: str) -> DateError:
    return DateError(
        "impossible",
        _("“{text}” is not a valid time: {reason}.", text=_shown(text), reason=reason),
    )


def _unparsable_time(text: str) -> DateError:
    return DateError("unparsable", _(
        "I could not read the time “{text}”. Examples: 14:30, 9:05, 2pm, 2:30pm, noon, midnight.",
        text=_shown(text),
    ))


def _time_from_match(match: re.Match, text: str, prefix: str = "") -> time:
    def group(name: str) -> str | None:
        return match.group(prefix + name)

    if group("word") is not None:
        return time(0, 0) if group("word") in ("minuit", "midnight") else time(12, 0)
    if group("ah") is not None:
        hour, minute, second = int(group("ah")), int(group("am") or 0), 0
        if not 1 <= hour <= 12:
            raise _impossible_time(text, _("with am/pm, hours go from 1 to 12"))
        hour = hour % 12 + (12 if group("ap")[0] == "p" else 0)
    elif group("hh") is not None:
        hour, minute, second = int(group("hh")), int(group("hm") or 0), 0
    else:
        hour, minute, second = int(group("ch")), int(group("cm")), int(group("cs") or 0)
    if hour > 23:
        raise _impossible_time(text, _("hours go from 0 to 23"))
    if minute > 59:
        raise _impossible_time(text, _("minutes go from 0 to 59"))
    if second > 59:
        raise _impossible_time(text, _("seconds go from 0 to 59"))
    return time(hour, minute, second)


def _offset_from_match(match: re.Match, text: str) -> timezone | None:
    if match.group("ozero") is not None:
        return timezone.utc
    if match.group("osign") is None:
        return None
    hours, minutes = int(match.group("oh")), int(match.group("om") or 0)
    if hours > 14 or minutes > 59:
        raise _unparsable_time(text)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if match.group("osign") == "-" else delta)


def _range_from_match(match: re.Match, text: str) -> tuple[time, time]:
    """Start and end of a time range; the end is after the start (midnight ends the day)."""
    end = _time_from_match(match, text, "e_")
    bare = match.group("s_bare")
    if bare is None:
        start = _time_from_match(match, text, "s_")
    elif match.group("e_ap") is not None:  # "2-4pm": the start is in the afternoon too...
        hour = int(bare)
        if not 1 <= hour <= 12:
            raise _impossible_time(text, _("with am/pm, hours go from 1 to 12"))
        start = time(hour % 12 + (12 if match.group("e_ap")[0] == "p" else 0))
        if start >= end and start.hour >= 12:  # ... unless that puts it after the end: "11-1pm"
            start = time(hour % 12)
    else:
        if int(bare) > 23:
            raise _impossible_time(text, _("hours go from 0 to 23"))
        start = time(int(bare))
    if end <= start and end != time(0, 0):
        raise DateError("impossible", _(
            "“{text}”: the end ({end}) must come after the start ({start}).",
            text=_shown(text), start=_hhmm(start), end=_hhmm(end),
        ))
    if start == end:
        raise _impossible_time(text, _("the start and the end are the same"))
    return start, end


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
