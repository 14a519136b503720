"""Tests of the command language's date, time and duration grammar (plugin/dates/).

Reference moment: Thursday 2026-11-26 10:00 Europe/Paris (UTC+1).
"""
from __future__ import annotations

import string
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from plugin import dates
from plugin.dates import (
    DateError,
    format_date,
    format_short,
    parse_date,
    parse_datetime,
    parse_datetime_parts,
    parse_duration,
    parse_time,
    validate_future,
)
from plugin.i18n import use_locale

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # a Thursday
TODAY = NOW.date()
ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "plugin" / "translations" / "fr" / "LC_MESSAGES" / "dates.po"
NBSP = "\u00a0"


def at(y, m, d, hh=0, mm=0, tz=PARIS):
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def error_of(func, *args, **kwargs) -> DateError:
    with pytest.raises(DateError) as info:
        func(*args, **kwargs)
    return info.value


def test_reference_moment_is_a_thursday():
    assert NOW.weekday() == 3


# ------------------------------------------------------------------------ parse_date

DATE_CASES = [
    # ISO and numeric, day first
    ("2026-12-10", date(2026, 12, 10)),
    ("2026/12/10", date(2026, 12, 10)),
    ("2027-1-5", date(2027, 1, 5)),
    ("10/12/2026", date(2026, 12, 10)),  # 10 December, never 12 October
    ("10/12/26", date(2026, 12, 10)),
    ("10/12", date(2026, 12, 10)),
    ("10-12-2026", date(2026, 12, 10)),
    ("10.12.2026", date(2026, 12, 10)),
    ("10.12", date(2026, 12, 10)),
    ("1/2/2027", date(2027, 2, 1)),
    ("01/02/2027", date(2027, 2, 1)),
    ("le 10/12", date(2026, 12, 10)),
    ("29/02/2028", date(2028, 2, 29)),
    # month names, French
    ("10 décembre", date(2026, 12, 10)),
    ("10 décembre 2026", date(2026, 12, 10)),
    ("10 decembre 2027", date(2027, 12, 10)),
    ("le 10 décembre", date(2026, 12, 10)),
    ("Le 10 Décembre", date(2026, 12, 10)),
    ("1er décembre", date(2026, 12, 1)),
    ("le 1er janvier", date(2027, 1, 1)),
    ("3 février", date(2027, 2, 3)),
    ("3 fevrier", date(2027, 2, 3)),
    ("3 févr. 2027", date(2027, 2, 3)),
    ("15 août", date(2027, 8, 15)),
    ("15 aout", date(2027, 8, 15)),
    ("2 mars", date(2027, 3, 2)),
    ("2 avr", date(2027, 4, 2)),
    ("8 mai", date(2027, 5, 8)),
    ("21 juin", date(2027, 6, 21)),
    ("14 juillet", date(2027, 7, 14)),
    ("14 juil.", date(2027, 7, 14)),
    ("1er septembre", date(2027, 9, 1)),
    ("12 sept", date(2027, 9, 12)),
    ("31 octobre", date(2027, 10, 31)),
    ("30 novembre", date(2026, 11, 30)),
    ("31 déc.", date(2026, 12, 31)),
    ("jeudi 10 décembre", date(2026, 12, 10)),
    ("le jeudi 10 décembre 2026", date(2026, 12, 10)),
    ("jeudi 10/12", date(2026, 12, 10)),
    # month names, English
    ("December 10", date(2026, 12, 10)),
    ("December 10, 2026", date(2026, 12, 10)),
    ("december 10th", date(2026, 12, 10)),
    ("10 December 2026", date(2026, 12, 10)),
    ("10th of December", date(2026, 12, 10)),
    ("the 1st of January", date(2027, 1, 1)),
    ("Dec 10", date(2026, 12, 10)),
    ("Dec. 10", date(2026, 12, 10)),
    ("Jan 2nd", date(2027, 1, 2)),
    ("March 3rd 2027", date(2027, 3, 3)),
    ("mar 10", date(2027, 3, 10)),  # month first: March (not "mardi")
    ("Thursday, December 10", date(2026, 12, 10)),
    ("thu 10 dec", date(2026, 12, 10)),
    ("on December 10", date(2026, 12, 10)),
    # relative words
    ("aujourd'hui", TODAY),
    ("aujourd’hui", TODAY),
    ("aujourdhui", TODAY),
    ("Aujourd'hui", TODAY),
    ("today", TODAY),
    ("demain", date(2026, 11, 27)),
    ("DEMAIN", date(2026, 11, 27)),
    ("tomorrow", date(2026, 11, 27)),
    ("après-demain", date(2026, 11, 28)),
    ("apres-demain", date(2026, 11, 28)),
    ("après demain", date(2026, 11, 28)),
    ("Après-Demain", date(2026, 11, 28)),
    ("day after tomorrow", date(2026, 11, 28)),
    ("the day after tomorrow", date(2026, 11, 28)),
    ("hier", date(2026, 11, 25)),
    ("yesterday", date(2026, 11, 25)),
    ("dans 3 jours", date(2026, 11, 29)),
    ("dans 1 jour", date(2026, 11, 27)),
    ("dans un jour", date(2026, 11, 27)),
    ("dans 3j", date(2026, 11, 29)),
    ("in 3 days", date(2026, 11, 29)),
    ("in a day", date(2026, 11, 27)),
    ("dans 2 semaines", date(2026, 12, 10)),
    ("dans une semaine", date(2026, 12, 3)),
    ("dans trois jours", date(2026, 11, 29)),
    ("in two weeks", date(2026, 12, 10)),
    ("in 2 weeks", date(2026, 12, 10)),
    ("in one week", date(2026, 12, 3)),
    ("dans 0 jours", TODAY),
    # tolerated spacing and case
    ("  10   décembre  ", date(2026, 12, 10)),
    ("dans   3    jours", date(2026, 11, 29)),
    ("10\u00a0décembre", date(2026, 12, 10)),
    ("LUNDI PROCHAIN", date(2026, 11, 30)),
]


