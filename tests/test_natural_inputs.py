"""What people type, in French and English, and the exact value each must give.

One table of natural inputs: dates, dates with a time, times, time ranges (alone and after
a date) and amounts. Each is read by the engine (``plugin.dates``, ``plugin.schemas.fields``)
and, for dates and times, also found by the command parser inside a command line, which is
how the tokenizer and the date grammar share one vocabulary.

Reference moment: Thursday 2026-11-26 10:00, Europe/Paris.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from plugin.commands.parser import parse
from tests.helpers.grammar import SESSION
from plugin.dates import TimeRange, parse_date, parse_time_range, parse_when
from plugin.i18n import use_locale
from plugin.schemas.fields import parse_amount, split_amount

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday
NNBSP = "\u202f"


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


def amount(value: str, unit: str | None = None):
    return Decimal(value), unit


# (kind, locale, what people type, the value it must give)
#   date     -> date
#   when     -> datetime (a start, no end)
#   time     -> time
#   range    -> (start, end) times
#   span     -> (start, end) datetimes: a date then a time range
#   amount   -> (Decimal, unit as typed)
#   twoways  -> (first reading, second reading) offered when an amount reads two ways
NATURAL = [
    # dates, French
    ("date", "fr", "jeudi 10 décembre", date(2026, 12, 10)),
    ("date", "fr", "vendredi 15 janvier", date(2027, 1, 15)),
    ("date", "fr", "samedi 12 décembre", date(2026, 12, 12)),
    ("date", "fr", "le jeudi 10 décembre 2026", date(2026, 12, 10)),
    ("date", "fr", "ce jeudi", date(2026, 11, 26)),
    ("date", "fr", "après-demain", date(2026, 11, 28)),
    ("date", "fr", "après demain", date(2026, 11, 28)),
    ("date", "fr", "demain", date(2026, 11, 27)),
    ("date", "fr", "aujourd’hui", date(2026, 11, 26)),
    ("date", "fr", "dans 2 semaines", date(2026, 12, 10)),
    ("date", "fr", "dans une semaine", date(2026, 12, 3)),
    ("date", "fr", "dans trois jours", date(2026, 11, 29)),
    ("date", "fr", "dans 10 jours", date(2026, 12, 6)),
    ("date", "fr", "le 3 décembre", date(2026, 12, 3)),
    ("date", "fr", "1er janvier", date(2027, 1, 1)),
    ("date", "fr", "lundi prochain", date(2026, 11, 30)),
    ("date", "fr", "mercredi prochain", date(2026, 12, 2)),
    ("date", "fr", "10/12", date(2026, 12, 10)),
    ("date", "fr", "10/12/2026", date(2026, 12, 10)),
    ("date", "fr", "2027-03-15", date(2027, 3, 15)),
    # dates, English
    ("date", "en", "this thursday", date(2026, 11, 26)),
    ("date", "en", "December 10", date(2026, 12, 10)),
    ("date", "en", "Dec 10th", date(2026, 12, 10)),
    ("date", "en", "on December 3", date(2026, 12, 3)),
    ("date", "en", "Thursday, December 10", date(2026, 12, 10)),
    ("date", "en", "Friday January 15", date(2027, 1, 15)),
    ("date", "en", "day after tomorrow", date(2026, 11, 28)),
    ("date", "en", "the day after tomorrow", date(2026, 11, 28)),
    ("date", "en", "tomorrow", date(2026, 11, 27)),
    ("date", "en", "today", date(2026, 11, 26)),
    ("date", "en", "next monday", date(2026, 11, 30)),
    ("date", "en", "in 2 weeks", date(2026, 12, 10)),
    ("date", "en", "in two weeks", date(2026, 12, 10)),
    ("date", "en", "the 1st of January", date(2027, 1, 1)),
    # a date and a time
    ("when", "fr", "le 3 décembre à 10h", at(2026, 12, 3, 10)),
    ("when", "fr", "jeudi 10 décembre 14h", at(2026, 12, 10, 14)),
    ("when", "fr", "vendredi 15 janvier 10h", at(2027, 1, 15, 10)),
    ("when", "fr", "ce jeudi 14h", at(2026, 11, 26, 14)),
    ("when", "fr", "jeudi 9h", at(2026, 12, 3, 9)),  # 9:00 is past today: next Thursday
    ("when", "fr", "demain 9h30", at(2026, 11, 27, 9, 30)),
    ("when", "fr", "après-demain à midi", at(2026, 11, 28, 12)),
    ("when", "fr", "dans 2 semaines à 9h", at(2026, 12, 10, 9)),
    ("when", "fr", "le 1er décembre à 9h", at(2026, 12, 1, 9)),
    ("when", "fr", "10/12 14h30", at(2026, 12, 10, 14, 30)),
    ("when", "fr", "jeudi 10 décembre 14 h 30", at(2026, 12, 10, 14, 30)),
    ("when", "en", "this thursday 2pm", at(2026, 11, 26, 14)),
    ("when", "en", "December 10 at 2:30pm", at(2026, 12, 10, 14, 30)),
    ("when", "en", "day after tomorrow at 9am", at(2026, 11, 28, 9)),
    ("when", "en", "tomorrow at noon", at(2026, 11, 27, 12)),
    ("when", "en", "next monday 10am", at(2026, 11, 30, 10)),
    ("when", "en", "Thursday, December 10, 2pm", at(2026, 12, 10, 14)),
    ("when", "en", "2026-12-10 14:00", at(2026, 12, 10, 14)),
    # times
    ("time", "fr", "14h", time(14, 0)),
    ("time", "fr", "14h30", time(14, 30)),
    ("time", "fr", "14 h 30", time(14, 30)),
    ("time", "fr", "à 10h", time(10, 0)),
    ("time", "fr", "9h05", time(9, 5)),
    ("time", "fr", "midi", time(12, 0)),
    ("time", "en", "2pm", time(14, 0)),
    ("time", "en", "4:30 pm", time(16, 30)),
    ("time", "en", "at noon", time(12, 0)),
    # time ranges
    ("range", "fr", "de 14h à 16h30", (time(14, 0), time(16, 30))),
    ("range", "fr", "14h-16h30", (time(14, 0), time(16, 30))),
    ("range", "fr", "9h30–12h", (time(9, 30), time(12, 0))),
    ("range", "fr", "9h30 — 12h", (time(9, 30), time(12, 0))),
    ("range", "fr", "9h - 12h", (time(9, 0), time(12, 0))),
    ("range", "fr", "de 14 à 16h", (time(14, 0), time(16, 0))),
    ("range", "fr", "entre 14h et 16h", (time(14, 0), time(16, 0))),
    ("range", "fr", "de midi à 14h", (time(12, 0), time(14, 0))),
    ("range", "fr", "22h-minuit", (time(22, 0), time(0, 0))),
    ("range", "en", "from 2pm to 4:30pm", (time(14, 0), time(16, 30))),
    ("range", "en", "2-4pm", (time(14, 0), time(16, 0))),
    ("range", "en", "11-1pm", (time(11, 0), time(13, 0))),
    ("range", "en", "between 9am and 11am", (time(9, 0), time(11, 0))),
    ("range", "en", "10:00-12:00", (time(10, 0), time(12, 0))),
    # a date, then a time range
    ("span", "fr", "jeudi 10 décembre de 14h à 16h30", (at(2026, 12, 10, 14), at(2026, 12, 10, 16, 30))),
    ("span", "fr", "demain 14h-16h", (at(2026, 11, 27, 14), at(2026, 11, 27, 16))),
    ("span", "fr", "le 3 décembre de 9h30 à 12h", (at(2026, 12, 3, 9, 30), at(2026, 12, 3, 12))),
    ("span", "fr", "après-demain de 22h à minuit", (at(2026, 11, 28, 22), at(2026, 11, 29, 0))),
    ("span", "fr", "ce jeudi 9h30–12h", (at(2026, 12, 3, 9, 30), at(2026, 12, 3, 12))),  # 9:30 past today
    ("span", "en", "this thursday from 2pm to 4:30pm", (at(2026, 11, 26, 14), at(2026, 11, 26, 16, 30))),
    ("span", "en", "December 10, 9:30am-12pm", (at(2026, 12, 10, 9, 30), at(2026, 12, 10, 12))),
    ("span", "en", "next monday 2-4pm", (at(2026, 11, 30, 14), at(2026, 11, 30, 16))),
    # amounts, French
    ("amount", "fr", "1 500,50 €", amount("1500.50", "€")),
    ("amount", "fr", "1500 €", amount("1500.00", "€")),
    ("amount", "fr", "1.500 €", amount("1500.00", "€")),
    ("amount", "fr", "1.500,50 €", amount("1500.50", "€")),
    ("amount", "fr", "1\u00a0500,50\u00a0€", amount("1500.50", "€")),
    ("amount", "fr", f"1{NNBSP}500 €", amount("1500.00", "€")),
    ("amount", "fr", "1 500 000 €", amount("1500000.00", "€")),
    ("amount", "fr", "2 000 eur", amount("2000.00", "eur")),
    ("amount", "fr", "1,50 €", amount("1.50", "€")),
    ("amount", "fr", "0,5", amount("0.50")),
    ("amount", "fr", "3,5 j", amount("3.50", "j")),
    ("amount", "fr", "10 jours", amount("10.00", "jours")),
    ("amount", "fr", "1,500.50", amount("1500.50")),
    ("amount", "fr", "€1 500", amount("1500.00", "€")),
    ("amount", "fr", "1'500 €", amount("1500.00", "€")),
    # amounts, English
    ("amount", "en", "1,500.50", amount("1500.50")),
    ("amount", "en", "€1,500", amount("1500.00", "€")),
    ("amount", "en", "€ 1,500", amount("1500.00", "€")),
    ("amount", "en", "1,500", amount("1500.00")),
    ("amount", "en", "1,234,567.89", amount("1234567.89")),
    ("amount", "en", "1500.5 euros", amount("1500.50", "euros")),
    ("amount", "en", "2.5 days", amount("2.50", "days")),
    ("amount", "en", "10 hours", amount("10.00", "hours")),
    # amounts that read two ways: refused, both readings offered
    ("twoways", "fr", "1,500 €", ("1,50", f"1{NNBSP}500")),
    ("twoways", "fr", "€1,500", ("1,50", f"1{NNBSP}500")),
    ("twoways", "fr", "100,000 €", ("100", f"100{NNBSP}000")),
    ("twoways", "en", "1.500", ("1.50", "1,500")),
    ("twoways", "en", "1.500 €", ("1.50", "1,500")),
    ("twoways", "en", "12.500 euros", ("12.50", "12,500")),
]


def test_the_table_is_large_and_bilingual():
    assert len(NATURAL) >= 80
    kinds = {kind for kind, *_rest in NATURAL}
    assert kinds == {"date", "when", "time", "range", "span", "amount", "twoways"}
    for locale in ("fr", "en"):
        assert {kind for kind, loc, *_rest in NATURAL if loc == locale} == kinds


def read(kind: str, text: str):
    """The engine's value for ``text``."""
    if kind == "date":
        return parse_date(text, now=NOW, tz=PARIS)
    if kind == "when":
        when = parse_when(text, now=NOW, tz=PARIS)
        assert when.end is None
        return when.start
    if kind == "time":
        found = parse_time_range(text)
        assert found.end is None
        return found.start
    if kind == "range":
        found = parse_time_range(text)
        return found.start, found.end
    if kind == "span":
        when = parse_when(text, now=NOW, tz=PARIS)
        return when.start, when.end
    number, unit = split_amount(text)
    return parse_amount(number), unit


