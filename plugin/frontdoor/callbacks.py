"""The button and form adapters: Mattermost's callbacks to ``/mattermost/action`` and ``/mattermost/dialog``.

A callback is answered in this order: signature and age (no database), then the audience (the
caller's id, read only), then the caller's identity (from Mattermost when due), then the use case —
all but the first through the runner.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.mattermost import messages
from models import Network, Person
from plugin.frontdoor.runner import Entry, Once, Result
from plugin.frontdoor.render import render
from plugin.i18n import _, use_locale
from plugin.kernel.errors import NotFound, Refusal
from plugin.kernel.interactive import Audience
from plugin.security import InvalidSignature


@dataclass(frozen=True)
class Issued:
    """A verified context or state: what we signed when we issued it."""

    name: str
    data: dict
    audience: Audience
    network_id: int
    consortium_id: int | None
    max_age: timedelta


def verify(runtime, purpose: str, token, max_age_of) -> Issued:
    """Check the signature, the age and the shape of a context or state: no database involved."""
    name = runtime.signer.load(purpose, token, max_age=timedelta(days=366)).get("a")
    max_age = max_age_of(name) if isinstance(name, str) else None
    if max_age is None:
        raise InvalidSignature("forged")
    envelope = runtime.signer.load(purpose, token, max_age=max_age)
    audience = Audience.decode(envelope.get("to"))
    if not isinstance(envelope.get("n"), int):
        raise InvalidSignature("expired")
    data = envelope.get("d") if isinstance(envelope.get("d"), dict) else {}
    consortium_id = envelope.get("k") if isinstance(envelope.get("k"), int) else None
    return Issued(name, dict(data), audience, envelope["n"], consortium_id, max_age)


def rejection(reason: str) -> str:
    if reason == "expired":
        return _("These buttons have expired: run the command again to get fresh ones.")
    if reason == "replayed":
        return _("This form has already been submitted.")
    return _("This action could not be verified and was ignored.")


def _entry(runtime, kind: str, issued: Issued, user_id: str, payload: dict, **more) -> Entry:
    def gate(session: Session) -> Refusal | None:
        if issued.audience.admits(session, user_id):
            return None
        # Refused politely, in the person's language when they are known (a read, nothing written).
        locale = session.scalar(select(Person.locale).where(Person.mattermost_user_id == user_id))
        with use_locale(locale or runtime.settings.locale):
            return Refusal(issued.audience.refusal())

    def network(session: Session) -> Network:
        found = session.get(Network, issued.network_id)
        if found is None:
            raise NotFound(_("This consortium no longer exists."))
        return found

    return Entry(kind, network=network, user_id=user_id, gate=gate,
                 channel_id=str(payload.get("channel_id") or ""), consortium_id=issued.consortium_id, **more)


# --- buttons ----------------------------------------------------------------------------------

def _action_max_age(registry):
    def max_age(name: str) -> timedelta | None:
        spec = registry.actions.get(name)
        return spec.max_age if spec is not None else None

    return max_age


def action(runtime, payload: dict) -> dict:
    registry = runtime.registry
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    user_id = str(payload.get("user_id") or "")
    try:
        issued = verify(runtime, "action", context.get("t"), _action_max_age(registry))
    except InvalidSignature as error:  # anonymous: answered without a look at the database
        with use_locale(runtime.settings.locale):
            return messages.action_response(ephemeral_text=rejection(error.reason))
    data = dict(issued.data)
    if isinstance(context.get("selected_option"), str):
        data["selected_option"] = context["selected_option"]
    declared = registry.actions[issued.name]   # verify() admits only a declared name
    once = None
    if declared.single_use:
        nonce = str(data.pop("k", "") or "")
        if not nonce:
            with use_locale(runtime.settings.locale):
                return messages.action_response(ephemeral_text=rejection("forged"))
        once = Once(f"{declared.single_use}:{nonce}", declared.max_age, declared.replayed or rejection("replayed"))
    result = runtime.runner.run(_entry(runtime, "button", issued, user_id, payload, once=once), declared.use_case,
                                data)
    return _button_answer(runtime, result)


def _button_answer(runtime, result: Result) -> dict:
    with use_locale(result.locale):
        if result.refusal is not None:
            return messages.action_response(ephemeral_text=f"⚠️ {result.refusal.text()}")
        outcome = result.outcome
        if runtime.registry.renderer("button", outcome) is not None:   # e.g. a card in a channel, updated
            answer = render(runtime, "button", result)
            return messages.action_response(update_message=answer.update_message, update_props=answer.update_props,
                                            ephemeral_text=answer.ephemeral_text)
        # Otherwise the chat answer, as a new ephemeral line: Mattermost cannot update an ephemeral
        # post in place (docs/mattermost-fidelity.md).
        reply = render(runtime, "chat", result)
        return messages.action_response(ephemeral_text=reply.text)


# --- forms ------------------------------------------------------------------------------------

def dialog(runtime, payload: dict) -> dict:
    if payload.get("cancelled"):
        return {}
    registry = runtime.registry
    user_id = str(payload.get("user_id") or "")

    def max_age(name: str) -> timedelta | None:
        spec = registry.dialogs.get(name)
        return spec.max_age if spec is not None else None

    try:
        issued = verify(runtime, "dialog", payload.get("state"), max_age)
        if issued.name != payload.get("callback_id"):
            raise InvalidSignature("forged")
    except InvalidSignature as error:  # anonymous: answered without a look at the database
        with use_locale(runtime.settings.locale):
            return {"error": rejection(error.reason)}

    def claim(session: Session) -> None:
        try:   # single-use: burnt in the unit of work that uses it, kept if the use case refuses
            runtime.signer.consume(session, "dialog", payload.get("state"), max_age=issued.max_age)
        except InvalidSignature as error:
            raise Refusal(rejection(error.reason)) from None

    submission = payload.get("submission") if isinstance(payload.get("submission"), dict) else {}
    entry = _entry(runtime, "dialog", issued, user_id, payload, claim=claim)
    declared = registry.dialogs[issued.name]   # verify() admits only a declared name
    result = runtime.runner.run(entry, declared.use_case, {**issued.data, **submission})
    with use_locale(result.locale):
        refusal = result.refusal
        if refusal is None:
            return {}
        if refusal.lazy_fields:
            return {"errors": refusal.field_texts()}
        return {"error": refusal.text()}
