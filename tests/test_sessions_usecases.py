"""The sessions' use cases, fast: a real database, a fake directory, a set clock — no HTTP, no
Mattermost, no CalDAV. They return data and record events; the end-to-end tests (test_sessions.py)
check what members read, the CalDAV events and the e-mails."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Consortium, Membership, Network, OutboxMessage, Person, WorkingSession
from plugin.features.sessions import outcomes as out
from plugin.features.sessions import usecases
from plugin.features.sessions.events import SessionCancelled, SessionMoved, SessionPlanned
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden, Invalid
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def world(database_url, tmp_path):
    """A consortium with ines and samir (samir without an e-mail address); lea is not a member; e-mail on."""
    from models.db import Database
    from plugin.kernel.people import upsert_person

    db = Database(database_url)
    directory = FakeDirectory(*(user(name) for name in ("ines", "samir", "lea")))
    settings = make_settings(database_url, tmp_path, smtp_url="smtp://127.0.0.1:1", mail_from="c@example.org")
    runtime = FakeRuntime(settings, db, directory)
    with db.transaction() as session:
        network = Network(team_name="reseau", name="reseau")
        session.add(network)
        session.flush()
        people = {info.username: upsert_person(session, network.id, directory, info, NOW)
                  for info in directory.users.values()}
        people["samir"].email = None
        consortium = Consortium(network_id=network.id, name="Alimentation durable", name_key="alimentation durable",
                                slug="alimentation-durable", channel_id="c" * 26)
        session.add(consortium)
        session.flush()
        session.add_all([Membership(consortium_id=consortium.id, person_id=people[n].id) for n in ("ines", "samir")])
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str) -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    consortium, membership = consortium_for(session, slug="alimentation-durable", person_id=person.id)
    return Ctx(session, Actor(person, locale=person.locale or "fr"), session.scalar(select(Network)),
               runtime.clock.now(), runtime, consortium=consortium, membership=membership)


def _plan_data(day: int = 10, hour: int = 14) -> dict:
    start = datetime(2027, 3, day, hour, 0, tzinfo=PARIS)
    return {"title": "Diagnostic", "starts_at": start, "duration_value": timedelta(hours=2), "place": "Lyon"}


def test_planning_stores_the_session_and_records_who_is_invited(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        outcome = usecases.plan(ctx, _plan_data())
        assert isinstance(outcome, out.Planned) and outcome.smtp
        assert [p.username for p in outcome.invited] == ["ines"]
        assert [p.username for p in outcome.without_email] == ["samir"]
        [event] = ctx.events
        assert isinstance(event, SessionPlanned) and event.sequence == 0 and not event.caldav
        assert event.invited == (outcome.invited[0].id,) and event.confirm_to == ""   # not from the form
        ws = session.scalar(select(WorkingSession))
        assert ws.number == 1 and ws.location == "Lyon" and ws.ends_at - ws.starts_at == timedelta(hours=2)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_nothing_given_opens_the_form_and_outsiders_are_refused(world):
    with world.db.transaction() as session:
        assert isinstance(usecases.plan(ctx_of(session, world, "ines"), {}), out.PlanForm)
        with pytest.raises(Forbidden):
            usecases.plan(ctx_of(session, world, "lea"), _plan_data())
        assert session.scalar(select(func.count()).select_from(WorkingSession)) == 0


def test_moving_asks_everyone_again_and_cancelling_twice_is_refused(world):
    with world.db.transaction() as session:
        usecases.plan(ctx_of(session, world, "ines"), _plan_data())
        ctx = ctx_of(session, world, "ines")
        later = datetime(2027, 3, 11, 10, 0, tzinfo=PARIS)
        moved = usecases.move(ctx, {"number": 1, "starts_at": later})
        assert isinstance(moved, out.Moved) and isinstance(ctx.events[0], SessionMoved)
        assert ctx.events[0].sequence == 1 and ctx.events[0].method == "REQUEST"
        with pytest.raises(Conflict):
            usecases.move(ctx_of(session, world, "ines"), {"number": 1, "starts_at": later})
        with pytest.raises(Forbidden):   # samir did not plan it and is not the lead partner
            usecases.cancel(ctx_of(session, world, "samir"), {"number": 1})
        ctx = ctx_of(session, world, "ines")
        usecases.cancel(ctx, {"number": 1})
        assert isinstance(ctx.events[0], SessionCancelled) and ctx.events[0].method == "CANCEL"
        with pytest.raises(Conflict):
            usecases.cancel(ctx_of(session, world, "ines"), {"number": 1})


def test_the_runner_reads_dates_in_the_consortium_zone_and_queues_the_card(world):
    """Through the runner: the schema reads "10/03 14h" at the runner's clock in Paris time; a bad
    date is refused with the field named; the card, the invitation and the feeds to build are queued."""
    from plugin.frontdoor.runner import Entry

    entry = Entry("slash", user_id=user("ines").id, channel_id="c" * 26,
                  network=lambda session: session.scalar(select(Network)))
    refused = world.runner.run(entry, "session.plan", {"title": "Atelier", "date": "31/02", "time": "14h"})
    assert isinstance(refused.refusal, Invalid) and "date" in refused.refusal.lazy_fields
    done = world.runner.run(entry, "session.plan", {"title": "Atelier", "date": "10/03", "time": "14h"})
    assert done.ok, done.refusal and done.refusal.text("en")
    with world.db.reader() as session:
        ws = session.scalar(select(WorkingSession))
        assert ws.starts_at.replace(tzinfo=None) == datetime(2027, 3, 10, 13, 0)   # 14:00 in Paris, in UTC
        kinds = sorted(session.scalars(select(OutboxMessage.kind)))
    assert kinds == ["calendar.feeds", "imip.session", "session.card"]