@pytest.mark.parametrize("kind, locale, text, expected", NATURAL, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in NATURAL])
def test_natural_input_gives_its_value(kind, locale, text, expected):
    with use_locale(locale):
        if kind == "twoways":
            number, _unit = split_amount(text)
            with pytest.raises(ValidationError) as error:
                parse_amount(number)
            message = error.value.messages[0]
            first, second = expected
            assert f"{first} " in message and f" {second}" in message, message
            assert ("deux façons" if locale == "fr" else "two ways") in message
            return
        value = read(kind, text)
    assert value == expected
    if kind in ("when", "span"):
        starts = value if kind == "when" else value[0]
        assert starts.tzinfo is PARIS


WHEN_ROWS = [row for row in NATURAL if row[0] in ("date", "when", "span")]


@pytest.mark.parametrize("kind, locale, text, expected", WHEN_ROWS, ids=[r[2] for r in WHEN_ROWS])
def test_the_command_parser_finds_the_same_date_after_a_title(kind, locale, text, expected):
    """`/session planifier <title> <date> [<time>]`: the title ends where the engine's date starts."""
    parsed = parse(SESSION, f"planifier Atelier de co-construction {text} --duree 2h")
    assert parsed.values["title"] == "Atelier de co-construction"
    assert parsed.values["duration"] == "2h"
    if kind == "date":
        assert "time" not in parsed.values
        assert parse_date(parsed.values["date"], now=NOW, tz=PARIS) == expected
        return
    when = parse_when(parsed.values["date"], parsed.values["time"], now=NOW, tz=PARIS)
    assert (when.start if kind == "when" else (when.start, when.end)) == expected


