"""Plain records: a row of a mapped table read with Core, for units of work that only read.

Loading the person, the consortium and the membership as ORM objects is most of what the shared
path of a read-only command costs (identity map, instance state, one populator per column). A
read-only unit gets them as ``PlainRecord``s instead: every column is an ordinary attribute, read
as the ORM would read it (same types, same result processing). What a plain record does not hold —
a relationship, or a write, which a read-only unit may still rarely make — loads the ORM object
once, by primary key, from the unit's session, and is answered by it; a write is kept on both.

Outside its unit of work a plain record behaves as a detached ORM object: its columns stay
readable, and what was loaded through the ORM object during the unit too; anything else raises
``DetachedInstanceError``. Handed to the ORM (a relationship, a comparison, ``session.add``), it is
its ORM object: SQLAlchemy finds an object's state through an attribute a plain record answers with
its ORM object's.
"""
from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import DetachedInstanceError


class PlainRecord:
    """One row of ``model``'s table; see the module's docstring."""

    model: ClassVar[type]
    keys: ClassVar[tuple[str, ...]]   # the model's column attributes, in the order they are selected

    def __init__(self, values: dict[str, Any], session: Session) -> None:
        self.__dict__.update(values)
        self.__dict__["_session"] = session
        self.__dict__["_entity"] = None

    def orm(self):
        """The ORM object this row is, loaded once from the unit's session."""
        entity = self.__dict__["_entity"]
        if entity is None:
            session: Session = self.__dict__["_session"]
            if not session.in_transaction():
                raise DetachedInstanceError(f"{self.model.__name__} {self.id} was read in a unit of work now closed")
            entity = self.__dict__["_entity"] = session.get(self.model, self.id)
        return entity

    def __getattr__(self, name: str):   # only for what is not a column: relationships
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.orm(), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.orm(), name, value)
        if name in self.__dict__:
            self.__dict__[name] = value

    def __repr__(self) -> str:
        return f"<plain {self.model.__name__} {self.id}>"


@cache
def plain_class(model: type) -> type[PlainRecord]:
    """The plain record class of ``model`` (made once): its column attributes, by mapper key."""
    keys = tuple(attribute.key for attribute in inspect(model).column_attrs)
    assert keys[0] == "id", f"{model.__name__}: the primary key first"
    return type(f"Plain{model.__name__}", (PlainRecord,), {"model": model, "keys": keys})


def columns_of(model: type, prefix: str) -> list:
    """``model``'s column attributes labelled ``<prefix><key>``, to select beside other tables'."""
    mapper = inspect(model)
    return [mapper.column_attrs[key].columns[0].label(prefix + key) for key in plain_class(model).keys]


def plain_records(row, session: Session, *models: type) -> list[PlainRecord | None]:
    """The plain records of ``models`` in ``row``, whose columns were selected with ``columns_of`` in
    that order; None for a table an outer join found nothing in (its ``id`` comes first)."""
    records: list[PlainRecord | None] = []
    start = 0
    for model in models:
        cls = plain_class(model)
        values = row[start:start + len(cls.keys)]
        start += len(cls.keys)
        records.append(cls(dict(zip(cls.keys, values)), session) if values[0] is not None else None)
    return records


def first_row(session: Session, query, parameters: dict, plain: bool, *models: type) -> tuple:
    """The first row of ``query`` as ``models``' ORM objects, or as plain records when ``plain`` (the query
    then selects their columns with ``columns_of``); all None when there is no row."""
    if not plain:
        row = session.execute(query, parameters).first()
    else:
        row = session.connection().execute(query, parameters).first()
    if row is None:
        return (None,) * len(models)
    return tuple(plain_records(row, session, *models)) if plain else tuple(row)