@pytest.mark.parametrize("text, expected", DATE_CASES)
def test_parse_date(text, expected):
    assert parse_date(text, now=NOW, tz=PARIS) == expected


WEEKDAY_CASES = [
    # bare weekday: first such day still to come; today (Thursday) counts for a date alone
    ("lundi", date(2026, 11, 30)), ("monday", date(2026, 11, 30)), ("mon", date(2026, 11, 30)),
    ("lun", date(2026, 11, 30)), ("lun.", date(2026, 11, 30)),
    ("mardi", date(2026, 12, 1)), ("tuesday", date(2026, 12, 1)), ("tue", date(2026, 12, 1)),
    ("mar", date(2026, 12, 1)), ("mar.", date(2026, 12, 1)),
    ("mercredi", date(2026, 12, 2)), ("wednesday", date(2026, 12, 2)), ("wed", date(2026, 12, 2)),
    ("mer", date(2026, 12, 2)),
    ("jeudi", TODAY), ("thursday", TODAY), ("thu", TODAY), ("jeu", TODAY), ("Jeudi", TODAY),
    ("ce jeudi", TODAY), ("this thursday", TODAY),
    ("vendredi", date(2026, 11, 27)), ("friday", date(2026, 11, 27)), ("ven", date(2026, 11, 27)),
    ("fri", date(2026, 11, 27)),
    ("samedi", date(2026, 11, 28)), ("saturday", date(2026, 11, 28)), ("sam", date(2026, 11, 28)),
    ("sat", date(2026, 11, 28)),
    ("dimanche", date(2026, 11, 29)), ("sunday", date(2026, 11, 29)), ("dim", date(2026, 11, 29)),
    ("sun", date(2026, 11, 29)),
    # "<weekday> prochain" / "next <weekday>": strictly after today
    ("lundi prochain", date(2026, 11, 30)),
    ("le lundi prochain", date(2026, 11, 30)),
    ("prochain lundi", date(2026, 11, 30)),
    ("next monday", date(2026, 11, 30)),
    ("jeudi prochain", date(2026, 12, 3)),
    ("next thursday", date(2026, 12, 3)),
    ("vendredi prochain", date(2026, 11, 27)),
    ("next friday", date(2026, 11, 27)),
    ("mercredi prochain", date(2026, 12, 2)),
]


@pytest.mark.parametrize("text, expected", WEEKDAY_CASES)
def test_parse_date_weekdays(text, expected):
    assert parse_date(text, now=NOW, tz=PARIS) == expected


@pytest.mark.parametrize(
    "now, text, expected",
    [
        (at(2026, 11, 30, 9), "lundi prochain", date(2026, 12, 7)),  # on a Monday: in 7 days
        (at(2026, 11, 30, 9), "lundi", date(2026, 11, 30)),  # bare: today
        (at(2026, 11, 29, 9), "lundi prochain", date(2026, 11, 30)),  # on a Sunday: tomorrow
        (at(2026, 11, 29, 9), "next monday", date(2026, 11, 30)),
        (at(2026, 12, 31, 9), "vendredi", date(2027, 1, 1)),  # across the year
        (at(2026, 12, 31, 9), "demain", date(2027, 1, 1)),
        (at(2026, 12, 31, 9), "dans 2 jours", date(2027, 1, 2)),
        (at(2028, 2, 28, 9), "demain", date(2028, 2, 29)),
    ],
)
def test_parse_date_relative_to_other_days(now, text, expected):
    assert parse_date(text, now=now, tz=PARIS) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("10/01", date(2027, 1, 10)),  # already past this year -> next year
        ("25/11", date(2027, 11, 25)),  # yesterday -> next year
        ("26/11", date(2026, 11, 26)),  # today counts
        ("27/11", date(2026, 11, 27)),
        ("1er janvier", date(2027, 1, 1)),
        ("January 1", date(2027, 1, 1)),
        ("31/12", date(2026, 12, 31)),
        ("29/02", date(2028, 2, 29)),  # next 29 February that exists
        ("10/12", date(2026, 12, 10)),
    ],
)
def test_year_rollover_for_dates_without_year(text, expected):
    assert parse_date(text, now=NOW, tz=PARIS) == expected


def test_now_is_read_in_the_consortium_zone():
    # 23:30 UTC on the 26th is already the 27th in Paris.
    late_utc = datetime(2026, 11, 26, 23, 30, tzinfo=timezone.utc)
    assert parse_date("aujourd'hui", now=late_utc, tz=PARIS) == date(2026, 11, 27)
    assert parse_date("demain", now=late_utc, tz=PARIS) == date(2026, 11, 28)
    # a naive now is taken as a wall time in tz
    assert parse_date("demain", now=datetime(2026, 11, 26, 10, 0), tz=PARIS) == date(2026, 11, 27)


IMPOSSIBLE_DATES = [
    ("31/02", "février"),
    ("30/02", "février"),
    ("30/02/2027", "février"),
    ("29/02/2027", "février 2027 n’a que 28 jours"),
    ("31/04", "avril"),
    ("31/06/2027", "juin"),
    ("31 avril", "avril"),
    ("00/12", "jour 0"),
    ("0 décembre", "jour 0"),
    ("32/12", "décembre"),
    ("10/13", "mois 13"),
    ("10/13/2026", "mois 13"),
    ("10/00/2026", "mois 0"),
    ("12/25/2026", "mois 25"),  # US order: the message explains day/month/year
    ("2026-13-01", "mois 13"),
    ("2026-02-30", "février 2026"),
    ("1850-01-01", "l’année"),
    ("10/12/3000", "l’année"),
]


@pytest.mark.parametrize("text, reason", IMPOSSIBLE_DATES)
def test_impossible_dates(text, reason):
    err = error_of(parse_date, text, now=NOW, tz=PARIS)
    assert err.code == "impossible"
    assert reason in err.message
    assert f"«{NBSP}{text}{NBSP}»" in err.message


