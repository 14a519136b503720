"""The consortium's and privacy's use cases, fast: a real database, a fake directory, a set clock — no
HTTP, no Mattermost. They return data and record events; the end-to-end tests
(test_consortium_commands.py, test_privacy.py) check what people read."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, Consortium, Membership, Network, OutboxMessage, Person, StageChange
from plugin.features.consortium import foundations, usecases
from plugin.features.consortium import outcomes as out
from plugin.features.consortium.events import ConsortiumArchived
from plugin.features.privacy import usecases as privacy
from plugin.features.privacy.events import CopyRequested
from plugin.frontdoor.runner import Entry
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user


@pytest.fixture
def world(database_url, tmp_path):
    """A network with a consortium, members ines and samir; lea is not one; admin is an admin."""
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in ("ines", "samir", "lea", "admin")))
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
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str, *, admin: bool = False) -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    consortium, membership = consortium_for(session, slug="alimentation-durable", person_id=person.id)
    return Ctx(session, Actor(person, is_admin=admin, locale=person.locale or "fr"), session.scalar(select(Network)),
               runtime.clock.now(), runtime, consortium=consortium, membership=membership)


def test_archiving_records_the_goodbye_and_refuses_a_second_time(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "admin", admin=True)
        asked = usecases.archive(ctx, {"confirm": False})
        assert asked == out.ArchiveToConfirm(ctx.consortium) and not ctx.events   # nothing done yet
        outcome = usecases.archive(ctx, {"confirm": True})
        assert isinstance(outcome, out.Archived) and outcome.consortium.archived_at == NOW
        assert ctx.events == [ConsortiumArchived(consortium_id=ctx.consortium.id, actor="admin")]
        with pytest.raises(Conflict):
            usecases.archive(ctx_of(session, world, "admin", admin=True), {"confirm": True})


def test_only_admins_archive(world):
    with world.db.transaction() as session:
        with pytest.raises(Forbidden):
            usecases.archive(ctx_of(session, world, "ines"), {"confirm": False})


def test_members_are_for_members_and_come_with_their_organisation_read(world):
    with world.db.transaction() as session:
        with pytest.raises(Forbidden):
            usecases.members(ctx_of(session, world, "lea"), {})
        listing = usecases.members(ctx_of(session, world, "ines"), {})
    assert [m.person.username for m in listing.rows] == ["ines", "samir"]
    assert [m.organisation for m in listing.rows] == [None, None]   # readable after the transaction


def test_a_stage_change_is_recorded_with_its_author(world):
    with world.db.transaction() as session:
        outcome = usecases.stage(ctx_of(session, world, "admin", admin=True), {"stage": "structuration"})
        assert outcome == out.StageChanged("emergence", "structuration", "admin")
        change = session.scalar(select(StageChange))
        assert (change.from_stage, change.to_stage) == ("emergence", "structuration")
        assert session.scalar(select(AuditEvent.action)) == "consortium.stage"


def test_provisioning_a_look_alike_name_completes_the_existing_one(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "admin", admin=True)
        first = usecases.provision(ctx, {"name": "Mobilité douce", "members": ["ines"]})
        again = usecases.provision(ctx, {"name": "MOBILITÉ  douce", "members": ["ines", "lea"]})
        assert first.created and not again.created and again.consortium.id == first.consortium.id
        assert again.added_members == ["lea"]
        with pytest.raises(Conflict):
            usecases.create(ctx, {"name": "Mobilite douce"})


def test_the_foundation_sub_command_refuses_an_unknown_action_with_its_syntax(world):
    with world.db.transaction() as session:
        with pytest.raises(Invalid) as refused:
            foundations.foundation(ctx_of(session, world, "admin", admin=True),
                                   {"action": "dance", "foundation": None, "users": [], "name": None,
                                    "description": None, "themes": None, "kind": None, "remove": False})
    assert "dance" in refused.value.text("en") and "/consortium foundation list" in refused.value.usage_text("en")


def test_a_copy_of_ones_data_is_made_when_delivered(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "samir")
        privacy.my_data(ctx, {})
        assert ctx.events == [CopyRequested(person_id=ctx.actor.id, user_id=ctx.actor.person.mattermost_user_id)]


def test_erasing_through_the_runner_queues_the_channel_removals(world):
    entry = Entry("cli", network=lambda session: session.scalar(select(Network)), locale="en")
    result = world.runner.run(entry, "privacy.erase", {"user": "@samir"})
    assert result.refusal is None and result.outcome.changes["memberships_ended"] == 1
    with world.db.reader() as session:
        kinds = list(session.scalars(select(OutboxMessage.kind)))
        assert kinds == ["mattermost.remove_member"]
        assert session.scalar(select(Person.erased_at).where(Person.username.like("erased-%"))) == NOW
    again = world.runner.run(entry, "privacy.erase", {"user": "@samir"})
    assert isinstance(again.refusal, NotFound)   # the name no longer leads to the erased row


def test_the_overview_of_a_consortium_with_no_list_at_all_still_has_its_figures(world):
    """The overview reads every list joined to the row of figures: with no member, role, commitment or
    provisioning step, the figures still come (here: two ticked items of three, the default rule)."""
    from models import ChecklistItem
    from plugin.features.consortium import records
    from plugin.features.decisions.rules import DEFAULT_RULE

    with world.db.transaction() as session:
        network = session.scalar(select(Network))
        empty = Consortium(network_id=network.id, name="Mobilité", name_key="mobilite", slug="mobilite",
                           channel_id="m" * 26)
        session.add(empty)
        session.flush()
        session.add_all([ChecklistItem(consortium_id=empty.id, number=n, position=n, text=f"Étape {n}", done=n < 3)
                         for n in (1, 2, 3)])
    with world.db.transaction(read_only=True) as session:
        view = records.overview(session, session.get(Consortium, empty.id), now=NOW)
    assert (view.members, view.roles, view.commitments, view.steps) == ([], [], {}, {})
    assert (view.checklist_done, view.checklist_total, view.open_dialogues, view.next_session) == (2, 3, 0, None)
    assert view.decision_rule == dict(DEFAULT_RULE)
