"""/session as people type it: time ranges set the start and the end, a session sent twice is asked
about before a second one is made, English replies show English times. Through the real HTTP
endpoint, with the shared calendar (Radicale) and the feed checked."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from integrations.calendar.ics import parse_events
from models import WorkingSession
from tests.helpers.sessions import PARIS, caldav_events, feed_of, next_year, setup_consortium

SLUG = "alimentation-durable"


@pytest.fixture
def full(network_factory, radicale_server):
    net = network_factory(caldav=radicale_server)
    net.radicale = radicale_server
    return net


def _count(net) -> int:
    with net.db() as session:
        return session.scalar(select(func.count()).select_from(WorkingSession))


def _event(net, title: str) -> dict:
    [event] = [e for e in caldav_events(net.radicale, SLUG) if e["summary"] == title]
    [fed] = [e for e in parse_events(feed_of(net, SLUG)[1]) if e["summary"] == title]
    assert (fed["start"], fed["end"]) == (event["start"], event["end"])   # the feed says the same
    return event


@pytest.mark.parametrize(("typed", "start", "end"), [
    ("de 14h à 16h30", (14, 0), (16, 30)),
    ("14h-16h30", (14, 0), (16, 30)),
    ("9h30–12h", (9, 30), (12, 0)),
    ("de 18h à minuit", (18, 0), None),
])
def test_a_time_range_sets_the_start_and_the_end(full, typed, start, end):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    reply = net.reply("ines", f"/session planifier Atelier 10/12/{year} {typed}", channel=channel)
    assert "Séance 1 planifiée" in reply, reply
    net.deliver()
    event = _event(net, "Atelier")
    assert event["start"] == datetime(year, 12, 10, *start, tzinfo=PARIS)
    expected_end = datetime(year, 12, 10, *end, tzinfo=PARIS) if end else datetime(year, 12, 11, tzinfo=PARIS)
    assert event["end"] == expected_end
    if end:
        assert f"jusqu’à {end[0]:02d}:{end[1]:02d}" in reply or f"{end[0]:02d}:{end[1]:02d}" in reply


def test_english_range_and_english_times(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    net.reply("ines", "/consortium langue en")
    reply = net.reply("ines", f"/session plan Review 12/10/{year} from 2pm to 4:30pm", channel=channel)
    assert "Session 1 planned" in reply and "until 4:30 PM" in reply, reply
    assert "until Dec" not in reply
    net.deliver()
    event = _event(net, "Review")
    assert (event["start"], event["end"]) == (datetime(year, 10, 12, 14, 0, tzinfo=PARIS),
                                              datetime(year, 10, 12, 16, 30, tzinfo=PARIS))


def test_moving_with_a_range_changes_the_length_without_it_keeps_it(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    net.reply("ines", f"/session planifier Atelier 10/12/{year} 14h --duree 1h", channel=channel)
    moved = net.reply("ines", f"/session deplacer 1 11/12/{year} de 9h à 12h", channel=channel)
    assert "déplacée" in moved, moved
    net.deliver()
    event = _event(net, "Atelier")
    assert (event["start"], event["end"]) == (datetime(year, 12, 11, 9, 0, tzinfo=PARIS),
                                              datetime(year, 12, 11, 12, 0, tzinfo=PARIS))
    net.reply("ines", f"/session deplacer 1 12/12/{year} 15h", channel=channel)
    net.deliver()
    event = _event(net, "Atelier")
    assert (event["start"], event["end"]) == (datetime(year, 12, 12, 15, 0, tzinfo=PARIS),
                                              datetime(year, 12, 12, 18, 0, tzinfo=PARIS))


def test_a_range_with_a_duration_is_refused_naming_both(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    reply = net.reply("ines", f"/session planifier Atelier 10/12/{year} de 14h à 16h --duree 3h", channel=channel)
    assert reply.startswith("⚠️") and "de 14h à 16h" in reply and "3h" in reply and "pas les deux" in reply
    net.reply("ines", "/consortium langue en")
    english = net.reply("ines", f"/session plan Review 12/10/{year} 2pm-4pm --duration 3h", channel=channel)
    assert "2pm-4pm" in english and "3h" in english and "not both" in english
    assert _count(net) == 0


@pytest.mark.parametrize("typed", [
    "de 16h à 14h",                  # the end before the start
    "de 14h à 14h",                  # no length at all
    "14h-14h03",                     # shorter than 5 minutes
    "de 14h à 16h à 18h",            # two ends
    "de 25h à 26h",                  # no such hour
    "de 14h à 16h30 ; DROP TABLE",   # what follows a range is not a range
    "14h-" + "1" * 500,              # very long
])
def test_hostile_or_impossible_ranges_plan_nothing(full, typed):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    reply = net.reply("ines", f"/session planifier Atelier 10/12/{year} {typed}", channel=channel)
    assert reply.startswith("⚠️"), reply
    assert _count(net) == 0


def test_the_form_takes_a_range_too(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    net.reply("ines", "/session planifier", channel=channel)
    both = net.emulator.submit_dialog(-1, "ines", {"title": "Atelier", "date": f"15/01/{year}",
                                                   "time": "10h-11h30", "duration": "2h"})
    assert "pas les deux" in both["response"]["errors"]["duration"]
    done = net.emulator.submit_dialog(-1, "ines", {"title": "Atelier", "date": f"15/01/{year}", "time": "10h-11h30"})
    assert done["status"] == 200 and not (done["response"] or {}).get("errors"), done
    net.deliver()
    event = _event(net, "Atelier")
    assert event["end"] == datetime(year, 1, 15, 11, 30, tzinfo=PARIS)


# --- no silent duplicates ---------------------------------------------------------------------

def test_the_same_session_twice_asks_before_planning_it_again(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    command = f"/session planifier Diagnostic 10/12/{year} de 14h à 16h"
    assert "Séance 1 planifiée" in net.reply("ines", command, channel=channel)
    asked = net.command("ines", command, channel=channel)
    text = asked["response"]["text"]
    assert "vient d’être planifiée" in text and "--confirmer" in text, text
    assert _count(net) == 1
    post = asked["ephemeral"]
    clicked = net.emulator.click(post["id"], "sessionagain", "ines")
    assert "Séance 2 planifiée" in clicked["ephemeral"]["message"], clicked
    again = net.emulator.click(post["id"], "sessionagain", "ines")
    assert "déjà servi" in again["ephemeral"]["message"] and _count(net) == 2   # single use
    net.deliver()
    events = [e for e in caldav_events(net.radicale, SLUG) if e["summary"] == "Diagnostic"]
    assert [(e["start"], e["end"]) for e in events] == [(datetime(year, 12, 10, 14, tzinfo=PARIS),
                                                         datetime(year, 12, 10, 16, tzinfo=PARIS))] * 2


def test_confirm_plans_it_at_once_and_another_time_or_title_is_no_duplicate(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    net.reply("ines", f"/session planifier Diagnostic 10/12/{year} 14h", channel=channel)
    assert "Séance 2 planifiée" in net.reply("ines", f"/session planifier diagnostic 10/12/{year} 14h --confirmer",
                                             channel=channel)
    assert "Séance 3 planifiée" in net.reply("ines", f"/session planifier Diagnostic 10/12/{year} 15h",
                                             channel=channel)
    assert "Séance 4 planifiée" in net.reply("ines", f"/session planifier Restitution 10/12/{year} 15h",
                                             channel=channel)
    net.reply("ines", "/session annuler 4", channel=channel)   # a cancelled one does not count
    assert "Séance 5 planifiée" in net.reply("ines", f"/session planifier Restitution 10/12/{year} 15h",
                                             channel=channel)


def test_the_form_says_so_next_to_the_title(full):
    net, year = full, next_year()
    channel = setup_consortium(net)["id"]
    net.reply("ines", f"/session planifier Atelier 15/01/{year} 10h", channel=channel)
    net.reply("ines", "/session planifier", channel=channel)
    twice = net.emulator.submit_dialog(-1, "ines", {"title": "Atelier", "date": f"15/01/{year}", "time": "10h"})
    assert "--confirmer" in twice["response"]["errors"]["title"]
    assert _count(net) == 1