def test_impossible_date_messages_explain():
    err = error_of(parse_date, "31/02", now=NOW, tz=PARIS)
    assert err.message == (
        f"«{NBSP}31/02{NBSP}» n’est pas une date valide{NBSP}: février n’a jamais plus de 29 jours."
    )
    err = error_of(parse_date, "10/13/2026", now=NOW, tz=PARIS)
    assert "jour/mois/année" in err.message and "10/12/2026" in err.message
    with use_locale("en"):
        err = error_of(parse_date, "29/02/2027", now=NOW, tz=PARIS)
    assert err.message == "“29/02/2027” is not a valid date: February 2027 has only 28 days."


@pytest.mark.parametrize(
    "text, message_fr, message_en",
    [
        ("lundi 10 décembre", "Le 10 décembre 2026 tombe un jeudi, pas un lundi.",
         "10 December 2026 is a Thursday, not a Monday."),
        ("friday 1/12/2026", "Le 1er décembre 2026 tombe un mardi, pas un vendredi.",
         "1 December 2026 is a Tuesday, not a Friday."),
    ],
)
def test_weekday_that_contradicts_the_date(text, message_fr, message_en):
    err = error_of(parse_date, text, now=NOW, tz=PARIS)
    assert err.code == "ambiguous"
    assert message_fr in err.message
    with use_locale("en"):
        assert message_en in error_of(parse_date, text, now=NOW, tz=PARIS).message


UNPARSABLE_DATES = [
    "abc", "", "   ", "jeudi 14h", "demain 9h", "10 12", "2026-12", "10/12/2026/1", "lundi dernier",
    "dans plusieurs jours", "dans 2 mois", "10 brumaire", "13", "x" * 500, "10/12" + "0" * 300, "10/12 " + "a" * 200,
    "'; DROP TABLE sessions; --", "<script>alert(1)</script>", "{text}", "%s %d", "10/12/20266",
    "\x00", "🙂", "demain demain", "next", "prochain", "2026-12-10T14:00",
]


@pytest.mark.parametrize("text", UNPARSABLE_DATES)
def test_unparsable_dates(text):
    err = error_of(parse_date, text, now=NOW, tz=PARIS)
    assert err.code == "unparsable"
    assert "Exemples" in err.message and "10/12/2026" in err.message
    assert len(err.message) < 300


# ------------------------------------------------------------------------ parse_time

TIME_CASES = [
    ("14h", time(14, 0)),
    ("14h30", time(14, 30)),
    ("14 h 30", time(14, 30)),
    ("14 h", time(14, 0)),
    ("14H30", time(14, 30)),
    ("14h00", time(14, 0)),
    ("9h", time(9, 0)),
    ("09h05", time(9, 5)),
    ("0h", time(0, 0)),
    ("23h59", time(23, 59)),
    ("14:30", time(14, 30)),
    ("09:05", time(9, 5)),
    ("9:05", time(9, 5)),
    ("00:00", time(0, 0)),
    ("14:30:15", time(14, 30, 15)),
    ("2pm", time(14, 0)),
    ("2PM", time(14, 0)),
    ("2 pm", time(14, 0)),
    ("2:30pm", time(14, 30)),
    ("2:30 pm", time(14, 30)),
    ("2 p.m.", time(14, 0)),
    ("9am", time(9, 0)),
    ("11:45 am", time(11, 45)),
    ("12am", time(0, 0)),
    ("12pm", time(12, 0)),
    ("12:30am", time(0, 30)),
    ("midi", time(12, 0)),
    ("Midi", time(12, 0)),
    ("noon", time(12, 0)),
    ("minuit", time(0, 0)),
    ("midnight", time(0, 0)),
    ("à 14h", time(14, 0)),
    ("at 2pm", time(14, 0)),
    ("vers 9h", time(9, 0)),
    ("  14h30 ", time(14, 30)),
]


@pytest.mark.parametrize("text, expected", TIME_CASES)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("25h00", "les heures vont de 0 à 23"),
        ("24h", "les heures vont de 0 à 23"),
        ("24:00", "les heures vont de 0 à 23"),
        ("99:00", "les heures vont de 0 à 23"),
        ("14h75", "les minutes vont de 0 à 59"),
        ("14:60", "les minutes vont de 0 à 59"),
        ("14:30:61", "les secondes vont de 0 à 59"),
        ("13pm", "avec am/pm, les heures vont de 1 à 12"),
        ("0am", "avec am/pm, les heures vont de 1 à 12"),
        ("2:75pm", "les minutes vont de 0 à 59"),
    ],
)
def test_impossible_times(text, reason):
    err = error_of(parse_time, text)
    assert err.code == "impossible"
    assert reason in err.message
    assert f"«{NBSP}{text}{NBSP}»" in err.message


@pytest.mark.parametrize(
    "text",
    ["", "abc", "14", "14h5", "14h300", "2:3", "14.30", "14h30 demain", "demain", "deux heures",
     "1430", "-1h", "14:30 (UTC+2)", "x" * 500, "'; DROP TABLE", None, 14],
)
def test_unparsable_times(text):
    err = error_of(parse_time, text)
    assert err.code == "unparsable"
    assert "14h30" in err.message


# -------------------------------------------------------------------- parse_datetime

