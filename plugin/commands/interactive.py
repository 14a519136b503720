"""Message buttons and interactive dialogs: signed, expiring, routed to one handler each.

Mattermost returns an action's ``context`` and a dialog's ``state`` exactly as we
wrote them, so both carry a signed token naming the handler, its data, the network and
consortium, and the audience it was issued for. A callback is answered in this order:
signature and age (no database), then audience (the caller's id, read only), then the
caller's identity (from Mattermost when due), then the handler.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.mattermost import messages
from models import Consortium, Membership, Network, Person
from plugin.commands.identity import run_as
from plugin.i18n import _, use_locale
from plugin.security import InvalidSignature
from plugin.kernel.actor import Actor
from plugin.kernel.errors import NotFound, Refusal

log = logging.getLogger(__name__)


@dataclass
class InteractionContext:
    session: Session
    actor: Actor
    network: Network
    services: object
    data: dict
    channel_id: str = ""
    post_id: str = ""
    trigger_id: str = ""
    consortium: Consortium | None = None

    @property
    def locale(self) -> str:
        return self.actor.locale


@dataclass
class ActionResult:
    ephemeral_text: str | None = None
    update_message: str | None = None
    update_props: dict | None = None


@dataclass
class DialogResult:
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class _Spec:
    handler: Callable
    max_age: timedelta


ACTIONS: dict[str, _Spec] = {}
DIALOGS: dict[str, _Spec] = {}


def action(name: str, *, max_age: timedelta = timedelta(days=14)):
    def register(function):
        ACTIONS[name] = _Spec(function, max_age)
        return function

    return register


def dialog(name: str, *, max_age: timedelta = timedelta(hours=2)):
    def register(function):
        DIALOGS[name] = _Spec(function, max_age)
        return function

    return register


@dataclass(frozen=True)
class Audience:
    """Whom a button or a form was issued for. A callback proves nothing about who clicked (Mattermost
    signs nothing); the audience, signed with the context, bounds who may use it: the callback's
    ``user_id`` must belong to it, looked up by id, before anything else is read or written."""

    user_id: str | None = None      # one person: a command's private answer, a form opened on their trigger
    members_of: int | None = None   # the active members of a consortium: a card posted in its channel

    @classmethod
    def person(cls, actor: Actor) -> "Audience":
        return cls(user_id=actor.person.mattermost_user_id or "")

    @classmethod
    def members(cls, consortium: Consortium) -> "Audience":
        return cls(members_of=consortium.id)

    def encode(self) -> dict:
        return {"u": self.user_id} if self.user_id is not None else {"m": self.members_of}

    @classmethod
    def decode(cls, raw) -> "Audience":
        if isinstance(raw, dict) and isinstance(raw.get("u"), str) and raw["u"]:
            return cls(user_id=raw["u"])
        if isinstance(raw, dict) and isinstance(raw.get("m"), int):
            return cls(members_of=raw["m"])
        # Issued before audiences existed (or not by us): fresh buttons are one command away.
        raise InvalidSignature("expired")

    def refusal(self) -> str:
        if self.user_id is not None:
            return _("These buttons or this form were meant for someone else: nothing was done. Run the "
                     "command yourself to get your own.")
        return _("Only the members of this consortium can use these buttons: nothing was done.")

    def admits(self, session: Session, user_id: str) -> bool:
        if self.user_id is not None:
            return self.user_id == user_id
        return session.scalar(
            select(Membership.id).join(Person, Person.id == Membership.person_id)
            .where(Membership.consortium_id == self.members_of, Membership.left_at.is_(None),
                   Person.mattermost_user_id == user_id, Person.erased_at.is_(None))
        ) is not None


@dataclass(frozen=True)
class _Issued:
    """A verified context or state: what we signed when we issued it."""

    spec: _Spec
    name: str
    data: dict
    audience: Audience
    network_id: int


def _envelope(name: str, data: dict, audience: Audience, network_id: int, consortium: Consortium | None) -> dict:
    return {"a": name, "d": data, "to": audience.encode(), "n": network_id,
            "k": consortium.id if consortium is not None else None}


def button(services, *, id: str, label: str, action_name: str, data: dict, audience: Audience,
           consortium: Consortium, style: str = "default") -> dict:
    token = services.signer.sign("action", _envelope(action_name, data, audience, consortium.network_id, consortium))
    return messages.button(id, label, f"{services.base_url}/mattermost/action", {"t": token}, style=style)


def open_dialog(services, trigger_id: str, *, callback: str, title: str, elements: list[dict], state: dict,
                submit_label: str, actor: Actor, network: Network, consortium: Consortium | None = None,
                introduction: str = "") -> None:
    """Open a dialog now: a trigger id is only valid for 3 seconds, no outbox possible.

    Mattermost shows it to the person whose trigger it is: that person alone may submit it.
    """
    client = services.mattermost(interactive=True)
    if client is None or not trigger_id:
        raise Refusal(_("Forms need Mattermost; type the command with its arguments instead."))
    signed = services.signer.sign("dialog", _envelope(callback, state, Audience.person(actor), network.id, consortium),
                                  single_use=True)
    payload = messages.dialog(callback, title, elements, submit_label=submit_label, state=signed,
                              introduction_text=introduction)
    try:
        client.open_dialog(trigger_id, f"{services.base_url}/mattermost/dialog", payload)
    except Exception as error:  # the user sees why, not a stack trace
        log.warning("could not open dialog: %s", error)
        raise Refusal(_("The form could not be opened; type the command with its arguments instead.")) from None


def _verify(services, purpose: str, token, registry: dict[str, _Spec]) -> _Issued:
    """Check the signature, the age and the shape of a context or state: no database involved."""
    name = services.signer.load(purpose, token, max_age=timedelta(days=366)).get("a")
    spec = registry.get(name) if isinstance(name, str) else None
    if spec is None:
        raise InvalidSignature("forged")
    envelope = services.signer.load(purpose, token, max_age=spec.max_age)
    audience = Audience.decode(envelope.get("to"))
    if not isinstance(envelope.get("n"), int):
        raise InvalidSignature("expired")
    data = envelope.get("d") if isinstance(envelope.get("d"), dict) else {}
    return _Issued(spec, name, dict(data), audience, envelope["n"])


def _rejection(reason: str) -> str:
    if reason == "expired":
        return _("These buttons have expired: run the command again to get fresh ones.")
    if reason == "replayed":
        return _("This form has already been submitted.")
    return _("This action could not be verified and was ignored.")


def _not_for_you(services, session: Session, issued: _Issued, user_id: str) -> str:
    """Refused politely, in the person's language when they are known (a read, nothing written)."""
    locale = session.scalar(select(Person.locale).where(Person.mattermost_user_id == user_id))
    with use_locale(locale or services.settings.locale):
        return issued.audience.refusal()


