"""Use cases: one user action each, declared with the input schema that validates it.

A use case is a function ``run(ctx, data) -> outcome``: ``data`` is what its marshmallow schema
loaded (the runner validates once, before calling it), ``ctx`` says who acts, where and when.
It returns a typed outcome (plain data or the rows it changed), records domain events with
``ctx.record``, and raises a ``Refusal`` to say no. It never renders text, never imports Flask,
Mattermost message builders or the front door, and never reads the wall clock (``ctx.now``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Literal, Protocol
from zoneinfo import ZoneInfo

from marshmallow import Schema
from sqlalchemy.orm import Session

from models import Consortium, Membership, Network
from plugin.kernel.actor import Actor
from plugin.kernel.events import DomainEvent

ConsortiumNeed = Literal["required", "optional", "none"]


class Runtime(Protocol):
    """What a process holds once (built by ``plugin/app.py``): settings, database, clock, signer,
    the people directory and the integration clients."""

    settings: Any
    db: Any
    signer: Any
    clock: Any

    @property
    def base_url(self) -> str: ...

    @property
    def directory(self) -> Any: ...

    def mattermost(self, *, interactive: bool = False) -> Any: ...

    def admin_ids(self, session: Session) -> frozenset[str]: ...

    def notify_outbox(self) -> None: ...


class Ctx:
    """What a use case receives. ``consortium`` (and the actor's active ``membership`` in it, read
    with it in one query) is loaded by the runner when the use case needs one; the ``network`` is
    known from the request, or read the first time it is asked for (system callers)."""

    def __init__(self, session: Session, actor: Actor | None, network: Network | Callable[[], Network] | None,
                 now: datetime, runtime: Runtime, *, consortium: Consortium | None = None,
                 membership: Membership | None = None, channel_id: str = "", root_id: str = "") -> None:
        self.session = session
        self.actor = actor             # None: the system (API token, CLI operator)
        self.now = now
        self.runtime = runtime
        self.consortium = consortium
        self.membership = membership
        self.events: list[DomainEvent] = []
        self._network = network
        self.channel_id = channel_id   # where a chat request was typed ("" elsewhere)
        self.root_id = root_id         # the thread it was typed in, if any

    @property
    def network(self) -> Network | None:
        if callable(self._network):
            self._network = self._network()
        return self._network

    @property
    def tz(self) -> ZoneInfo:
        if self.consortium is not None:
            return ZoneInfo(self.consortium.timezone)
        return self.runtime.settings.tz

    @property
    def directory(self):
        return self.runtime.directory

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def require_consortium(self) -> Consortium:
        assert self.consortium is not None, "the use case declares consortium='required'"
        return self.consortium


@dataclass(frozen=True)
class UseCase:
    name: str                                  # "checklist.check": how entries name it
    run: Callable[[Ctx, dict], Any]
    schema: type[Schema] | None = None         # the single definition of valid input
    consortium: ConsortiumNeed = "required"    # where the runner finds it: channel, --consortium, signed context
    read_only: bool = False                    # changes nothing: no wait for SQLite's write lock

    def __call__(self, ctx: Ctx, data: dict | None = None) -> Any:
        return self.run(ctx, data or {})


def use_case(name: str, *, schema: type[Schema] | None = None, consortium: ConsortiumNeed = "required",
             read_only: bool = False) -> Callable[[Callable[[Ctx, dict], Any]], UseCase]:
    """Declare a use case: ``@use_case("checklist.check", schema=NumbersSchema)``."""

    def declare(function: Callable[[Ctx, dict], Any]) -> UseCase:
        return UseCase(name, function, schema, consortium, read_only)

    return declare