DATETIME_CASES = [
    ("2026-12-10 14:00", at(2026, 12, 10, 14)),
    ("2026-12-10T14:00", at(2026, 12, 10, 14)),
    ("2026-12-10t14:00", at(2026, 12, 10, 14)),
    ("2026-12-10T14:00:00", at(2026, 12, 10, 14)),
    ("2026-12-10 14h", at(2026, 12, 10, 14)),
    ("10/12/2026 14:30", at(2026, 12, 10, 14, 30)),
    ("10/12 14h30", at(2026, 12, 10, 14, 30)),
    ("10/12 à 14h30", at(2026, 12, 10, 14, 30)),
    ("10/12, 14h30", at(2026, 12, 10, 14, 30)),
    ("10/01 9h", at(2027, 1, 10, 9)),
    ("jeudi 14h", at(2026, 11, 26, 14)),  # Thursday 14:00 -- not the 14th
    ("Jeudi 14H", at(2026, 11, 26, 14)),
    ("jeudi à 14h", at(2026, 11, 26, 14)),
    ("thursday 2pm", at(2026, 11, 26, 14)),
    ("thu 2pm", at(2026, 11, 26, 14)),
    ("jeudi 9h", at(2026, 12, 3, 9)),  # 9:00 already past today -> next Thursday
    ("jeudi 10h", at(2026, 12, 3, 10)),  # exactly now is not "to come"
    ("jeudi 10h01", at(2026, 11, 26, 10, 1)),
    ("vendredi 9h", at(2026, 11, 27, 9)),
    ("jeudi prochain 14h", at(2026, 12, 3, 14)),
    ("12 décembre 14h", at(2026, 12, 12, 14)),  # 2026, not 2114
    ("12 decembre a 14h", at(2026, 12, 12, 14)),
    ("12 décembre 2026 14h", at(2026, 12, 12, 14)),
    ("demain 9h", at(2026, 11, 27, 9)),
    ("demain à 9h", at(2026, 11, 27, 9)),
    ("demain a 9h", at(2026, 11, 27, 9)),
    ("demain 9h30", at(2026, 11, 27, 9, 30)),
    ("demain midi", at(2026, 11, 27, 12)),
    ("demain à midi", at(2026, 11, 27, 12)),
    ("demain minuit", at(2026, 11, 27, 0)),
    ("demain vers 14h", at(2026, 11, 27, 14)),
    ("aujourd'hui 18h", at(2026, 11, 26, 18)),
    ("aujourd'hui 9h", at(2026, 11, 26, 9)),  # past: validate_future's business
    ("après-demain 8h15", at(2026, 11, 28, 8, 15)),
    ("le 10 décembre à 14h30", at(2026, 12, 10, 14, 30)),
    ("le 1er décembre à 9h", at(2026, 12, 1, 9)),
    ("lundi prochain 10h", at(2026, 11, 30, 10)),
    ("lundi prochain à 10h", at(2026, 11, 30, 10)),
    ("dans 3 jours 14h", at(2026, 11, 29, 14)),
    ("dans 2 semaines à 9h", at(2026, 12, 10, 9)),
    ("tomorrow 2pm", at(2026, 11, 27, 14)),
    ("tomorrow at 2pm", at(2026, 11, 27, 14)),
    ("tomorrow at 14:00", at(2026, 11, 27, 14)),
    ("tomorrow noon", at(2026, 11, 27, 12)),
    ("next monday at 10:00", at(2026, 11, 30, 10)),
    ("next monday 10am", at(2026, 11, 30, 10)),
    ("December 10 at 2:30pm", at(2026, 12, 10, 14, 30)),
    ("Dec 10, 2:30 pm", at(2026, 12, 10, 14, 30)),
    ("10 December 2026 14:30", at(2026, 12, 10, 14, 30)),
    ("in 3 days at 9am", at(2026, 11, 29, 9)),
    ("14h demain", at(2026, 11, 27, 14)),  # time first also works
    ("à 14h, demain", at(2026, 11, 27, 14)),
    ("2pm tomorrow", at(2026, 11, 27, 14)),
    ("  demain    à   9h  ", at(2026, 11, 27, 9)),
    ("2026-07-14 14:00", at(2026, 7, 14, 14)),  # summer time: UTC+2
]


@pytest.mark.parametrize("text, expected", DATETIME_CASES)
def test_parse_datetime(text, expected):
    result = parse_datetime(text, now=NOW, tz=PARIS)
    assert result == expected
    assert result.tzinfo is PARIS
    assert (result.year, result.month, result.day, result.hour, result.minute) == (
        expected.year, expected.month, expected.day, expected.hour, expected.minute
    )


def test_parse_datetime_offsets():
    assert parse_datetime("2026-07-14 14:00", now=NOW, tz=PARIS).utcoffset() == timedelta(hours=2)
    assert parse_datetime("2026-12-10 14:00", now=NOW, tz=PARIS).utcoffset() == timedelta(hours=1)
    # explicit offsets give an instant, shown in the consortium's zone
    assert parse_datetime("2026-12-10T14:00Z", now=NOW, tz=PARIS) == at(2026, 12, 10, 15)
    assert parse_datetime("2026-12-10T14:00+00:00", now=NOW, tz=PARIS) == at(2026, 12, 10, 15)
    assert parse_datetime("2026-12-10 14:00 UTC", now=NOW, tz=PARIS) == at(2026, 12, 10, 15)
    assert parse_datetime("2026-12-10 14:00-05:00", now=NOW, tz=PARIS) == at(2026, 12, 10, 20)
    assert parse_datetime("2026-12-10 14:00 (UTC+1)", now=NOW, tz=PARIS).tzinfo is PARIS


def test_parse_datetime_in_another_zone():
    montreal = ZoneInfo("America/Montreal")
    result = parse_datetime("demain 9h", now=NOW, tz=montreal)
    # NOW is 04:00 in Montreal on the 26th; tomorrow is the 27th there
    assert result == datetime(2026, 11, 27, 9, 0, tzinfo=montreal)
    assert result.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "text, default, expected",
    [
        ("demain", time(9, 0), at(2026, 11, 27, 9)),
        ("10/12", time(18, 30), at(2026, 12, 10, 18, 30)),
        ("demain 14h", time(9, 0), at(2026, 11, 27, 14)),  # an explicit time wins
        ("jeudi", time(14, 0), at(2026, 11, 26, 14)),  # default time still to come today
        ("jeudi", time(9, 0), at(2026, 12, 3, 9)),  # default time already past -> next week
    ],
)
def test_default_time(text, default, expected):
    assert parse_datetime(text, now=NOW, tz=PARIS, default_time=default) == expected


