"""Plain records (``plugin/kernel/plain.py``): what a unit of work that only reads gets for the person,
the consortium and the membership. They must read like the ORM objects they stand for, and turn into
them when a use case needs more than a column."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm.exc import DetachedInstanceError

from models import Consortium, Membership, Person
from models.db import Database
from plugin.kernel.lookup import Place, actor_and_place
from tests.helpers.chat import make_consortium


@pytest.fixture
def place(net):
    channel = make_consortium(net)
    net.reply("ines", "/checklist liste", channel=channel)
    with net.db() as session:
        ines = session.scalar(select(Person).where(Person.username == "ines"))
        return ines.mattermost_user_id, Place(channel_id=channel)


def _statements(db: Database, action):
    issued: list[str] = []

    def record(conn, cursor, statement, *_args):
        issued.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        return action(), issued
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_plain_records_read_every_column_as_the_orm_reads_it(net, place):
    user_id, where = place
    db = net.services.db
    with db.transaction() as session:
        orm = actor_and_place(session, user_id, where)
        expected = [{key: getattr(entity, key) for key in entity.__mapper__.column_attrs.keys()} for entity in orm]
    with db.transaction(read_only=True) as session:
        plain = actor_and_place(session, user_id, where, plain=True)
        assert [type(record).__name__ for record in plain] == ["PlainPerson", "PlainConsortium", "PlainMembership"]
        (read, issued) = _statements(db, lambda: [{key: getattr(record, key) for key in expected_row}
                                                  for record, expected_row in zip(plain, expected)])
        assert read == expected      # same values, same types (datetimes with their zone included)
        assert issued == []          # columns are read without a query


def test_a_relationship_loads_the_orm_object_once_and_is_answered_by_it(net, place):
    user_id, where = place
    db = net.services.db
    with db.transaction(read_only=True) as session:
        person, consortium, membership = actor_and_place(session, user_id, where, plain=True)
        names, issued = _statements(db, lambda: [m.person.username for m in consortium.memberships])
        assert "ines" in names and issued          # loaded through the ORM
        again, issued = _statements(db, lambda: [m.person.username for m in consortium.memberships])
        assert again == names and issued == []     # the ORM object, loaded once, answers from now on
        assert membership.consortium is consortium.orm()
        # Handed to the ORM, a plain record is its ORM object: a comparison, a query
        found = session.scalar(select(Membership).where(Membership.consortium == consortium,
                                                        Membership.person == person))
        assert found is membership.orm()


def test_a_write_goes_to_the_orm_object_and_is_kept(net, place):
    user_id, where = place
    db = net.services.db
    with db.transaction(read_only=True) as session:
        _person, consortium, _membership = actor_and_place(session, user_id, where, plain=True)
        consortium.purpose = "Écrit pendant une lecture"
        assert consortium.purpose == "Écrit pendant une lecture"
    with db.transaction() as session:
        assert session.scalar(select(Consortium.purpose).where(Consortium.id == consortium.id)) \
            == "Écrit pendant une lecture"


def test_outside_its_unit_of_work_a_plain_record_is_detached(net, place):
    user_id, where = place
    with net.services.db.transaction(read_only=True) as session:
        person, consortium, _membership = actor_and_place(session, user_id, where, plain=True)
        steps = [step.step for step in consortium.steps]   # loaded during the unit
    assert consortium.name and person.username == "ines"   # columns stay readable
    assert steps and [step.step for step in consortium.steps] == steps   # and what the unit loaded
    with pytest.raises(DetachedInstanceError):
        _ = person.organisation      # never loaded during the unit


def test_nobody_and_no_consortium(net, place):
    user_id, _where = place
    with net.services.db.transaction(read_only=True) as session:
        assert actor_and_place(session, "x" * 26, Place(channel_id="nochannel"), plain=True) == (None, None, None)
        person, consortium, membership = actor_and_place(session, user_id, Place(channel_id="nochannel"), plain=True)
        assert person.username == "ines" and consortium is None and membership is None
