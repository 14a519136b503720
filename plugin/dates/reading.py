"""The words, patterns and low-level readers behind ``plugin.dates`` (its public API is there)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import get_day_names, get_month_names

from plugin.i18n import _, get_locale, normalize_locale


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