def test_missing_time_is_asked_for():
    err = error_of(parse_datetime, "demain", now=NOW, tz=PARIS)
    assert err.code == "unparsable"
    assert err.message == (
        f"«{NBSP}demain{NBSP}» est compris comme le vendredi 27 novembre 2026, "
        f"mais il faut aussi une heure, par exemple «{NBSP}demain à 14h{NBSP}»."
    )
    # the suggested example parses
    assert parse_datetime("demain à 14h", now=NOW, tz=PARIS) == at(2026, 11, 27, 14)
    with use_locale("en"):
        err = error_of(parse_datetime, "tomorrow", now=NOW, tz=PARIS)
    assert err.message == (
        "“tomorrow” is understood as Friday 27 November 2026, but a time is needed too, "
        "for example “tomorrow at 14:00”."
    )
    assert parse_datetime("tomorrow at 14:00", now=NOW, tz=PARIS) == at(2026, 11, 27, 14)


@pytest.mark.parametrize("text", ["14h", "à 14h", "2pm", "midi", "14:30"])
def test_time_without_date_is_explained(text):
    err = error_of(parse_datetime, text, now=NOW, tz=PARIS)
    assert err.code == "unparsable"
    assert "pas de date" in err.message
    assert f"demain {text}" in err.message


@pytest.mark.parametrize(
    "text, code",
    [
        ("demain 25h", "impossible"),
        ("demain 14h75", "impossible"),
        ("tomorrow 13pm", "impossible"),
        ("25h00", "impossible"),
        ("31/02 14h", "impossible"),
        ("10/13 9h", "impossible"),
        ("lundi 10 décembre 14h", "ambiguous"),
    ],
)
def test_parse_datetime_errors(text, code):
    assert error_of(parse_datetime, text, now=NOW, tz=PARIS).code == code


UNPARSABLE_DATETIMES = [
    "abc", "", " ", "demain abc", "abc 14h", "14h 15h", "demain 14", "jeudi 14", "10/12 14.30",
    "x" * 500, "demain " * 60, "'; DROP TABLE consortium; --", "\" OR 1=1 --", "../../etc/passwd",
    "${jndi:ldap://x}", "{0.__class__}", "%(text)s", "\n\t", "demain 9h\nrm -rf /", "🙂 14h",
    "2026-12-10T", "T14:00", "2026-12-10 14:00+99:00",
]


@pytest.mark.parametrize("text", UNPARSABLE_DATETIMES)
def test_unparsable_datetimes(text):
    err = error_of(parse_datetime, text, now=NOW, tz=PARIS)
    assert err.code == "unparsable"
    assert len(err.message) < 300


@pytest.mark.parametrize("text", [None, 42, b"demain 9h"])
def test_non_string_input(text):
    assert error_of(parse_datetime, text, now=NOW, tz=PARIS).code == "unparsable"
    assert error_of(parse_date, text, now=NOW, tz=PARIS).code == "unparsable"


# ------------------------------------------------------------ parse_datetime_parts

@pytest.mark.parametrize(
    "date_text, time_text, expected",
    [
        ("2026-12-10", "14:00", at(2026, 12, 10, 14)),
        ("10/12", "14h30", at(2026, 12, 10, 14, 30)),
        ("demain", "9h", at(2026, 11, 27, 9)),
        ("jeudi", "14h", at(2026, 11, 26, 14)),
        ("jeudi", "9h", at(2026, 12, 3, 9)),
        ("tomorrow", "2pm", at(2026, 11, 27, 14)),
        ("le 10 décembre", "à 14h30", at(2026, 12, 10, 14, 30)),
        ("2026-10-25", "02:30 (UTC+1)", datetime(2026, 10, 25, 2, 30, tzinfo=PARIS, fold=1)),
    ],
)
def test_parse_datetime_parts(date_text, time_text, expected):
    result = parse_datetime_parts(date_text, time_text, now=NOW, tz=PARIS)
    assert result == expected
    assert result.utcoffset() == expected.utcoffset()


def test_parse_datetime_parts_defaults_and_errors():
    assert parse_datetime_parts("demain", None, now=NOW, tz=PARIS, default_time=time(9)) == at(2026, 11, 27, 9)
    assert parse_datetime_parts("demain", "  ", now=NOW, tz=PARIS, default_time=time(9)) == at(2026, 11, 27, 9)
    assert error_of(parse_datetime_parts, "demain", None, now=NOW, tz=PARIS).code == "unparsable"
    assert error_of(parse_datetime_parts, "abc", "14h", now=NOW, tz=PARIS).code == "unparsable"
    assert error_of(parse_datetime_parts, "demain", "abc", now=NOW, tz=PARIS).code == "unparsable"
    assert error_of(parse_datetime_parts, "demain", "25h", now=NOW, tz=PARIS).code == "impossible"
    assert error_of(parse_datetime_parts, "31/02", "14h", now=NOW, tz=PARIS).code == "impossible"
    assert error_of(parse_datetime_parts, "2027-03-28", "02:30", now=NOW, tz=PARIS).code == "nonexistent"
    assert error_of(parse_datetime_parts, "2026-10-25", "02:30", now=NOW, tz=PARIS).code == "ambiguous"
    assert error_of(parse_datetime_parts, "demain", 14, now=NOW, tz=PARIS).code == "unparsable"


# ---------------------------------------------------------------------- DST edges

def test_spring_forward_gap_is_nonexistent():
    err = error_of(parse_datetime, "2027-03-28 02:30", now=NOW, tz=PARIS)
    assert err.code == "nonexistent"
    assert err.message == (
        f"02:30 n’existe pas le dimanche 28 mars 2027 (Europe/Paris){NBSP}: à 02:00, on passe "
        f"directement à 03:00. Vouliez-vous dire 03:30, par exemple «{NBSP}2027-03-28 03:30{NBSP}»\u202f?"
    )
    with use_locale("en"):
        err = error_of(parse_datetime, "28/03/2027 2h30", now=NOW, tz=PARIS)
    assert err.message == (
        "02:30 does not exist on Sunday 28 March 2027 (Europe/Paris): the clocks go forward "
        "from 02:00 to 03:00. Did you mean 03:30, for example “2027-03-28 03:30”?"
    )
    # the suggestion parses
    assert parse_datetime("2027-03-28 03:30", now=NOW, tz=PARIS) == at(2027, 3, 28, 3, 30)


