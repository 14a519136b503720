"""The dialogues' use cases, fast: a real database, a fake directory, a set clock — no HTTP, no
Mattermost. They return data and record events; the end-to-end tests (test_dialogues.py) check the
texts people read."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent, Consortium, DialogueEvent, FoundationDialogue, Membership, Network, OutboxMessage, \
    Person
from plugin.features.dialogues import outcomes as out
from plugin.features.dialogues import usecases
from plugin.features.dialogues.events import DialogueOpened, NextStepSet, PeopleJoin, StageChanged
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user

CHANNEL = "c" * 26


@pytest.fixture
def world(database_url, tmp_path):
    """A consortium (members ines and samir), FondationX represented by claire; lea is nobody here."""
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in ("ines", "samir", "claire", "lea", "admin")))
    runtime = FakeRuntime(make_settings(database_url, tmp_path), db, directory)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        people = {info.username: upsert_person(session, network.id, directory, info, NOW)
                  for info in directory.users.values()}
        consortium = Consortium(network_id=network.id, name="Alimentation durable", name_key="alimentation durable",
                                slug="alimentation-durable", channel_id=CHANNEL)
        session.add(consortium)
        session.flush()
        session.add_all([Membership(consortium_id=consortium.id, person_id=people[n].id) for n in ("ines", "samir")])
    with db.transaction() as session:
        admin = ctx_of(session, runtime, "admin", admin=True, consortium=False)
        usecases.add_foundation(admin, {"short_name": "FondationX", "name": "Fondation X", "kind": "foundation",
                                        "description": None, "themes": None})
        usecases.change_representatives(admin, {"foundation": "FondationX", "users": ["claire"], "remove": False})
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str, *, admin: bool = False, consortium: bool = True, root_id: str = "",
           channel_id: str = "") -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    found, membership = (consortium_for(session, slug="alimentation-durable", person_id=person.id)
                         if consortium else (None, None))
    return Ctx(session, Actor(person, is_admin=admin, locale="fr"), session.scalar(select(Network)),
               runtime.clock.now(), runtime, consortium=found, membership=membership, root_id=root_id,
               channel_id=channel_id)


def _open(world, subject="Financer le diagnostic") -> out.Opened:
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        outcome = usecases.open_dialogue(ctx, {"foundation": "fondationx", "subject": subject})
        assert ctx.events == [DialogueOpened(ctx.consortium.id, ctx.events[0].dialogue_id, outcome.number, "ines")]
        return outcome


def test_opening_returns_what_the_reply_is_made_of_and_records_the_opening(world):
    opened = _open(world)
    assert opened == out.Opened(1, "Fondation X", "FondationX", "Financer le diagnostic",
                                "alimentation-durable-fondations", ["claire"])
    with world.db.reader() as session:
        dialogue = session.scalar(select(FoundationDialogue))
        assert (dialogue.stage, dialogue.opened_at.replace(tzinfo=None)) == ("premier-contact",
                                                                             NOW.replace(tzinfo=None))
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "dialogue.open"))
    with world.db.transaction() as session, pytest.raises(Conflict) as again:
        usecases.open_dialogue(ctx_of(session, world, "samir"),
                               {"foundation": "FondationX", "subject": "financer le DIAGNOSTIC"})
    assert "n° 1" in again.value.text("fr").replace("\u00a0", " ") and "no. 1" in again.value.text("en")


def test_a_representative_follows_their_dialogue_but_cannot_change_its_stage(world):
    _open(world)
    with world.db.transaction() as session:
        claire = ctx_of(session, world, "claire")
        assert claire.membership is None
        with pytest.raises(Forbidden):
            usecases.change_stage(claire, {"number": 1, "stage": "exploration"})
        recorded = usecases.next_step(claire, {"number": 1, "date": "10/03", "action": "Comité"})
        assert recorded == out.NextStepRecorded(1, date(2027, 3, 10))
        assert isinstance(claire.events[0], NextStepSet) and claire.events[0].actor == "claire"
    with world.db.transaction() as session, pytest.raises(Forbidden):
        usecases.summary(ctx_of(session, world, "lea"), {"number": 1})


def test_stages_move_forward_only_and_a_closed_dialogue_stays_closed(world):
    _open(world)
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        assert usecases.change_stage(ctx, {"number": 1, "stage": "candidature"}) == out.StageSet(1, "candidature")
        assert ctx.events == [StageChanged(ctx.consortium.id, ctx.events[0].dialogue_id, 1, "ines",
                                           "premier-contact", "candidature")]
        with pytest.raises(Invalid):
            usecases.change_stage(ctx, {"number": 1, "stage": "exploration"})
        usecases.close(ctx, {"number": 1})
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        with pytest.raises(Invalid):
            usecases.next_step(ctx, {"number": 1, "date": "demain", "action": "Relancer"})
        with pytest.raises(NotFound):
            usecases.summary(ctx, {"number": 7})
        kinds = [e.kind for e in session.scalars(select(DialogueEvent).order_by(DialogueEvent.id))]
        assert kinds == ["opened", "stage", "closed"]


def test_the_thread_names_its_dialogue_and_the_summary_says_when_mattermost_cannot(world):
    _open(world)
    with world.db.transaction() as session:
        session.scalar(select(FoundationDialogue)).root_post_id = "r" * 26
    with world.db.reader() as session:
        view = usecases.summary(ctx_of(session, world, "samir", root_id="r" * 26), {"number": None})
        assert view.dialogue.number == 1 and view.foundation.short_name == "FondationX"
        assert view.replies is None          # the fake Mattermost has no thread to tell of
        assert [e.kind for e, _who in view.events] == ["opened"]


def test_listing_finds_the_consortium_by_channel_or_slug_and_a_representative_anywhere(world):
    _open(world)
    with world.db.reader() as session:
        by_channel = usecases.list_dialogues(ctx_of(session, world, "ines", consortium=False, channel_id=CHANNEL),
                                             {"all": False, "consortium": None})
        assert isinstance(by_channel, out.ConsortiumDialogues) and [r.dialogue.number for r in by_channel.rows] == [1]
        anywhere = usecases.list_dialogues(ctx_of(session, world, "claire", consortium=False),
                                           {"all": False, "consortium": None})
        assert isinstance(anywhere, out.FoundationDialogues) and anywhere.foundation.short_name == "FondationX"
        with pytest.raises(NotFound):
            usecases.list_dialogues(ctx_of(session, world, "ines", consortium=False),
                                    {"all": False, "consortium": "nope"})
        with pytest.raises(Invalid) as elsewhere:
            usecases.list_dialogues(ctx_of(session, world, "samir", consortium=False),
                                    {"all": False, "consortium": None})
        assert "alimentation-durable" in elsewhere.value.usage_text("en")
        network = usecases.list_dialogues(ctx_of(session, world, "admin", admin=True, consortium=False),
                                          {"all": True, "consortium": None})
        assert network.page.total == 1 and network.page.per_stage == {"premier-contact": 1}


def test_a_new_representative_follows_into_the_dialogue_channels(world):
    _open(world)
    with world.db.transaction() as session:
        admin = ctx_of(session, world, "admin", admin=True, consortium=False)
        changed = usecases.change_representatives(admin, {"foundation": "FondationX", "users": ["lea", "claire"],
                                                          "remove": False})
        assert changed == out.RepresentativesChanged("FondationX", ["lea"], ["claire"], False)
        consortium_id = session.scalar(select(Consortium.id))
        assert admin.events == [PeopleJoin(consortium_id, [user("lea").id])]


def test_the_runner_publishes_the_opening_as_rows_of_data(world):
    """Through the runner: the channel, the card and no rendered text in the outbox."""
    from plugin.frontdoor.runner import Entry

    entry = Entry("slash", user_id=user("samir").id, channel_id=CHANNEL,
                  network=lambda session: session.scalar(select(Network)))
    refused = world.runner.run(entry, "dialogue.open", {"foundation": "FondationX", "subject": "x"})
    assert isinstance(refused.refusal, Invalid)
    done = world.runner.run(entry, "dialogue.open", {"foundation": "FondationX", "subject": "Locaux partagés"})
    assert done.ok and done.outcome.number == 1
    with world.db.reader() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [r.kind for r in rows] == ["dialogue.channel", "dialogue.card"]
        assert rows[1].payload["event"] == "dialogue.opened" and "message" not in rows[1].payload["data"]
    later = world.runner.run(entry, "dialogue.next", {"number": "1", "date": "2027-03-02", "action": "Appeler"})
    assert later.ok
    with world.db.reader() as session:
        kinds = [r.kind for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        assert kinds[-2:] == ["dialogue.news", "dialogue.card_refresh"]
        assert session.scalar(select(FoundationDialogue.next_step_date)) == NOW.date() + timedelta(days=1)
