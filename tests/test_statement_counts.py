"""What one command costs the database, counted statement by statement (transaction control left out),
through real HTTP as Mattermost sends it. The counts are pinned: a change that adds a query to the
path every command shares shows up here (benchmarks/README.md explains each statement)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent, ChecklistItem, OutboxMessage
from tests.helpers.chat import make_consortium


@pytest.fixture
def channel(net) -> str:
    channel = make_consortium(net)
    net.reply("ines", "/checklist liste", channel=channel)   # ines is known and fresh from now on
    return channel


def _count(net, text: str, channel: str) -> tuple[int, str]:
    return net.statements(lambda: net.reply("ines", text, channel=channel))


def test_the_list_reads_the_person_the_consortium_and_the_membership_in_one_query(net, channel):
    # 1. person + consortium (by the channel) + membership; 2. every item with its notes and assignee
    statements, reply = _count(net, "/checklist liste", channel)
    assert "26" in reply and "☐ 3" not in reply  # the 26 items of the template (buttons carry the numbers)
    assert statements == 2


def _active_at(net, moment) -> None:
    """The runner's clock at ``moment``, and the consortium's last activity then too (or earlier)."""
    from sqlalchemy import update

    from models import Consortium
    from plugin.kernel.clock import FixedClock

    net.services.clock = FixedClock(moment)
    with net.db() as session:
        session.execute(update(Consortium).values(last_activity_at=moment))


def test_ticking_one_item(net, channel):
    from models import utcnow

    now = utcnow()
    _active_at(net, now)   # the consortium was active this minute already (the usual burst of ticks)
    # person + consortium + membership; the item changed and read back (UPDATE ... RETURNING); the audit
    # row; this minute's news opened (one upsert on its dedupe key)
    statements, reply = _count(net, "/checklist cocher 3", channel)
    assert "3" in reply and "coché" in reply
    assert statements == 4
    with net.db() as session:
        assert session.scalar(select(ChecklistItem.done).where(ChecklistItem.number == 3)) is True
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "checklist.check")) is not None
        assert session.scalar(select(OutboxMessage.kind).where(OutboxMessage.kind == "checklist.news")) is not None


def test_ticking_in_a_quiet_consortium_also_moves_its_last_activity(net, channel):
    from datetime import timedelta

    from models import Consortium, utcnow

    now = utcnow()
    _active_at(net, now - timedelta(hours=3))
    net.services.clock.set(now)
    # the same four, and the consortium's last activity, written once a minute at most
    statements, _reply = _count(net, "/checklist cocher 3", channel)
    assert statements == 5
    with net.db() as session:
        assert session.scalar(select(Consortium.last_activity_at)) == now
    assert _count(net, "/checklist cocher 4", channel)[0] == 5   # same minute: the news refreshed, not the activity


def test_ticking_several_items_changes_them_in_one_statement(net, channel):
    from models import utcnow

    _active_at(net, utcnow())
    one, _ = _count(net, "/checklist cocher 3", channel)
    three, reply = _count(net, "/checklist cocher 4 5 6", channel)
    assert "4, 5, 6" in reply
    # person + consortium + membership; the three items changed in one statement; their three audit rows
    # in one; the news of this minute (opened by the first tick) appended to once for the three, and its
    # refresh queued (one insert, unless already queued)
    assert three == 5, (one, three)
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "checklist.check")) == 4
        news = session.scalar(select(OutboxMessage.payload).where(OutboxMessage.kind == "checklist.news"))
        assert [event["data"]["number"] for event in news["events"]] == [3, 4, 5, 6]


def test_ticking_what_is_already_ticked_writes_nothing(net, channel):
    net.reply("ines", "/checklist cocher 3", channel=channel)
    statements, reply = _count(net, "/checklist cocher 3", channel)
    assert "déjà coché" in reply
    # person + consortium + membership; the change, which finds nothing to change; then (the unusual
    # path) the item read, to tell "already ticked" from "no such item"
    assert statements == 3


def test_consortium_info_through_the_runner(net, channel):
    # person + consortium + membership in one query; the overview in one: its lists (members, roles,
    # commitments, provisioning steps) in one UNION ALL, each row joined to its figures (checklist
    # progress, open dialogues, next session) with the consortium's decision rule
    statements, reply = _count(net, "/consortium info", channel)
    assert reply.startswith("#### Alimentation durable")
    assert statements == 2


def test_the_one_query_path_still_asks_mattermost_once_what_it_said_is_too_old(net, channel):
    from datetime import timedelta

    from sqlalchemy import update

    from models import Person, utcnow

    ines = net.users["ines"]["id"]
    with net.db() as session:
        session.execute(update(Person).where(Person.mattermost_user_id == ines)
                        .values(directory_synced_at=utcnow() - timedelta(days=1), display_name="stale"))
    net.emulator.clear_requests_log()
    reply = net.reply("ines", "/checklist liste", channel=channel)
    assert "Alimentation durable" in reply
    assert [path for _method, path, _status in net.emulator.requests_log
            if "/users" in path] == [f"/api/v4/users/{ines}"]
    with net.db() as session:
        person = session.scalar(select(Person).where(Person.mattermost_user_id == ines))
        assert person.directory_synced_at > utcnow() - timedelta(minutes=1) and person.display_name != "stale"
    net.emulator.clear_requests_log()
    assert _count(net, "/checklist liste", channel)[0] == 2   # fresh again: one query, no call
    assert not [path for _method, path, _status in net.emulator.requests_log if "/users" in path]