@pytest.mark.parametrize("text", ["2027-03-28 02:00", "2027-03-28 02:59", "28/03/2027 2h15"])
def test_every_minute_of_the_gap_is_nonexistent(text):
    assert error_of(parse_datetime, text, now=NOW, tz=PARIS).code == "nonexistent"


@pytest.mark.parametrize("text", ["2027-03-28 01:59", "2027-03-28 03:00", "2026-10-25 01:59", "2026-10-25 03:00"])
def test_times_around_transitions_are_fine(text):
    result = parse_datetime(text, now=NOW, tz=PARIS)
    assert result.strftime("%H:%M") == text[-5:]


def test_fall_back_overlap_is_ambiguous():
    err = error_of(parse_datetime, "2026-10-25 02:30", now=NOW, tz=PARIS)
    assert err.code == "ambiguous"
    assert "02:30 (UTC+2) ou 02:30 (UTC+1)" in err.message
    assert err.message == (
        f"02:30 existe deux fois le dimanche 25 octobre 2026 (Europe/Paris){NBSP}: à 03:00, on revient "
        f"à 02:00. Choisissez 02:30 (UTC+2) ou 02:30 (UTC+1), par exemple "
        f"«{NBSP}2026-10-25 02:30 (UTC+2){NBSP}»."
    )
    with use_locale("en"):
        err = error_of(parse_datetime, "October 25, 2026 2:30am", now=NOW, tz=PARIS)
    assert err.message == (
        "02:30 happens twice on Sunday 25 October 2026 (Europe/Paris): the clocks go back from "
        "03:00 to 02:00. Please choose 02:30 (UTC+2) or 02:30 (UTC+1), for example "
        "“2026-10-25 02:30 (UTC+2)”."
    )


@pytest.mark.parametrize(
    "text, offset",
    [
        ("2026-10-25 02:30 (UTC+2)", timedelta(hours=2)),
        ("2026-10-25 02:30 (UTC+1)", timedelta(hours=1)),
        ("2026-10-25 02:30 utc+2", timedelta(hours=2)),
        ("2026-10-25 02:30+01:00", timedelta(hours=1)),
        ("25/10/2026 2h30 (UTC+2)", timedelta(hours=2)),
    ],
)
def test_overlap_resolved_by_choosing_an_offset(text, offset):
    result = parse_datetime(text, now=NOW, tz=PARIS)
    assert result.strftime("%Y-%m-%d %H:%M") == "2026-10-25 02:30"
    assert result.utcoffset() == offset


def test_dst_in_other_zones():
    new_york = ZoneInfo("America/New_York")
    err = error_of(parse_datetime, "2027-03-14 02:30", now=NOW, tz=new_york)
    assert err.code == "nonexistent" and "03:30" in err.message
    err = error_of(parse_datetime, "2026-11-01 01:30", now=NOW, tz=new_york)
    assert err.code == "ambiguous" and "UTC-4" in err.message and "UTC-5" in err.message
    # a zone without DST never complains
    assert parse_datetime("2027-03-28 02:30", now=NOW, tz=ZoneInfo("UTC")).hour == 2


# --------------------------------------------------------------------- durations

DURATION_CASES = [
    ("2h", timedelta(hours=2)),
    ("2 h", timedelta(hours=2)),
    ("1h30", timedelta(hours=1, minutes=30)),
    ("1h05", timedelta(hours=1, minutes=5)),
    ("1 h 30", timedelta(hours=1, minutes=30)),
    ("1h30min", timedelta(hours=1, minutes=30)),
    ("1h 30min", timedelta(hours=1, minutes=30)),
    ("1h et 30 min", timedelta(hours=1, minutes=30)),
    ("90min", timedelta(minutes=90)),
    ("90 min", timedelta(minutes=90)),
    ("90 mn", timedelta(minutes=90)),
    ("45m", timedelta(minutes=45)),
    ("2 heures", timedelta(hours=2)),
    ("1 heure", timedelta(hours=1)),
    ("une heure", timedelta(hours=1)),
    ("1 heure 30", timedelta(hours=1, minutes=30)),
    ("1 heure 30 minutes", timedelta(hours=1, minutes=30)),
    ("une heure et demie", timedelta(hours=1, minutes=30)),
    ("2h et demie", timedelta(hours=2, minutes=30)),
    ("une demi-heure", timedelta(minutes=30)),
    ("demi heure", timedelta(minutes=30)),
    ("half an hour", timedelta(minutes=30)),
    ("30 minutes", timedelta(minutes=30)),
    ("1 minute", timedelta(minutes=1)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("1,5h", timedelta(hours=1, minutes=30)),
    ("1,5 heure", timedelta(hours=1, minutes=30)),
    ("0.25h", timedelta(minutes=15)),
    ("2 hours", timedelta(hours=2)),
    ("an hour", timedelta(hours=1)),
    ("an hour and a half", timedelta(hours=1, minutes=30)),
    ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
    ("2 hrs", timedelta(hours=2)),
    ("1 jour", timedelta(days=1)),
    ("2 jours", timedelta(days=2)),
    ("1 day", timedelta(days=1)),
    ("3 days", timedelta(days=3)),
    ("1j", timedelta(days=1)),
    ("1 jour 2h", timedelta(days=1, hours=2)),
    ("1 semaine", timedelta(weeks=1)),
    ("2 weeks", timedelta(weeks=2)),
    ("2H30", timedelta(hours=2, minutes=30)),
    ("  1h30  ", timedelta(hours=1, minutes=30)),
    ("deux heures", timedelta(hours=2)),
]


@pytest.mark.parametrize("text, expected", DURATION_CASES)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "abc", "2", "h", "min", "0h", "0 min", "1h75", "1.5h30", "-2h", "2h-", "2 heures abc",
     "plusieurs heures", "1h30h", "x" * 500, "'; DROP TABLE", "2 mois", "14:30", None],
)
def test_invalid_durations(text):
    err = error_of(parse_duration, text)
    assert err.code == "unparsable"


