"""Domain events: facts a use case records, as frozen dataclasses of plain data (ids, numbers,
texts in every language the data has) — never rendered text.

A use case calls ``ctx.record(event)``; the runner hands each event to the publisher its feature
declared for it, which queues outbox rows in the same transaction. The deliverer of those rows
renders them when it delivers, in its recipient's language (docs/ARCHITECTURE.md).
"""
from __future__ import annotations

import dataclasses
from itertools import groupby
from datetime import datetime, timedelta
from typing import Any, Callable, ClassVar, Iterable, TypeVar

from sqlalchemy.orm import Session

from plugin.kernel.outbox import queue


class DomainEvent:
    """Base of every event. Subclasses are ``@dataclass(frozen=True)`` and set ``name``."""

    name: ClassVar[str] = ""
    # Most events happen in a consortium: they declare ``consortium_id`` (the outbox row's consortium).


E = TypeVar("E", bound=DomainEvent)

# Where an event goes in the outbox: (session, event, now) -> None, in the use case's transaction.
Publisher = Callable[[Session, Any, datetime], None]


def publish_all(session: Session, events: list[DomainEvent], now: datetime,
                publisher_of: Callable[[DomainEvent], Publisher]) -> None:
    """Hand each event to its publisher, in order. Consecutive events for the same publisher go
    together to its ``many`` (``(session, events, now)``) when it has one: ticking three items is then
    one outbox write, not three."""
    for publish, group in groupby(events, key=publisher_of):
        together = list(group)
        many = getattr(publish, "many", None)
        if many is not None:
            many(session, together, now)
        else:
            for event in together:
                publish(session, event, now)


def encode(event: DomainEvent) -> dict:
    """The outbox payload of an event: its name and its data."""
    return {"event": event.name, "data": dataclasses.asdict(event)}


def decode(payload: dict, types: Iterable[type[E]]) -> E:
    """The event an outbox payload holds, among ``types`` (a deliverer knows which it handles)."""
    by_name = {kind.name: kind for kind in types}
    kind = by_name.get(payload.get("event", ""))
    if kind is None:
        raise LookupError(f"not one of this deliverer's events: {payload.get('event')!r}")
    names = {f.name for f in dataclasses.fields(kind)}
    return kind(**{key: value for key, value in (payload.get("data") or {}).items() if key in names})


def to(kind: str, *, dedupe: Callable[[Any], str] | None = None,
       delay: timedelta | None = None) -> Publisher:
    """The usual publisher: one outbox row of ``kind`` carrying the event."""

    def publish(session: Session, event: DomainEvent, now: datetime) -> None:
        queue(session, kind, encode(event), consortium_id=getattr(event, "consortium_id", None),
              dedupe_key=dedupe(event) if dedupe else None, delay=delay, now=now)

    publish.__qualname__ = f"to({kind!r})"
    return publish