TIME_ROWS = [row for row in NATURAL if row[0] in ("time", "range")]


@pytest.mark.parametrize("kind, locale, text, expected", TIME_ROWS, ids=[r[2] for r in TIME_ROWS])
def test_the_command_parser_takes_a_whole_time_or_range(kind, locale, text, expected):
    parsed = parse(SESSION, f"deplacer 2 10/12 {text}")
    assert parsed.values == {"number": "2", "date": "10/12", "time": text.strip()}
    found = parse_time_range(parsed.values["time"])
    assert (found.start if kind == "time" else (found.start, found.end)) == expected


AMOUNT_ROWS = [row for row in NATURAL if row[0] in ("amount", "twoways")]


@pytest.mark.parametrize("kind, locale, text, expected", AMOUNT_ROWS, ids=[r[2] for r in AMOUNT_ROWS])
def test_the_command_parser_takes_a_whole_amount(kind, locale, text, expected):
    from tests.helpers.grammar import ENGAGEMENT

    parsed = parse(ENGAGEMENT, f"ajouter ACI-Lyon Animation des ateliers --montant {text} --type temps")
    assert parsed.values["amount"].split() == text.split()  # non-breaking spaces separate words too
    assert parsed.values["description"] == "Animation des ateliers" and parsed.values["kind"] == "temps"
    if kind == "amount":
        with use_locale(locale):
            assert read(kind, parsed.values["amount"]) == expected


def test_every_date_and_time_the_grammar_reads_is_found_whole_in_a_command():
    """date_length/time_length (what the tokenizer asks) agree with parse_date/parse_time."""
    from plugin.dates import date_length, time_length
    from tests.test_dates import DATE_CASES, TIME_CASES, WEEKDAY_CASES

    for text, _expected in DATE_CASES + WEEKDAY_CASES:
        words = text.split()
        assert date_length(words) == len(words), text
        assert date_length(words + ["14h", "salle"]) == len(words), text
    for text, _expected in TIME_CASES:
        words = text.split()
        assert time_length(words + ["--lieu"]) == len(words), text


def test_a_single_time_is_a_range_without_end():
    assert parse_time_range("14h") == TimeRange(time(14, 0))