def test_duration_messages():
    assert "Exemples" in error_of(parse_duration, "abc").message
    assert "supérieure à zéro" in error_of(parse_duration, "0h").message
    assert "inférieur à 60" in error_of(parse_duration, "1h75").message
    with use_locale("en"):
        assert error_of(parse_duration, "abc").message.startswith("I could not read the duration “abc”")


# ---------------------------------------------------------------- validate_future

def test_validate_future_accepts_and_returns_the_value():
    value = at(2026, 11, 27, 9)
    assert validate_future(value, now=NOW) is value
    assert validate_future(NOW, now=NOW) is NOW
    assert validate_future(TODAY, now=NOW) == TODAY
    assert validate_future(at(2026, 11, 26, 9), now=NOW, allow_past=True) == at(2026, 11, 26, 9)


@pytest.mark.parametrize(
    "value",
    [at(2026, 11, 26, 9, 59), date(2026, 11, 25), datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)],
)
def test_validate_future_past(value):
    err = error_of(validate_future, value, now=NOW)
    assert err.code == "past"
    assert "déjà passé" in err.message


def test_validate_future_past_message():
    err = error_of(validate_future, parse_datetime("aujourd'hui 9h", now=NOW, tz=PARIS), now=NOW)
    assert err.message == "Le jeudi 26 novembre 2026 à 09:00 est déjà passé. Indiquez une date à venir."
    with use_locale("en"):
        err = error_of(validate_future, at(2026, 11, 26, 9), now=NOW)
    assert err.message == "Thursday 26 November 2026 at 9:00 AM is already past. Please give a date to come."


def test_validate_future_too_far():
    assert validate_future(at(2029, 11, 24, 10), now=NOW) == at(2029, 11, 24, 10)
    err = error_of(validate_future, at(2029, 11, 27, 10), now=NOW)
    assert err.code == "too_far"
    assert err.message == (
        f"Le mardi 27 novembre 2029 à 10:00 est trop loin{NBSP}: la limite est fixée à 3 ans "
        "à partir d’aujourd’hui."
    )
    with use_locale("en"):
        err = error_of(validate_future, date(2030, 1, 1), now=NOW, max_ahead=timedelta(days=365))
    assert err.message == "Tuesday 1 January 2030 is too far ahead: the limit is 1 year from now."
    err = error_of(validate_future, at(2026, 12, 31), now=NOW, max_ahead=timedelta(days=30))
    assert "30 jours" in err.message
    err = error_of(validate_future, at(2026, 11, 28), now=NOW, max_ahead=timedelta(days=1))
    assert "1 jour " in err.message
    # past wins over allow_past=False only; with allow_past the limit still applies
    assert error_of(validate_future, at(2031, 1, 1), now=NOW, allow_past=True).code == "too_far"


def test_validate_future_mixed_naive_and_aware():
    assert validate_future(datetime(2026, 11, 27, 9), now=NOW) == datetime(2026, 11, 27, 9)
    assert validate_future(at(2026, 11, 27, 9), now=datetime(2026, 11, 26, 10)) == at(2026, 11, 27, 9)
    # a date is compared with today in tz
    late_utc = datetime(2026, 11, 26, 23, 30, tzinfo=timezone.utc)
    assert error_of(validate_future, date(2026, 11, 26), now=late_utc, tz=PARIS).code == "past"


# -------------------------------------------------------------------- formatting

@pytest.mark.parametrize(
    "value, locale, expected",
    [
        (at(2026, 12, 10, 14, 30), "fr", "jeudi 10 décembre 2026 à 14:30"),
        (at(2026, 12, 10, 14, 30), "en", "Thursday 10 December 2026 at 2:30 PM"),
        (at(2026, 12, 1, 9, 5), "fr", "mardi 1er décembre 2026 à 09:05"),
        (at(2026, 12, 1, 9, 5), "en", "Tuesday 1 December 2026 at 9:05 AM"),
        (at(2027, 1, 1, 0, 0), "fr", "vendredi 1er janvier 2027 à 00:00"),
        (at(2027, 1, 1, 0, 0), "en", "Friday 1 January 2027 at 12:00 AM"),
        (date(2026, 12, 10), "fr", "jeudi 10 décembre 2026"),
        (date(2026, 12, 10), "en", "Thursday 10 December 2026"),
        (date(2027, 8, 15), "fr", "dimanche 15 août 2027"),
        (date(2027, 2, 1), "fr", "lundi 1er février 2027"),
    ],
)
def test_format_date(value, locale, expected):
    assert format_date(value, locale=locale) == expected


def test_format_date_follows_current_locale_and_options():
    value = at(2026, 12, 10, 14, 30)
    assert format_date(value) == "jeudi 10 décembre 2026 à 14:30"
    with use_locale("en"):
        assert format_date(value) == "Thursday 10 December 2026 at 2:30 PM"
        assert format_date(value, locale="fr") == "jeudi 10 décembre 2026 à 14:30"
    assert format_date(value, with_time=False) == "jeudi 10 décembre 2026"
    assert format_date(date(2026, 12, 10), with_time=True) == "jeudi 10 décembre 2026"
    utc_value = datetime(2026, 12, 10, 13, 30, tzinfo=timezone.utc)
    assert format_date(utc_value, tz=PARIS) == "jeudi 10 décembre 2026 à 14:30"
    assert format_date(parse_datetime("jeudi 14h", now=NOW, tz=PARIS)) == "jeudi 26 novembre 2026 à 14:00"


