"""The registers' use cases, fast: a real database, a fake directory, a set clock — no HTTP, no
Mattermost. They return data and record events; the end-to-end tests (test_roles.py,
test_commitments.py) check the texts members read."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Commitment, Consortium, Membership, Network, Organisation, OutboxMessage, Person, RoleAssignment
from plugin.features.registers import outcomes as out
from plugin.features.registers import usecases, usecases_commitments
from plugin.features.registers.events import CommitmentRecorded, RegisterExported
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Conflict, Forbidden, NotFound
from plugin.kernel.usecase import Ctx
from tests.conftest import make_settings
from tests.fakes import NOW, FakeDirectory, FakeRuntime, user


@pytest.fixture
def world(database_url, tmp_path):
    """A consortium with ines (ACI-Lyon) and samir (EI-Vienne); lea is no member."""
    from models.db import Database
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
        orgs = {short: Organisation(network_id=network.id, short_name=short, name=short, search_key=short.lower(),
                                    kind="siae") for short in ("ACI-Lyon", "EI-Vienne")}
        consortium = Consortium(network_id=network.id, name="Alimentation durable", name_key="alimentation durable",
                                slug="alimentation-durable", channel_id="c" * 26)
        session.add_all([consortium, *orgs.values()])
        session.flush()
        session.add_all([Membership(consortium_id=consortium.id, person_id=people["ines"].id,
                                    organisation_id=orgs["ACI-Lyon"].id),
                         Membership(consortium_id=consortium.id, person_id=people["samir"].id,
                                    organisation_id=orgs["EI-Vienne"].id)])
    yield runtime
    db.dispose()


def ctx_of(session, runtime, username: str, *, admin: bool = False) -> Ctx:
    from plugin.kernel.lookup import consortium_for

    person = session.scalar(select(Person).where(Person.username == username))
    consortium, membership = consortium_for(session, slug="alimentation-durable", person_id=person.id)
    return Ctx(session, Actor(person, locale="fr", is_admin=admin), session.scalar(select(Network)),
               runtime.clock.now(), runtime, consortium=consortium, membership=membership)


def test_one_lead_partner_at_a_time_and_a_handover_ends_the_previous_one(world):
    with world.db.transaction() as session:
        given = usecases.assign(ctx_of(session, world, "lea", admin=True),
                                {"role": "chef de file", "target": {"organisation": "aci lyon"}})
        assert (given.role.key, given.holder.organisation, given.replaced) == ("chef-de-file", "ACI-Lyon", [])
        # ines speaks for ACI-Lyon, the lead partner: she may hand the role over, only by saying so
        with pytest.raises(Conflict) as refused:
            usecases.assign(ctx_of(session, world, "ines"), {"role": "lead", "target": {"organisation": "EI-Vienne"}})
        assert "--replace" in refused.value.usage_text("en")
        handed = usecases.assign(ctx_of(session, world, "ines"),
                                 {"role": "lead", "target": {"organisation": "EI-Vienne"}, "replace": True})
        assert [h.organisation for h in handed.replaced] == ["ACI-Lyon"]
        rows = session.scalars(select(RoleAssignment).order_by(RoleAssignment.id)).all()
        assert [(r.role_key, r.ended_at is not None) for r in rows] == [("chef-de-file", True), ("chef-de-file", False)]
        assert rows[0].ended_at == NOW
        # ines no longer leads: taking the role back is refused
        with pytest.raises(Forbidden):
            usecases.unassign(ctx_of(session, world, "ines"), {"role": "lead", "target": {"organisation": "EI-Vienne"}})
        taken = usecases.unassign(ctx_of(session, world, "samir"),
                                  {"role": "chef-de-file", "target": {"organisation": "ei-vienne"}})
        assert taken.lead and [h.organisation for h in taken.holders] == ["EI-Vienne"]


def test_a_member_records_for_their_own_organisation_only(world):
    with world.db.transaction() as session:
        ctx = ctx_of(session, world, "ines")
        added = usecases_commitments.add(ctx, {"target": {"organisation": "ACI-Lyon"}, "description": "Ateliers",
                                               "kind": "temps", "amount": None, "unit": None, "due": None})
        assert isinstance(added, out.CommitmentAdded) and added.commitment.number == 1
        assert ctx.events == []            # a command's news is its in-channel answer
        with pytest.raises(Forbidden):
            usecases_commitments.add(ctx_of(session, world, "ines"), {
                "target": {"organisation": "EI-Vienne"}, "description": "Camion", "kind": "nature"})
        with pytest.raises(Forbidden):     # accepting is the lead partner's (or an admin's) decision
            usecases_commitments.change_status(ctx_of(session, world, "ines"), {"number": 1, "status": "accepte"})
        changed = usecases_commitments.change_status(ctx_of(session, world, "ines"), {"number": 1, "status": "en-cours"})
        assert (changed.before, changed.after, changed.holder.organisation) == ("propose", "en-cours", "ACI-Lyon")
        dropped = usecases_commitments.drop(ctx_of(session, world, "ines"), {"number": 1})
        assert dropped.number == 1
        assert session.scalar(select(Commitment.deleted_at)) == NOW
        with pytest.raises(NotFound):
            usecases_commitments.done(ctx_of(session, world, "ines"), {"number": 1})


def test_no_argument_gives_the_form_and_the_form_tells_the_channel(world):
    with world.db.transaction() as session:
        form = usecases_commitments.add(ctx_of(session, world, "ines"), {"form": True})
        assert isinstance(form, out.CommitmentForm)
        assert form.organisations == [("ACI-Lyon", "ACI-Lyon"), ("EI-Vienne", "EI-Vienne")] and form.members == []
        admin_form = usecases_commitments.add(ctx_of(session, world, "lea", admin=True), {"form": True})
        assert admin_form.members == ["ines", "samir"]
        ctx = ctx_of(session, world, "samir")
        usecases_commitments.add_from_form(ctx, {"target": {"organisation": "EI-Vienne"}, "description": "Camion",
                                                 "kind": "nature", "amount": 12, "unit": "jours",
                                                 "due": date(2027, 3, 31)})
        assert ctx.events == [CommitmentRecorded(ctx.consortium.id, "samir", 1, "Camion", "nature", None,
                                                 "EI-Vienne", "12", "jours", "2027-03-31")]
        with pytest.raises(Forbidden) as refused:   # about whom the form names: next to that field
            usecases_commitments.add_from_form(ctx_of(session, world, "samir"), {
                "target": {"organisation": "ACI-Lyon"}, "description": "Salle", "kind": "nature"})
        assert set(refused.value.field_texts("fr")) == {"target"}


def test_an_export_is_recorded_for_later(world):
    with world.db.transaction() as session:
        usecases.assign(ctx_of(session, world, "lea", admin=True), {"role": "coordination", "target": {"user": "ines"}})
        ctx = ctx_of(session, world, "samir")
        queued = usecases.roles_export(ctx, {"semicolon": True})
        assert queued == out.ExportQueued("roles", 1)
        assert ctx.events == [RegisterExported(ctx.consortium.id, "roles", "samir", "fr", NOW.isoformat(), True)]
        with pytest.raises(Forbidden):
            usecases.roles_export(ctx_of(session, world, "lea"), {"semicolon": False})


def test_the_runner_reads_relative_due_dates_at_its_own_clock(world):
    """Through the runner: "demain" is the day after the runtime's clock, in the consortium's zone; the
    form's news is queued in the same transaction."""
    from plugin.frontdoor.runner import Entry

    entry = Entry("slash", user_id=user("ines").id, channel_id="c" * 26,
                  network=lambda session: session.scalar(select(Network)))
    done = world.runner.run(entry, "registers.add",
                            {"target": "ACI-Lyon", "description": "Ateliers", "amount": "10 jours", "due": "demain"})
    assert done.ok and done.outcome.commitment.due_date == NOW.date() + timedelta(days=1)
    past = world.runner.run(entry, "registers.add", {"target": "ACI-Lyon", "description": "Ateliers", "due": "hier"})
    assert "déjà passé" in past.refusal.text("fr").replace("\u00a0", " ")
    with world.db.transaction() as session:
        consortium_id = session.scalar(select(Consortium.id))
    form = Entry("dialog", user_id=user("ines").id, consortium_id=consortium_id,
                 network=lambda session: session.scalar(select(Network)))
    assert world.runner.run(form, "registers.add_form", {"consortium_id": consortium_id, "target": "@ines",
                                                         "description": "Salle", "kind": "nature"}).ok
    with world.db.reader() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "registers.news")).one()
        assert row.payload["data"]["person"] == "ines" and row.payload["data"]["number"] == 2
