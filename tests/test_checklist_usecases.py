"""The checklist's use cases, fast: a real database, a fake directory, a set clock — no HTTP, no
Mattermost. They return data and record events; the end-to-end tests (test_checklist.py) check the
texts members read."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, ChecklistItem, Consortium, Membership, Network, OutboxMessage, Person
from plugin.features.checklist import usecases
from plugin.features.checklist import outcomes as out
from plugin.features.checklist.events import ChecklistExported, ItemAdded, ItemAssigned, ItemReopened, ItemTicked
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Forbidden, Invalid, NotFound
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user

@pytest.fixture
def world(database_url, tmp_path):
    """A network with a consortium (the default template applied), members ines and samir; lea is not one."""
    from models.db import Database
    from plugin.features.checklist.api import apply_template
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in ("ines", "samir", "lea")))
    runtime = FakeRuntime(make_settings(database_url, tmp_path), db, directory)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        people = {info.username: upsert_person(session, network.id, directory, info, NOW)
                  for info in directory.users.values()}
        consortium = Consortium(network_id=network.id, name="Alimentation durable", name_key="alimentation durable",
                                slug="alimentation-durable", channel_id="c" * 26)
        session.add(consortium)
        session.flush()
        session.add_all([Membership(consortium_id=consortium.id, person_id=people[n].id) for n in ("ines", "samir")])
        apply_template(session, consortium)
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str) -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    consortium, membership = consortium_for(session, slug="alimentation-durable", person_id=person.id)
    return Ctx(session, Actor(person, locale=person.locale or "fr"), session.scalar(select(Network)),
               runtime.clock.now(), runtime, consortium=consortium, membership=membership)


def test_ticking_changes_the_rows_and_records_what_the_group_hears(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        outcome = usecases.check(ctx, {"numbers": [1, 2]})
        assert outcome == out.Ticked(True, changed=[1, 2])
        assert [type(e) for e in ctx.events] == [ItemTicked, ItemTicked]
        assert ctx.events[0].actor == "ines" and ctx.events[0].number == 1 and ctx.events[0].text_en
        again = usecases.check(ctx_of(session, world, "samir"), {"numbers": [2, 3]})
        assert again.changed == [3] and again.unchanged == [2]
        reopened = ctx_of(session, world, "ines")
        assert usecases.uncheck(reopened, {"numbers": [1]}).changed == [1]
        assert isinstance(reopened.events[0], ItemReopened)
        item = session.scalar(select(ChecklistItem).where(ChecklistItem.number == 2))
        assert item.done and item.done_at == NOW
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 4


def test_unknown_numbers_change_nothing(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        with pytest.raises(NotFound):
            usecases.check(ctx, {"numbers": [1, 99]})
        assert ctx.events == []


def test_a_known_number_named_with_an_unknown_one_is_not_ticked_even_outside_the_runner(world):
    with world.db.transaction() as session:
        with pytest.raises(NotFound):
            usecases.check(ctx_of(session, world, "ines"), {"numbers": [1, 99]})
        assert session.scalar(select(ChecklistItem.done).where(ChecklistItem.number == 1)) is False
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_only_members_act_and_an_archived_checklist_is_read_only(world):
    with world.db.transaction() as session:
        with pytest.raises(Forbidden):
            usecases.list_items(ctx_of(session, world, "lea"), {})
        ctx = ctx_of(session, world, "ines")
        ctx.consortium.archived_at = NOW
        assert usecases.list_items(ctx, {}).total == 26
        with pytest.raises(Forbidden):
            usecases.check(ctx, {"numbers": [1]})


def test_adding_and_assigning_ask_the_directory_not_the_request(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        added = usecases.add(ctx, {"text": "Ouvrir un compte", "assignee": "samir", "due": "2027-02-01",
                                   "section": "juridique"})
        assert added == out.Added(27, "Ouvrir un compte", date(2027, 2, 1), overdue=True)
        assert ctx.events == [ItemAdded(ctx.consortium.id, "ines", 27, "Ouvrir un compte", "", "samir")]
        with pytest.raises(Invalid):   # not a member
            usecases.assign(ctx, {"number": 3, "user": "lea"})
        with pytest.raises(NotFound):  # Mattermost knows no such person
            usecases.assign(ctx, {"number": 3, "user": "nobody"})
        assigned = ctx_of(session, world, "ines")
        assert usecases.assign(assigned, {"number": 3, "user": "samir"}) == out.Assigned(3, "samir", already=False)
        assert isinstance(assigned.events[0], ItemAssigned)
        assert usecases.assign(assigned, {"number": 3, "user": "samir"}).already


def test_the_listing_filters_and_counts_every_live_item(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        usecases.check(ctx, {"numbers": [1]})
        usecases.assign(ctx, {"number": 2, "user": "ines"})
        usecases.remove(ctx, {"number": 26})
        listing = usecases.list_items(ctx, {"open": True, "mine": True})
        assert [line.number for line in listing.lines] == [2]
        assert (listing.done, listing.total) == (1, 25) and sum(s.total for s in listing.sections) == 25


def test_the_export_is_recorded_not_rendered(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        assert usecases.export(ctx, {}) == out.ExportQueued(26)
        assert ctx.events == [ChecklistExported(ctx.consortium.id, "ines", "fr", NOW.isoformat())]


def test_the_runner_identifies_validates_and_publishes_without_any_server(world):
    """Through the runner: a person Mattermost vouches for (the fake directory), the schema's refusal,
    and the events queued in the outbox in the same transaction."""
    from plugin.frontdoor.runner import Entry

    runner = world.runner
    entry = Entry("slash", user_id=user("samir").id, channel_id="c" * 26,
                  network=lambda session: session.scalar(select(Network)))
    refused = runner.run(entry, "checklist.check", {"numbers": ["x"]})
    assert isinstance(refused.refusal, Invalid) and "numéro" in refused.refusal.text("fr")
    done = runner.run(entry, "checklist.check", {"numbers": ["4"]})
    assert done.ok and done.outcome.changed == [4] and done.actor.username == "samir"
    with world.db.reader() as session:
        news = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "checklist.news")).one()
        assert news.payload["events"][0]["event"] == "checklist.item_ticked"
    assert world.woken == 1  # after the command that committed; the refused one was rolled back