@pytest.mark.parametrize(
    "value, locale, expected",
    [
        (at(2026, 12, 10, 14, 30), "fr", "jeu. 10/12 14:30"),
        (at(2026, 12, 10, 14, 30), "en", "Thu 10 Dec 2:30 PM"),
        (at(2027, 1, 4, 9, 5), "fr", "lun. 04/01 09:05"),
        (date(2026, 12, 10), "fr", "jeu. 10/12"),
        (date(2026, 12, 10), "en", "Thu 10 Dec"),
    ],
)
def test_format_short(value, locale, expected):
    assert format_short(value, locale=locale) == expected


def test_format_short_default_locale_and_zone():
    assert format_short(at(2026, 12, 10, 14, 30)) == "jeu. 10/12 14:30"
    utc_value = datetime(2026, 12, 10, 13, 30, tzinfo=timezone.utc)
    assert format_short(utc_value, tz=PARIS) == "jeu. 10/12 14:30"


@pytest.mark.parametrize("text, expected", [(t, e) for t, e in DATETIME_CASES if e.tzinfo is PARIS][:20])
def test_format_then_parse_round_trip(text, expected):
    parsed = parse_datetime(text, now=NOW, tz=PARIS)
    iso_again = parsed.strftime("%Y-%m-%d %H:%M")
    assert parse_datetime(iso_again, now=NOW, tz=PARIS) == parsed
    assert format_date(parsed).startswith(format_date(parsed.date()))


# ---------------------------------------------------------------- messages / i18n

def test_date_error_shape():
    err = error_of(parse_date, "abc", now=NOW, tz=PARIS)
    assert isinstance(err, ValueError)
    assert str(err) == err.message
    assert err.code in DateError.CODES
    assert DateError.CODES == {"unparsable", "impossible", "nonexistent", "ambiguous", "past", "too_far"}
    with pytest.raises(AssertionError):
        DateError("nope", "x")


@pytest.mark.parametrize(
    "call, french, english",
    [
        (lambda: parse_date("abc", now=NOW, tz=PARIS),
         f"Je n’ai pas compris la date «{NBSP}abc{NBSP}». Exemples{NBSP}:",
         "I could not read the date “abc”. Examples:"),
        (lambda: parse_time("abc"),
         f"Je n’ai pas compris l’heure «{NBSP}abc{NBSP}». Exemples{NBSP}:",
         "I could not read the time “abc”. Examples:"),
        (lambda: parse_datetime("abc", now=NOW, tz=PARIS),
         f"Je n’ai pas compris la date et l’heure «{NBSP}abc{NBSP}». Exemples{NBSP}:",
         "I could not read the date and time “abc”. Examples:"),
        (lambda: parse_duration("abc"),
         f"Je n’ai pas compris la durée «{NBSP}abc{NBSP}». Exemples{NBSP}:",
         "I could not read the duration “abc”. Examples:"),
        (lambda: parse_time("25h"),
         f"«{NBSP}25h{NBSP}» n’est pas une heure valide{NBSP}: les heures vont de 0 à 23.",
         "“25h” is not a valid time: hours go from 0 to 23."),
        (lambda: parse_date("31/04", now=NOW, tz=PARIS),
         f"«{NBSP}31/04{NBSP}» n’est pas une date valide{NBSP}: avril n’a jamais plus de 30 jours.",
         "“31/04” is not a valid date: April never has more than 30 days."),
        (lambda: parse_datetime("14h", now=NOW, tz=PARIS),
         f"«{NBSP}14h{NBSP}» donne une heure mais pas de date.",
         "“14h” gives a time but no date."),
    ],
)
def test_messages_are_french_by_default_and_english_on_request(call, french, english):
    with pytest.raises(DateError) as info:
        call()
    assert info.value.message.startswith(french)
    with use_locale("en"):
        with pytest.raises(DateError) as info:
            call()
    assert info.value.message.startswith(english)


def test_long_input_is_shortened_in_messages():
    err = error_of(parse_date, "abc " * 20, now=NOW, tz=PARIS)
    assert "…" in err.message and "abc " * 20 not in err.message
    err = error_of(parse_date, "10/12\n`code`", now=NOW, tz=PARIS)
    assert "\n" not in err.message and "`" not in err.message


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def test_every_message_has_a_french_translation():
    with PO_PATH.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    translations = {m.id: m.string for m in catalog if m.id}
    extracted = [msg for module in sorted((ROOT / "plugin" / "dates").glob("*.py"))
                 for _line, msg, _c, _ctx in extract_from_file("python", str(module))]
    assert extracted, "no messages extracted from plugin/dates/"
    for msgid in extracted:
        assert msgid in translations, f"missing French translation for {msgid!r}"
        translated = translations[msgid]
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = translated if isinstance(translated, tuple) else (translated,)
        assert all(strings), f"empty French translation for {msgid!r}"
        for value in strings:
            assert _placeholders(value) == _placeholders(ids[-1]), msgid
            assert "“" not in value and "”" not in value, f"English quotes in French: {value!r}"
    assert set(translations) == set(extracted), "stale entries in dates.po"


def test_po_header():
    text = PO_PATH.read_text(encoding="utf-8")
    assert '"Language: fr\\n"' in text
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in text


def test_public_api():
    assert set(dates.__all__) == {
        "DateError", "parse_date", "parse_time", "parse_datetime", "parse_datetime_parts",
        "parse_duration", "validate_future", "format_date", "format_short", "format_time",
        "parse_time_range", "parse_when", "TimeRange", "When", "date_length", "time_length",
    }


def test_format_time_speaks_each_language():
    moment = datetime(2026, 12, 10, 15, 0, tzinfo=ZoneInfo("UTC"))
    paris = ZoneInfo("Europe/Paris")
    assert dates.format_time(moment, locale="fr", tz=paris) == "16:00"
    assert dates.format_time(moment, locale="en", tz=paris).replace("\u202f", " ") == "4:00 PM"
