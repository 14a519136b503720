"""Faults in the middle of a delivery: a worker killed mid-batch, an answer lost after Mattermost
made the post. Every post must exist exactly once afterwards."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

from models import OutboxMessage
from models.base import utcnow
from models.db import Database
from plugin.kernel.outbox import queue
from tests.conftest import SECRET
from tests.helpers.outbox import POSTS, created_posts, wait_until


def outbox_counts(db: Database) -> dict:
    with db.reader() as session:
        return dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


@pytest.fixture
def chat(emulator):
    """A team, the bot, its token and a channel the bot posts in."""
    team = emulator.create_team("reseau")
    bot = emulator.create_user("consortia-bot", is_bot=True, team="reseau")
    channel = emulator.create_channel(team["id"], "batch", "Batch", members=[bot["id"]])
    return {"token": emulator.create_token(bot["id"]), "channel": channel["id"], "bot": bot}


def worker_process(database_url: str, emulator, token: str, tmp_path, name: str) -> subprocess.Popen:
    """`consortia worker` in its own process, as an operator runs it, with a short lease."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSORTIA_")}
    env.update(CONSORTIA_DATABASE_URL=database_url, CONSORTIA_SECRET_KEY=SECRET,
               CONSORTIA_MATTERMOST_URL=emulator.url, CONSORTIA_MATTERMOST_TOKEN=token,
               CONSORTIA_INSTANCE_DIR=str(tmp_path / "instance"), CONSORTIA_WORKER_POLL_SECONDS="0.2")
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen([sys.executable, "-c", "from plugin.cli import main; main()", "worker", "--lease", "2"],
                            env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_batch_delivers_each_post_exactly_once_after_restart(database_url, emulator, chat,
                                                                                 tmp_path):
    db = Database(database_url)
    with db.transaction() as session:
        for n in range(1, 21):
            queue(session, "mattermost.post", {"channel_id": chat["channel"], "message": f"Post {n} of the batch"})
    # Only our own lookup may prevent a duplicate: Mattermost's pending_post_id cache is gone,
    # as after a restart of Mattermost or a retry on another cluster node.
    emulator.pending_post_ttl = 0
    # Slow posts; the 7th is made, then its answer is held until after the kill.
    emulator.delay_next(120, skip=6, count=1, method="POST", path_contains=POSTS)
    emulator.delay_next(0.05, count=1000, method="POST", path_contains=POSTS)

    first = worker_process(database_url, emulator, chat["token"], tmp_path, "first")
    try:
        assert emulator.wait_for_requests(lambda log: created_posts(log) >= 7, timeout=120), \
            (tmp_path / "first.log").read_text(errors="replace")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
        emulator.clear_failures()

    # Killed mid-batch: 7 posts exist, the worker had recorded 6; the rest is still claimed by it.
    assert len(emulator.posts(chat["channel"])) == 7
    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.status for r in rows].count("delivered") == 6
    assert rows[6].status == "pending" and rows[6].locked_by and not rows[6].progress

    second = worker_process(database_url, emulator, chat["token"], tmp_path, "second")
    try:
        assert wait_until(lambda: outbox_counts(db).get("delivered") == 20), \
            (tmp_path / "second.log").read_text(errors="replace")
    finally:
        second.terminate()
        second.wait(timeout=30)

    messages = Counter(p["message"] for p in emulator.posts(chat["channel"]))
    assert messages == Counter(f"Post {n} of the batch" for n in range(1, 21))
    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    by_id = {p["id"]: p["message"] for p in emulator.posts(chat["channel"])}
    assert [by_id[r.progress["post"]] for r in rows] == [f"Post {n} of the batch" for n in range(1, 21)]
    assert all(r.locked_by is None and r.last_error == "" for r in rows)
    db.dispose()


@pytest.mark.parametrize("pending_post_ttl", [30.0, 0.0], ids=["mattermost-dedupe-window", "mattermost-forgot"])
def test_a_dropped_answer_after_the_post_was_made_leaves_exactly_one_post(net, pending_post_ttl):
    """Mattermost makes the welcome post, then the connection drops before the answer. Within 30 s
    Mattermost itself answers a repeated pending_post_id; without that cache (restarted server,
    another cluster node) only our lookup of the key prevents a second post."""
    net.emulator.pending_post_ttl = pending_post_ttl
    net.emulator.drop_after_commit(method="POST", path_contains=POSTS)
    net.reply("admin", '/consortium creer "Réemploi" --membres @ines')
    net.deliver()

    channel = net.channel_of("reemploi")
    welcome = [p for p in net.emulator.posts(channel["id"]) if "Bienvenue" in p["message"]]
    assert len(welcome) == 1 and welcome[0]["is_pinned"]
    assert outbox_counts(net.services.db) == {"delivered": 1}
    with net.db() as session:
        assert session.scalar(select(OutboxMessage.progress))["welcome"] == welcome[0]["id"]


def test_an_answer_lost_while_mattermost_stays_unreachable_is_found_by_the_next_attempt(net):
    """The post is made, the answer dropped, and the lookup fails too: the next outbox attempt looks
    the post up before making it again."""
    net.emulator.pending_post_ttl = 0
    channel = net.channels["town-square"]
    net.emulator.add_to_channel(channel, net.users["bot"]["id"])
    with net.db() as session:
        queue(session, "mattermost.post", {"channel_id": channel, "message": "Once only"})
    net.emulator.drop_after_commit(method="POST", path_contains=POSTS)
    net.emulator.fail_next(503, count=3, method="GET", path_contains=f"/channels/{channel}/posts")
    # One round at a fixed instant: the retry is due after it, however slow this machine is.
    assert net.worker.run_until_idle(now=utcnow()) == 1
    with net.db() as session:
        row = session.scalar(select(OutboxMessage))
        assert row.status == "pending" and row.attempts == 1 and row.started_at is not None
        session.execute(OutboxMessage.__table__.update().values(available_at=row.started_at))  # due again now

    net.deliver()
    assert [p["message"] for p in net.emulator.posts(channel)].count("Once only") == 1
    with net.db() as session:
        row = session.scalar(select(OutboxMessage))
    assert row.status == "delivered" and row.attempts == 2
    assert net.emulator.post(row.progress["post"])["message"] == "Once only"


def test_a_direct_message_and_an_upload_survive_a_dropped_answer(net):
    """The other non-idempotent calls: a DM, and an export's file then its post."""
    net.emulator.pending_post_ttl = 0
    ines = net.users["ines"]["id"]
    with net.db() as session:
        queue(session, "mattermost.dm", {"user_id": ines, "message": "Rappel personnel"})
        queue(session, "mattermost.upload", {"direct_to": ines, "message": "Votre export",
                                             "files": [{"name": "export.csv", "content": "YSxiCg=="}]})
    net.emulator.drop_after_commit(count=2, method="POST", path_contains=POSTS)
    net.emulator.drop_after_commit(method="POST", path_contains="/api/v4/files")
    net.deliver()

    with net.db() as session:
        first = session.scalar(select(OutboxMessage.progress).order_by(OutboxMessage.id))
    dm = net.emulator.post(first["dm"])["channel_id"]
    messages = Counter(p["message"] for p in net.emulator.posts(dm))
    assert messages == Counter({"Rappel personnel": 1, "Votre export": 1})
    export = next(p for p in net.emulator.posts(dm) if p["message"] == "Votre export")
    assert len(export["file_ids"]) == 1
    assert outbox_counts(net.services.db) == {"delivered": 2}
