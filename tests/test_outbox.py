"""The outbox: nothing is lost when Mattermost or CalDAV is down; nothing is delivered twice."""
from __future__ import annotations

from sqlalchemy import func, select

from models import OutboxMessage, ProvisioningStep
from tests.helpers.cli import run_cli


def statuses(net) -> dict:
    with net.db() as session:
        return dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def test_mattermost_outage_loses_nothing_and_delivers_once(net):
    net.reply("admin", '/consortium creer "Réemploi" --membres @ines @samir @lea')
    net.deliver()
    first_channel = net.channel_of("reemploi")

    # Mattermost's API goes away: commands are still answered (the people are known),
    # what must reach Mattermost waits in the outbox.
    net.emulator.go_down()
    try:
        created = net.reply("admin", '/consortium creer "Mobilité" --membres @ines @samir')
        added = net.reply("admin", "/consortium ajouter @lea --consortium mobilite")
        removed = net.reply("admin", "/consortium retirer @lea --consortium reemploi")
        assert "enregistré" in created and "@lea" in added and "@lea" in removed
        net.worker.run_once()
        counts = statuses(net)
        assert counts.get("pending", 0) == 3 and counts.get("dead", 0) == 0
    finally:
        net.emulator.come_up()
    net.deliver()

    assert statuses(net).get("pending", 0) == 0 and statuses(net).get("dead", 0) == 0
    channel = net.channel_of("mobilite")
    assert {net.users[u]["id"] for u in ("ines", "samir", "lea")} <= net.emulator.members(channel["id"])
    assert net.users["lea"]["id"] not in net.emulator.members(first_channel["id"])
    assert len(net.emulator.pinned(channel["id"])) == 1
    assert len([p for p in net.emulator.posts(channel["id"]) if "Bienvenue" in p["message"]]) == 1
    created_channels = [m for m, path, status in net.emulator.requests_log
                        if m == "POST" and path == "/api/v4/channels" and status == 201]
    assert len(created_channels) == 2


def test_unknown_people_cannot_be_checked_while_mattermost_is_down(net):
    net.reply("admin", "/consortium aide")  # the admin is known; @nouvelle is not
    net.emulator.go_down()
    try:
        reply = net.reply("admin", '/consortium creer "Mobilité" --membres @nouvelle')
    finally:
        net.emulator.come_up()
    assert "Mattermost" in reply and "@nouvelle" in reply


def test_rate_limit_then_success_is_honoured(net):
    net.emulator.fail_next(429, headers={"X-Ratelimit-Reset": "0"}, path_contains="/channels", method="POST")
    net.reply("admin", '/consortium creer "Communication"')
    net.deliver()
    assert net.channel_of("communication") is not None
    assert statuses(net).get("dead", 0) == 0


def test_server_errors_are_retried_by_the_worker(net):
    net.emulator.fail_next(500, count=6, path_contains="/posts")
    net.reply("admin", '/consortium creer "Accès des femmes à l’emploi" --membres @lea')
    net.deliver(rounds=40)
    channel = net.channel_of("acces-des-femmes-a-l-emploi")
    assert len(net.emulator.pinned(channel["id"])) == 1
    assert statuses(net) == {"delivered": statuses(net)["delivered"]}


def test_forbidden_member_is_reported_and_the_rest_is_done(net):
    net.emulator.fail_next(403, path_contains="/members", method="POST", count=1)
    net.reply("admin", '/consortium creer "Alimentation" --membres @ines @samir')
    net.deliver()
    channel = net.channel_of("alimentation")
    with net.db() as session:
        step = session.scalar(select(ProvisioningStep).where(ProvisioningStep.step == "members"))
    assert step.status == "done" and "refusé" in step.detail
    assert len(net.emulator.pinned(channel["id"])) == 1
    assert len(net.emulator.members(channel["id"]) & {net.users["ines"]["id"], net.users["samir"]["id"]}) == 1


def test_a_second_provisioning_run_creates_nothing_new(net):
    from plugin.delivery import DeliveryContext
    from plugin.features.consortium.delivery import run_steps

    net.reply("admin", '/consortium creer "Mobilité" --membres @ines')
    net.deliver()
    channel = net.channel_of("mobilite")
    with net.db() as session:
        session.execute(ProvisioningStep.__table__.update().values(status="pending"))
    run_steps(DeliveryContext(net.services, 0, None, 1), 1)
    assert len(net.emulator.pinned(channel["id"])) == 1
    assert len([p for p in net.emulator.posts(channel["id"]) if "Bienvenue" in p["message"]]) == 1
    assert [c["name"] for c in net.emulator.channels(net.team["id"]) if c["name"].startswith("mobilite")] == ["mobilite"]


def dead_letters(net, *names: str) -> list[int]:
    """Consortiums created while Mattermost is down, by a worker that gives up at once: one dead message each."""
    from plugin.delivery.worker import OutboxWorker

    for name in names:
        net.reply("admin", f'/consortium creer "{name}"')
    net.emulator.go_down()
    try:
        OutboxWorker(net.services, max_attempts=1).run_until_idle()
    finally:
        net.emulator.come_up()
    with net.db() as session:
        return list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "dead")
                                    .order_by(OutboxMessage.id)))


def test_outbox_retry_queues_dead_letters_again_and_flush_delivers_them(net, monkeypatch):
    dead = dead_letters(net, "Évaluation")
    assert len(dead) == 1 and statuses(net) == {"dead": 1}
    listing = run_cli(net, monkeypatch, ["outbox"])
    assert "pending: 0  delivered: 0  dead: 1" in listing.output and f"#{dead[0]} dead" in listing.output

    retried = run_cli(net, monkeypatch, ["outbox", "retry"])
    assert retried.exit_code == 0 and "1 message(s) queued again." in retried.output
    assert statuses(net) == {"pending": 1}
    assert net.channel_of("evaluation") is None  # queued again, not delivered yet

    flushed = run_cli(net, monkeypatch, ["outbox", "flush"])
    assert flushed.exit_code == 0 and "message(s) processed." in flushed.output
    assert net.channel_of("evaluation") is not None
    assert set(statuses(net)) == {"delivered"}


def test_outbox_retry_of_one_message_leaves_the_others_dead(net, monkeypatch):
    first, second = dead_letters(net, "Évaluation", "Mobilité")
    assert "1 message(s) queued again." in run_cli(net, monkeypatch, ["outbox", "retry", "--id", str(first)]).output
    run_cli(net, monkeypatch, ["outbox", "flush"])
    assert net.channel_of("evaluation") is not None and net.channel_of("mobilite") is None
    with net.db() as session:
        assert session.get(OutboxMessage, second).status == "dead"
    # A delivered message is not sent again.
    assert "0 message(s) queued again." in run_cli(net, monkeypatch, ["outbox", "retry", "--id", str(first)]).output
