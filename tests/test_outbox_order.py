"""Ordering per consortium: a message whose prerequisite is not delivered yet waits for it (no
attempt counted, no back-off) and goes out as soon as the prerequisite is delivered. And a worker
keeps what it holds while it works: its lease is renewed."""
from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import caldav
from sqlalchemy import select

from integrations.mattermost.client import MattermostClient
from models import OutboxMessage
from plugin.delivery.worker import OutboxWorker
from plugin.kernel.outbox import queue
from tests.helpers.outbox import POSTS, created_posts, wait_until


def patient_client(net) -> None:
    """Mattermost answers only when the test lets it: no client timeout must cut in first."""
    net.services._clients["mattermost"] = MattermostClient(
        net.emulator.url, net.services.settings.mattermost_token, timeout=120, max_retries=2, backoff_base=0.01,
        max_wait=0.05)


def rows(net) -> dict[str, OutboxMessage]:
    with net.db() as session:
        return {row.kind: row for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def test_a_session_planned_during_provisioning_lands_on_caldav_as_soon_as_the_calendar_exists(
        network_factory, radicale_server):
    """Two workers, as `consortia serve` runs one per process. The first provisions the consortium
    while Mattermost is slow to create its channel; one second later a session is planned and the
    second worker takes its CalDAV event, which must wait for the calendar. Polls and safety-net
    re-checks are an hour long: only the provisioning's delivery can make the event go out."""
    net = network_factory(caldav=radicale_server)
    patient_client(net)
    net.services.settings = net.services.settings.with_overrides(worker_poll_seconds=3600)
    provisioner = OutboxWorker(net.services, recheck=3600)
    other = OutboxWorker(net.services, recheck=3600)
    net.emulator.delay_next(60, method="POST", path_contains="/api/v4/channels")
    try:
        net.services.worker = provisioner.start()
        net.reply("admin", '/consortium creer "Réemploi" --membres @ines')
        assert net.emulator.wait_for_requests(lambda log: ("POST", "/api/v4/channels", 201) in log)

        net.services.worker = other.start()
        year = datetime.now(ZoneInfo("Europe/Paris")).year + 1
        reply = net.reply("ines", f'/session planifier "Diagnostic" 12/01/{year} 9h30 --consortium reemploi')
        assert "Séance 1 planifiée" in reply
        assert wait_until(lambda: rows(net)["caldav.session"].blocked_on is not None)
        assert rows(net)["caldav.session"].attempts == 0  # waiting is not failing

        net.emulator.release_delayed()  # Mattermost answers; provisioning goes on and ends
        assert wait_until(lambda: {r.status for r in rows(net).values()} == {"delivered"})
    finally:
        net.emulator.release_delayed()
        provisioner.stop()
        other.stop()

    messages = rows(net)
    assert messages["caldav.session"].attempts == 1
    assert messages["provision.run"].delivered_at <= messages["caldav.session"].delivered_at
    client = caldav.DAVClient(url=radicale_server.url, username=radicale_server.username,
                              password=radicale_server.password)
    calendar = next(c for c in client.principal().calendars() if c.get_display_name() == "Réemploi")
    events = calendar.events()
    assert len(events) == 1 and "Diagnostic" in events[0].data
    channel = net.channel_of("reemploi")
    assert len([p for p in net.emulator.posts(channel["id"]) if "Diagnostic" in p["message"]]) == 1


def test_a_member_added_before_the_channel_exists_waits_for_it_without_failing(net):
    """Provisioning fails to create the channel (its retry is an hour away); the member added
    meanwhile waits, and goes out in the same round as the provisioning once it succeeds."""
    worker = OutboxWorker(net.services, base_delay=3600, max_delay=3600)
    net.emulator.fail_next(500, count=3, method="POST", path_contains="/api/v4/channels")
    net.reply("admin", '/consortium creer "Mobilité" --membres @ines')
    worker.run_until_idle()
    net.reply("admin", "/consortium ajouter @lea --consortium mobilite")
    worker.run_until_idle()
    waiting = rows(net)
    assert waiting["provision.run"].attempts == 1 and waiting["provision.run"].status == "pending"
    assert waiting["mattermost.add_member"].attempts == 0
    assert "channel" in waiting["mattermost.add_member"].blocked_on

    with net.db() as session:  # the operator's `consortia outbox retry --id`: provisioning is due now
        session.execute(OutboxMessage.__table__.update().where(OutboxMessage.kind == "provision.run")
                        .values(available_at=waiting["provision.run"].created_at))
    worker.run_until_idle()
    done = rows(net)
    assert {r.status for r in done.values()} == {"delivered"}
    assert done["mattermost.add_member"].attempts == 1
    assert done["provision.run"].delivered_at <= done["mattermost.add_member"].delivered_at
    assert net.users["lea"]["id"] in net.emulator.members(net.channel_of("mobilite")["id"])


def test_a_lease_is_renewed_while_a_slow_delivery_goes_on(net):
    """Mattermost takes longer than the lease to answer: the worker's heartbeat keeps the message,
    another worker never takes it over, and the post is made once."""
    patient_client(net)
    channel = net.channels["town-square"]
    net.emulator.add_to_channel(channel, net.users["bot"]["id"])
    with net.db() as session:
        queue(session, "mattermost.post", {"channel_id": channel, "message": "Lent"})
    net.emulator.delay_next(4, method="POST", path_contains=POSTS)
    holder, other = OutboxWorker(net.services, lease=1.5), OutboxWorker(net.services, lease=1.5)
    working = threading.Thread(target=holder.run_once)
    working.start()
    assert net.emulator.wait_for_requests(lambda log: created_posts(log) == 1)
    taken = []
    while working.is_alive():
        taken += other.claim()
        time.sleep(0.1)
    assert taken == []
    assert [p["message"] for p in net.emulator.posts(channel)].count("Lent") == 1
    assert rows(net)["mattermost.post"].status == "delivered"
