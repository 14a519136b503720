"""The decisions' use cases, fast: a real database, a fake directory, a set clock — no HTTP. Who votes
(per organisation, per person, never a foundation), the casting vote, closing twice, the deadline job."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import (
    Consortium, Decision, DecisionBallot, Membership, Network, Organisation, OutboxMessage, Person,
)
from plugin.features.decisions import jobs, usecases
from plugin.features.decisions.events import DecisionClosed, DecisionProposed, VoteReplaced
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user

PEOPLE = ("ines", "lea", "samir", "fanny", "admin")


@pytest.fixture
def world(database_url, tmp_path):
    """ines and lea represent ACI-Lyon, samir EI-Vienne, fanny a foundation; all four are members."""
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in PEOPLE))
    runtime = FakeRuntime(make_settings(database_url, tmp_path), db, directory)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        people = {info.username: upsert_person(session, network.id, directory, info, NOW)
                  for info in directory.users.values()}
        orgs = {}
        for short, kind in (("ACI-Lyon", "siae"), ("EI-Vienne", "siae"), ("Fondation-X", "foundation")):
            orgs[short] = Organisation(network_id=network.id, name=short, short_name=short, search_key=short.lower(),
                                       kind=kind)
        session.add_all(orgs.values())
        consortium = Consortium(network_id=network.id, name="Alimentation durable", name_key="alimentation durable",
                                slug="alimentation-durable", channel_id="c" * 26)
        session.add(consortium)
        session.flush()
        for name, org in (("ines", "ACI-Lyon"), ("lea", "ACI-Lyon"), ("samir", "EI-Vienne"), ("fanny", "Fondation-X")):
            session.add(Membership(consortium_id=consortium.id, person_id=people[name].id,
                                   organisation_id=orgs[org].id))
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str, *, admin: bool = False) -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    consortium, membership = consortium_for(session, slug="alimentation-durable", person_id=person.id)
    return Ctx(session, Actor(person, is_admin=admin), session.scalar(select(Network)), runtime.clock.now(), runtime,
               consortium=consortium, membership=membership)


def propose(runtime, **data) -> int:
    with runtime.db.transaction() as session:
        ctx = ctx_of(session, runtime, "ines")
        outcome = usecases.propose(ctx, {"title": "Adopter la charte", "options": None, "until": None,
                                         "secret": False, **data})
        assert [type(e) for e in ctx.events] == [DecisionProposed]
        return outcome.number


def vote(runtime, username: str, choice: int, number: int = 1) -> Ctx:
    with runtime.db.transaction() as session:
        ctx = ctx_of(session, runtime, username)
        usecases.vote(ctx, {"number": number, "choice": choice})
        return ctx


def test_one_vote_per_organisation_the_last_representative_counts(world):
    propose(world)
    assert vote(world, "ines", 0).events == []
    replaced = vote(world, "lea", 1).events
    assert [type(e) for e in replaced] == [VoteReplaced]
    assert replaced[0].organisation == "ACI-Lyon" and replaced[0].by == "lea"
    with world.db.reader() as session:
        assert [(b.voter_key.startswith("o:"), b.choice) for b in session.scalars(select(DecisionBallot))] == [
            (True, 1)]


def test_foundation_representatives_never_vote(world):
    propose(world)
    with pytest.raises(Forbidden):
        vote(world, "fanny", 0)


def test_per_person_rule_gives_each_member_a_vote(world):
    with world.db.transaction() as session:
        usecases.rule(ctx_of(session, world, "admin", admin=True), {"kind": "majority", "per_person": True})
    propose(world)
    vote(world, "ines", 0)
    assert vote(world, "lea", 1).events == []       # her own vote, not a replacement
    with world.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(DecisionBallot)) == 2


def test_the_casting_vote_settles_a_tie_and_closing_twice_is_refused(world):
    with world.db.transaction() as session:
        usecases.rule(ctx_of(session, world, "admin", admin=True), {"kind": "majority", "casting": "samir"})
    propose(world)
    vote(world, "ines", 1)
    vote(world, "samir", 0)
    with world.db.transaction() as session:
        closed = usecases.close(ctx_of(session, world, "ines"), {"number": 1})
    assert closed.outcome == "adopted" and closed.result["casting"] and closed.result["counts"] == [1, 1, 0]
    with world.db.transaction() as session, pytest.raises(Conflict):
        usecases.close(ctx_of(session, world, "admin", admin=True), {"number": 1})
    with world.db.transaction() as session, pytest.raises(Conflict):
        usecases.cancel(ctx_of(session, world, "ines"), {"number": 1})


def test_the_deadline_job_closes_by_the_clock_it_is_given(world):
    propose(world, until="2027-03-03 12h")
    vote(world, "samir", 0)
    assert jobs.close_due(world, NOW + timedelta(days=1)) == 0
    assert jobs.close_due(world, NOW + timedelta(days=3)) == 1
    assert jobs.close_due(world, NOW + timedelta(days=3)) == 0
    with world.db.reader() as session:
        decision = session.scalar(select(Decision))
        assert (decision.status, decision.outcome) == ("closed", "adopted")   # 1 of 2 organisations: quorum 1
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "decision.outcome")))
        assert len(rows) == 1 and rows[0].payload["event"] == DecisionClosed.name
