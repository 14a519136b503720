"""The shared calendar: the ICS feed always, a real CalDAV calendar when configured."""
from __future__ import annotations

import caldav
import requests
import vobject
from icalendar import Calendar
from sqlalchemy import select

from models import Consortium, ProvisioningStep


def feed_url(net, slug):
    with net.db() as session:
        consortium = session.scalar(select(Consortium).where(Consortium.slug == slug))
        return f"{net.server.url}/calendars/{slug}/{consortium.feed_token}.ics"


def test_feed_is_valid_icalendar_with_paris_timezone_and_etag(net):
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines')
    url = feed_url(net, "alimentation-durable")
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert any(c.name == "VTIMEZONE" and str(c["TZID"]) == "Europe/Paris" for c in calendar.walk())
    assert "Alimentation durable" in str(calendar.get("X-WR-CALNAME"))
    vobject.readOne(response.content.decode())  # a second, independent parser accepts it
    etag = response.headers["ETag"]
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""


def test_feed_with_a_wrong_token_or_slug_is_not_found(net):
    net.reply("admin", '/consortium creer "Mobilité"')
    assert requests.get(f"{net.server.url}/calendars/mobilite/wrong.ics", timeout=5).status_code == 404
    assert requests.get(f"{net.server.url}/calendars/nope/wrong.ics", timeout=5).status_code == 404


def test_caldav_calendar_is_created_once_on_a_real_server(network_factory, radicale_server):
    net = network_factory(caldav=radicale_server)
    net.reply("admin", '/consortium creer "Réemploi" --membres @ines')
    net.deliver()
    client = caldav.DAVClient(url=radicale_server.url, username=radicale_server.username,
                              password=radicale_server.password)
    names = [c.get_display_name() for c in client.principal().calendars()]
    assert names.count("Réemploi") == 1
    with net.db() as session:
        step = session.scalar(select(ProvisioningStep).where(ProvisioningStep.step == "caldav"))
        assert step.status == "done"
        assert session.scalar(select(Consortium.caldav_calendar_url)).startswith(radicale_server.url.rstrip("/"))
    # a second run creates nothing new
    from plugin.delivery import DeliveryContext
    from plugin.features.consortium.delivery import run_steps

    with net.db() as session:
        session.execute(ProvisioningStep.__table__.update().values(status="pending"))
    run_steps(DeliveryContext(net.services, 0, None, 1), 1)
    assert [c.get_display_name() for c in client.principal().calendars()].count("Réemploi") == 1


def test_caldav_down_in_the_middle_the_rest_is_done_and_a_second_run_completes(network_factory, radicale_server):
    net = network_factory(caldav=radicale_server)
    radicale_server.stop()
    net.reply("admin", '/consortium creer "Communication" --membres @ines')
    net.worker.run_until_idle()
    channel = net.channel_of("communication")
    assert channel is not None and len(net.emulator.pinned(channel["id"])) == 1  # the rest is done
    with net.db() as session:
        steps = dict(session.execute(select(ProvisioningStep.step, ProvisioningStep.status)).all())
        detail = session.scalar(select(ProvisioningStep.detail).where(ProvisioningStep.step == "caldav"))
    assert steps["caldav"] == "failed" and steps["channel"] == "done" and steps["welcome"] == "done"
    assert "CalDAV" in detail
    info = net.reply("admin", "/consortium info", channel=channel["id"])
    assert "calendrier CalDAV ⚠️" in info  # the failure is reported to the people who look

    radicale_server.start()
    net.deliver()
    with net.db() as session:
        assert session.scalar(select(ProvisioningStep.status).where(ProvisioningStep.step == "caldav")) == "done"
    client = caldav.DAVClient(url=radicale_server.url, username=radicale_server.username,
                              password=radicale_server.password)
    assert [c.get_display_name() for c in client.principal().calendars()].count("Communication") == 1
    assert len(net.emulator.pinned(channel["id"])) == 1
