"""The runner: how one request becomes one unit of work, the same way for every way in.

1. the adapter has already checked who is knocking (token, signature and audience, API token,
   web session, operator) and describes the request as an ``Entry``;
2. the actor is resolved by their Mattermost user id (``identity.run_as``: refreshed from Mattermost
   outside the transaction when due), or is the system (API, CLI);
3. one transaction opens, read-only when the use case says so;
4. the consortium is loaded when the use case needs it, with the actor's membership, in one query —
   the same query that reads the actor, for people (``kernel/lookup.actor_and_place``);
5. the input is validated once, with the use case's schema;
6. the use case runs; the events it recorded become outbox rows in the same transaction; a refusal
   rolls the whole unit of work back. Only a unit with something to keep when refused — a single-use
   button's nonce, a form's claimed state — runs its use case in a savepoint, which a refusal rolls
   back (and, when it carries field errors, the whole unit too, so a form can be corrected and sent
   again);
7. after commit the outbox worker is woken;
8. the adapter gets a ``Result`` and renders it for its channel in the reader's language.
"""
from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from marshmallow import Schema, ValidationError
from marshmallow.experimental.context import Context
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Consortium, Network, Person, UsedNonce
from plugin.frontdoor.identity import run_as
from plugin.i18n import Text, _l, deferred, render, use_locale
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Invalid, NotFound, Refusal
from plugin.kernel.events import DomainEvent, publish_all
from plugin.kernel.lookup import Place, consortia_named, consortia_open_to, consortium_for
from plugin.kernel.usecase import Ctx, UseCase
from plugin.schemas.fields import error_text, field_errors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Once:
    """A single-use button: its nonce is burnt with the use case (a refusal un-burns it)."""

    key: str
    lifetime: timedelta
    replayed: Text


@dataclass(frozen=True)
class Entry:
    """One request, as its adapter verified it."""

    kind: str                                             # slash | button | dialog | api | page | cli
    network: Callable[[Session], Network] | None = None   # read when needed; None: no network involved
    user_id: str | None = None                            # the actor, by Mattermost user id
    person: Callable[[Session, bool], Person] | None = None   # or the person a web session names (told: read-only?)
    locale: str | None = None                             # the reader's language when the entry chooses it
    channel_id: str = ""
    root_id: str = ""                                     # the thread a command was typed in
    consortium_slug: str | None = None
    consortium_id: int | None = None                      # from a signed context
    gate: Callable[[Session], Refusal | None] | None = None   # the audience: read only, before identity
    claim: Callable[[Session], None] | None = None        # burn a form's state (kept even if refused)
    guard: Callable[[Ctx], None] | None = None            # e.g. admins only, before the use case
    once: Once | None = None
    usage: Text | None = None                             # shown with input to correct
    command: Text | None = None                           # "/checklist liste": where --consortium goes


@dataclass
class Result:
    outcome: Any = None
    refusal: Refusal | None = None
    events: list[DomainEvent] = field(default_factory=list)
    actor: Actor | None = None
    consortium: Consortium | None = None
    locale: str = "fr"
    now: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


class _Undo(Exception):
    """Leaves the unit of work with a rollback, carrying the result to answer with."""

    def __init__(self, result: Result):
        super().__init__("undo")
        self.result = result


