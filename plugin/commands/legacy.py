"""LEGACY: the handler shapes of the features not yet ported to ``plugin/features/``.

Slash sub-commands register with ``@handles(trigger, sub)``, buttons with ``@action`` and forms
with ``@dialog``; each returns text it rendered itself. The front door runs them through the
runner like any use case (``plugin/frontdoor/legacy.py``), so identity, the transaction, the
consortium lookup, refusals and the outbox notification are the runner's. Porting a feature
(see docs/ARCHITECTURE.md) deletes its handlers from here; delete this module with the last one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Consortium, Network, utcnow
from plugin.commands.context import CommandRequest
from plugin.commands.parser import ParsedCommand
from plugin.kernel.actor import Actor
from plugin.kernel.interactive import Audience, open_form
from plugin.rendering.reply import Reply, usage_text


# --- slash commands -------------------------------------------------------------------------

@dataclass
class CommandContext:
    session: Session
    request: CommandRequest
    actor: Actor
    services: "object"            # the runtime: settings, signer, directory, base_url
    consortium: Consortium | None = None
    network: Network | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def locale(self) -> str:
        return self.actor.locale

    @property
    def settings(self):
        return self.services.settings

    @property
    def tz(self) -> ZoneInfo:
        if self.consortium is not None:
            return ZoneInfo(self.consortium.timezone)
        return self.services.settings.tz

    def require_consortium(self) -> Consortium:
        assert self.consortium is not None, "sub-command declared needs_consortium"
        return self.consortium


Handler = Callable[[CommandContext, ParsedCommand], Reply]
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(trigger: str, sub: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[(trigger, sub)] = function
        return function

    return register


def usage(cmd: ParsedCommand) -> str:
    """The usage line of a parsed command's sub-command."""
    return usage_text(cmd.trigger, cmd.sub)


def reply_from(result) -> Reply:
    """A legacy ``Result``: the actor gets the message; news for the group becomes an in-channel post."""
    if result.news:
        return Reply(result.news, in_channel=True, attachments=result.attachments)
    return Reply(result.message, attachments=result.attachments)


# --- buttons and forms -----------------------------------------------------------------------

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
class Spec:
    handler: Callable
    max_age: timedelta


ACTIONS: dict[str, Spec] = {}
DIALOGS: dict[str, Spec] = {}


def action(name: str, *, max_age: timedelta = timedelta(days=14)):
    def register(function):
        ACTIONS[name] = Spec(function, max_age)
        return function

    return register


def dialog(name: str, *, max_age: timedelta = timedelta(hours=2)):
    def register(function):
        DIALOGS[name] = Spec(function, max_age)
        return function

    return register


def open_dialog(services, trigger_id: str, *, callback: str, title: str, elements: list[dict], state: dict,
                submit_label: str, actor: Actor, network: Network, consortium: Consortium | None = None,
                introduction: str = "") -> None:
    """Open a dialog now (see ``kernel.interactive.open_form``), for the person whose trigger it is."""
    open_form(services, trigger_id, name=callback, title=title, elements=elements, state=state,
              submit_label=submit_label, audience=Audience.person(actor), network_id=network.id,
              consortium=consortium, introduction=introduction)
