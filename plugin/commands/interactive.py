"""Message buttons and interactive dialogs: signed, expiring, routed to one handler each.

Mattermost returns an action's ``context`` and a dialog's ``state`` exactly as we
wrote them, so both carry a signed token naming the handler and its data.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from sqlalchemy.orm import Session

from integrations.mattermost import messages
from models import Consortium, Network
from plugin.i18n import _, use_locale
from plugin.security import InvalidSignature
from plugin.services.base import Actor, ServiceError
from plugin.services.people import resolve_actor

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


def button(services, *, id: str, label: str, action_name: str, data: dict, style: str = "default") -> dict:
    token = services.signer.sign("action", {"a": action_name, "d": data})
    return messages.button(id, label, f"{services.base_url}/mattermost/action", {"t": token}, style=style)


def open_dialog(services, trigger_id: str, *, callback: str, title: str, elements: list[dict], state: dict,
                submit_label: str, introduction: str = "") -> None:
    """Open a dialog now: a trigger id is only valid for 3 seconds, no outbox possible."""
    client = services.mattermost(interactive=True)
    if client is None or not trigger_id:
        raise ServiceError(_("Forms need Mattermost; type the command with its arguments instead."))
    signed = services.signer.sign("dialog", {"c": callback, "d": state}, single_use=True)
    payload = messages.dialog(callback, title, elements, submit_label=submit_label, state=signed,
                              introduction_text=introduction)
    try:
        client.open_dialog(trigger_id, f"{services.base_url}/mattermost/dialog", payload)
    except Exception as error:  # the user sees why, not a stack trace
        log.warning("could not open dialog: %s", error)
        raise ServiceError(_("The form could not be opened; type the command with its arguments instead.")) from None


def _begin(services, session: Session, payload: dict) -> tuple[Network, Actor]:
    settings = services.settings
    network = services.networks.get(session, payload.get("team_domain") or settings.mattermost_team or "default",
                                    payload.get("team_id") or None)
    actor = resolve_actor(session, network, services.directory, user_id=str(payload.get("user_id") or ""),
                          username=str(payload.get("user_name") or ""), admins=settings.admins,
                          default_locale=settings.locale)
    return network, actor


def _rejection(reason: str) -> str:
    if reason == "expired":
        return _("These buttons have expired: run the command again to get fresh ones.")
    if reason == "replayed":
        return _("This form has already been submitted.")
    return _("This action could not be verified and was ignored.")


def run_action(services, payload: dict) -> dict:
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    token = context.get("t")
    with services.db.transaction() as session:
        network, actor = _begin(services, session, payload)
        with use_locale(actor.locale):
            try:
                name = services.signer.load("action", token, max_age=timedelta(days=366)).get("a")
                spec = ACTIONS.get(name)
                if spec is None:
                    raise InvalidSignature("forged")
                data = services.signer.load("action", token, max_age=spec.max_age)
            except InvalidSignature as error:
                return messages.action_response(ephemeral_text=_rejection(error.reason))
            ctx = InteractionContext(session, actor, network, services, data.get("d") or {},
                                     channel_id=str(payload.get("channel_id") or ""),
                                     post_id=str(payload.get("post_id") or ""),
                                     trigger_id=str(payload.get("trigger_id") or ""))
            if isinstance(context.get("selected_option"), str):
                ctx.data["selected_option"] = context["selected_option"]
            try:
                with session.begin_nested():
                    result: ActionResult = spec.handler(ctx)
            except ServiceError as error:
                return messages.action_response(ephemeral_text=f"⚠️ {error.message}")
    services.notify_outbox()
    return messages.action_response(update_message=result.update_message, update_props=result.update_props,
                                    ephemeral_text=result.ephemeral_text)


def run_dialog(services, payload: dict) -> dict:
    if payload.get("cancelled"):
        return {}
    with services.db.transaction() as session:
        network, actor = _begin(services, session, payload)
        with use_locale(actor.locale):
            try:
                name = services.signer.load("dialog", payload.get("state"), max_age=timedelta(days=1)).get("c")
                spec = DIALOGS.get(name)
                if spec is None or name != payload.get("callback_id"):
                    raise InvalidSignature("forged")
                state = services.signer.consume(session, "dialog", payload.get("state"), max_age=spec.max_age)
            except InvalidSignature as error:
                return {"error": _rejection(error.reason)}
            submission = payload.get("submission") if isinstance(payload.get("submission"), dict) else {}
            ctx = InteractionContext(session, actor, network, services, state.get("d") or {},
                                     channel_id=str(payload.get("channel_id") or ""))
            ctx.data["submission"] = submission
            try:
                with session.begin_nested():
                    result: DialogResult = spec.handler(ctx)
            except ServiceError as error:
                if error.fields:
                    raise _DialogFieldErrors(error.fields) from None
                return {"error": error.message}
            if result.errors or result.error:
                raise _DialogFieldErrors(result.errors, result.error)
    services.notify_outbox()
    return {}


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