class Runner:
    def __init__(self, runtime, registry) -> None:
        self.runtime = runtime
        self.registry = registry

    def run(self, entry: Entry, use_case: str | UseCase, raw: dict | None = None) -> Result:
        """Run one use case for one request; never raises a refusal (it is in the result)."""
        uc = self.registry.use_cases[use_case] if isinstance(use_case, str) else use_case
        runtime = self.runtime
        now = runtime.clock.now()
        raw = raw or {}

        def work(session: Session, network, actor: Actor | None, found=None) -> Result:
            if actor is not None and entry.locale:
                actor.locale = entry.locale   # a page's reader reads the page's language
            locale = actor.locale if actor is not None else (entry.locale or runtime.settings.locale)
            with use_locale(locale):
                ctx = Ctx(session, actor, network, now, runtime, channel_id=entry.channel_id, root_id=entry.root_id)
                return self._unit(session, entry, uc, raw, ctx, locale, found)

        # A single-use button or form burns its nonce: a write, in a transaction, even for a use case
        # that only reads.
        read_only = _reads_only(uc, entry)
        try:
            if entry.user_id is not None or entry.person is not None:
                place = (Place(entry.consortium_id, entry.consortium_slug, entry.channel_id)
                         if uc.consortium != "none" else None)
                result = run_as(runtime, entry.user_id, work, network_of=entry.network or _no_network,
                                read_only=read_only, gate=entry.gate, person_of=entry.person, place=place)
            else:
                with runtime.db.transaction(read_only=read_only) as session:
                    network_of = entry.network
                    result = work(session, (lambda: network_of(session)) if network_of else None, None)
        except _Undo as undone:
            return undone.result
        except Refusal as refusal:   # nobody to act as, or a gate's answer: nothing was written
            return Result(refusal=refusal, locale=entry.locale or runtime.settings.locale, now=now)
        if isinstance(result, Refusal):  # the gate refused (already in the caller's language)
            return Result(refusal=result, locale=entry.locale or runtime.settings.locale, now=now)
        runtime.notify_outbox()
        return result

    def _unit(self, session: Session, entry: Entry, uc: UseCase, raw: dict, ctx: Ctx, locale: str,
              found=None) -> Result:
        def result(**values) -> Result:
            return Result(actor=ctx.actor, consortium=ctx.consortium, locale=locale,
                          now=ctx.now, **values)

        # A unit with nothing to keep when refused (no nonce burnt, no form claimed) needs no savepoint
        # (two round trips): a refusal rolls the whole transaction back instead.
        bare = entry.claim is None and entry.once is None
        try:
            if entry.claim is not None:
                entry.claim(session)
            with nullcontext() if bare else session.begin_nested():
                if entry.guard is not None:
                    entry.guard(ctx)
                self._find_consortium(ctx, entry, uc, found)
                data = self._validate(uc, raw, entry, ctx)
                if entry.once is not None:
                    _burn(session, entry.once, ctx.now)
                outcome = uc.run(ctx, data)
                publish_all(session, ctx.events, ctx.now, self.registry.publisher)
        except Refusal as refusal:
            if refusal.undoes_all or bare:
                raise _Undo(result(refusal=refusal)) from None
            return result(refusal=refusal)
        return result(outcome=outcome, events=list(ctx.events))

    def _find_consortium(self, ctx: Ctx, entry: Entry, uc: UseCase, found=None) -> None:
        """``found``: what the actor's query already read (the consortium or None, and the membership)."""
        if uc.consortium == "none":
            return
        if found is None:
            person_id = ctx.actor.id if ctx.actor else None
            found = consortium_for(ctx.session, consortium_id=entry.consortium_id, slug=entry.consortium_slug,
                                   channel_id=entry.channel_id, person_id=person_id)
        elif found[0] is None:
            found = None
        if found is None and entry.consortium_id is None and entry.consortium_slug:
            found = self._by_name(ctx, entry)   # no slug: a display name, look-alikes folded
        if found is not None:
            ctx.consortium, ctx.membership = found
            return
        if uc.consortium == "optional":
            return
        raise self._which_consortium(ctx, entry)

    def _by_name(self, ctx: Ctx, entry: Entry):
        network = ctx.network
        named = consortia_named(ctx.session, entry.consortium_slug, network_id=network.id if network else None)
        if len(named) > 1:
            listing = ", ".join(f"{c.name} (`{c.slug}`)" for c in named[:10])
            raise Invalid(_l("“{text}” could name several consortiums: {listing}. Give its slug with "
                             "`--consortium <slug>`.", text=entry.consortium_slug[:64], listing=listing),
                          usage=self._example(entry, named[0].slug))
        if not named:
            return None
        return consortium_for(ctx.session, consortium_id=named[0].id, person_id=ctx.actor.id if ctx.actor else None)

    @staticmethod
    def _example(entry: Entry, slug: str) -> Text | None:
        command = entry.command
        return deferred(lambda: f"`{render(command)} … --consortium {slug}`") if command else None

    def _which_consortium(self, ctx: Ctx, entry: Entry) -> Refusal:
        if entry.consortium_id is not None:
            return NotFound(_l("This consortium no longer exists."))
        actor = ctx.actor
        network = ctx.network if actor is not None else None
        may_open = consortia_open_to(ctx.session, actor.person, is_admin=actor.is_admin,
                                     network_id=network.id if network else None) if actor is not None else []
        listing = ", ".join(f"{c.name} (`{c.slug}`)" for c in may_open[:20]) + (" …" if len(may_open) > 20 else "")
        example = self._example(entry, may_open[0].slug) if may_open else None
        if entry.consortium_slug:
            if not may_open:
                return NotFound(_l("There is no consortium “{slug}”.", slug=entry.consortium_slug[:64]))
            return NotFound(_l("There is no consortium “{slug}”. You may open: {listing}.",
                               slug=entry.consortium_slug[:64], listing=listing), usage=example)
        if not may_open:
            return Invalid(_l("This channel is not a consortium's channel, and you are not a member of any "
                              "consortium yet."))
        if actor.is_admin:
            return Invalid(_l("This channel is not a consortium's channel. Add `--consortium <slug>` (or its name) "
                              "to name one; the network's consortiums: {listing}.", listing=listing), usage=example)
        return Invalid(_l("This channel is not a consortium's channel. Use this command in your consortium's "
                          "channel, or add `--consortium <slug>`. Your consortiums: {listing}.", listing=listing),
                       usage=example)

    @staticmethod
    def _validate(uc: UseCase, raw: dict, entry: Entry, ctx: Ctx) -> dict:
        if uc.schema is None:
            return raw
        try:
            # Fields that read relative dates ("demain") take the unit of work's moment and zone from here.
            with Context({"now": ctx.now, "tz": ctx.tz}):
                return _schema(uc.schema).load(raw)
        except ValidationError as error:
            raise Invalid(error_text(error.messages), usage=entry.usage,
                          fields=field_errors(error.messages)) from None


_schemas = threading.local()


def _schema(schema: type[Schema]) -> Schema:
    """One instance per schema and thread, made at its first use rather than per request. Per thread:
    a schema may keep what one load saw on itself between its hooks (the commitment's ``_given``)."""
    made = getattr(_schemas, "made", None)
    if made is None:
        made = _schemas.made = {}
    instance = made.get(schema)
    if instance is None:
        instance = made[schema] = schema()
    return instance


def _reads_only(uc: UseCase, entry: Entry) -> bool:
    """Whether the unit of work only reads: a read-only use case, with no single-use nonce to burn."""
    return uc.read_only and entry.claim is None and entry.once is None


def _no_network(_session: Session) -> None:
    return None


def _burn(session: Session, once: Once, now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(UsedNonce(nonce=once.key[:64], expires_at=now + once.lifetime))
    except IntegrityError:
        raise Refusal(once.replayed) from None