def _network(session: Session, issued: _Issued) -> Network:
    network = session.get(Network, issued.network_id)
    if network is None:
        raise NotFound(_("This consortium no longer exists."))
    return network


def run_action(services, payload: dict) -> dict:
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    user_id = str(payload.get("user_id") or "")
    try:
        issued = _verify(services, "action", context.get("t"), ACTIONS)
    except InvalidSignature as error:  # anonymous: answered without a look at the database
        with use_locale(services.settings.locale):
            return messages.action_response(ephemeral_text=_rejection(error.reason))

    def gate(session: Session) -> dict | None:
        if issued.audience.admits(session, user_id):
            return None
        return messages.action_response(ephemeral_text="⚠️ " + _not_for_you(services, session, issued, user_id))

    def work(session: Session, network: Network, actor: Actor) -> dict:
        with use_locale(actor.locale):
            ctx = InteractionContext(session, actor, network, services, issued.data,
                                     channel_id=str(payload.get("channel_id") or ""),
                                     post_id=str(payload.get("post_id") or ""),
                                     trigger_id=str(payload.get("trigger_id") or ""))
            if isinstance(context.get("selected_option"), str):
                ctx.data["selected_option"] = context["selected_option"]
            try:
                with session.begin_nested():
                    result: ActionResult = issued.spec.handler(ctx)
            except Refusal as error:
                return messages.action_response(ephemeral_text=f"⚠️ {error.message}")
            return messages.action_response(update_message=result.update_message,
                                            update_props=result.update_props, ephemeral_text=result.ephemeral_text)

    try:
        response = run_as(services, user_id, work, network_of=lambda session: _network(session, issued), gate=gate)
    except Refusal as error:
        return messages.action_response(ephemeral_text=f"⚠️ {error.message}")
    services.notify_outbox()
    return response


def run_dialog(services, payload: dict) -> dict:
    if payload.get("cancelled"):
        return {}
    user_id = str(payload.get("user_id") or "")
    try:
        issued = _verify(services, "dialog", payload.get("state"), DIALOGS)
        if issued.name != payload.get("callback_id"):
            raise InvalidSignature("forged")
    except InvalidSignature as error:  # anonymous: answered without a look at the database
        with use_locale(services.settings.locale):
            return {"error": _rejection(error.reason)}

    def gate(session: Session) -> dict | None:
        if issued.audience.admits(session, user_id):
            return None
        return {"error": _not_for_you(services, session, issued, user_id)}

    def work(session: Session, network: Network, actor: Actor) -> dict:
        with use_locale(actor.locale):
            try:
                services.signer.consume(session, "dialog", payload.get("state"), max_age=issued.spec.max_age)
            except InvalidSignature as error:
                return {"error": _rejection(error.reason)}
            submission = payload.get("submission") if isinstance(payload.get("submission"), dict) else {}
            ctx = InteractionContext(session, actor, network, services, issued.data,
                                     channel_id=str(payload.get("channel_id") or ""))
            ctx.data["submission"] = submission
            try:
                with session.begin_nested():
                    result: DialogResult = issued.spec.handler(ctx)
            except Refusal as error:
                if error.fields:
                    raise _DialogFieldErrors(error.fields) from None
                return {"error": error.message}
            if result.errors or result.error:
                raise _DialogFieldErrors(result.errors, result.error)
            return {}

    try:
        response = run_as(services, user_id, work, network_of=lambda session: _network(session, issued), gate=gate)
    except Refusal as error:
        return {"error": error.message}
    services.notify_outbox()
    return response


class _DialogFieldErrors(Exception):
    """Field errors roll the submission back (and un-burn the state) before answering."""

    def __init__(self, errors: dict, error: str | None = None):
        super().__init__("dialog errors")
        self.errors, self.error = errors, error


def submit_dialog(services, payload: dict) -> dict:
    try:
        return run_dialog(services, payload)
    except _DialogFieldErrors as failed:
        body: dict = {}
        if failed.errors:
            body["errors"] = failed.errors
        if failed.error:
            body["error"] = failed.error
        return body
