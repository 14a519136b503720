"""The AMI's use cases, fast: a real database, a fake directory, a set clock — no HTTP, no Mattermost.
They return data and record events; the end-to-end tests (test_ami.py, test_web.py) check what people
read."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEvent, CallForInterest, CallResponse, Network, Person
from plugin.features.ami import outcomes as out
from plugin.features.ami import usecases
from plugin.features.ami.events import ChatAnswerNoted
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden, Invalid
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user


@pytest.fixture
def world(database_url, tmp_path):
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in ("admin", "ines", "samir")))
    runtime = FakeRuntime(make_settings(database_url, tmp_path), db, directory)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        for info in directory.users.values():
            upsert_person(session, network.id, directory, info, NOW)
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str, *, channel_id: str = "") -> Ctx:
    person = session.scalar(select(Person).where(Person.username == username))
    return Ctx(session, Actor(person, is_admin=username == "admin", locale="fr"), session.scalar(select(Network)),
               runtime.clock.now(), runtime, channel_id=channel_id)


def _open(session, runtime) -> CallForInterest:
    return usecases.open_call(ctx_of(session, runtime, "admin"),
                              {"title": "AMI 2027", "themes": "Alimentation, Mobilité", "until": "31/12/2027"}).call


ANSWER = {"structure_name": "ACI Les Jardins", "contact_name": "Camille Martin",
          "contact_email": "camille@jardins.example"}


def test_only_admins_open_a_call_and_one_at_a_time(world):
    with world.db.transaction() as session:
        with pytest.raises(Forbidden):   # before anything typed is read
            usecases.open_call(ctx_of(session, world, "ines"), {"title": None, "themes": None, "until": None})
        with pytest.raises(Invalid):
            usecases.open_call(ctx_of(session, world, "admin"), {"title": "X", "themes": None, "until": "hier"})
        call = _open(session, world)
        assert call.themes == ["Alimentation", "Mobilité"] and call.deadline > NOW
        with pytest.raises(Conflict):
            _open(session, world)
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ami.open")) == 1


def test_a_chat_answer_is_recorded_and_its_person_told_in_their_channel(world):
    with world.db.transaction() as session:
        call = _open(session, world)
        ctx = ctx_of(session, world, "ines", channel_id="c" * 26)
        outcome = usecases.answer_from_chat(ctx, {**ANSWER, "call": call.id, "themes": ["Mobilité", "Alimentation"]})
        assert isinstance(outcome, out.Answered) and outcome.created
        assert outcome.answer.themes == ["Mobilité", "Alimentation"]
        assert [type(e) for e in ctx.events] == [ChatAnswerNoted] and ctx.events[0].outcome == "recorded"
        # Someone else, for the same structure (a look-alike name): nothing changes without the contact.
        other = ctx_of(session, world, "samir", channel_id="c" * 26)
        refused = usecases.answer_from_chat(other, {**ANSWER, "structure_name": "ACI LES JARDINS", "call": call.id,
                                                    "contact_email": "samir@example.org", "themes": ["Mobilité"]})
        assert isinstance(refused, out.EditLinkUnavailable) and other.events[0].outcome == "edit_link_unavailable"
        assert session.scalar(select(CallResponse.themes)) == ["Mobilité", "Alimentation"]


def test_the_public_form_answers_with_data_for_every_case(world):
    with world.db.transaction() as session:
        token = _open(session, world).form_token
    run = world.runner.run
    from plugin.frontdoor.runner import Entry

    entry = Entry("page", locale="en")
    shown = run(entry, "ami.public_form", {"token": token})
    assert isinstance(shown.outcome, out.PublicForm) and shown.outcome.accepting and not shown.outcome.errors
    for hostile in ("", "x" * 65, "' OR 1=1 --", "../../etc/passwd"):
        assert isinstance(run(entry, "ami.public_form", {"token": hostile}).outcome, out.FormNotFound)
    forged = run(entry, "ami.public_form", {"token": token, "edit": "forged.token"})
    assert isinstance(forged.outcome, out.EditLinkRefused)
    bad = run(entry, "ami.public_form", {"token": token, "submitted": {**ANSWER, "contact_email": "a@b"}})
    assert bad.outcome.status == 400 and set(bad.outcome.errors) == {"contact_email", "themes"}
    sent = run(entry, "ami.public_form", {"token": token, "submitted": {**ANSWER, "rank_0": "2", "rank_1": "1"}})
    assert isinstance(sent.outcome, out.PublicThanks) and sent.outcome.themes == ["Mobilité", "Alimentation"]
    assert sent.outcome.masked == "c•••@jardins.example"
    with world.db.reader() as session:
        assert session.scalar(select(CallResponse.source)) == "web"
