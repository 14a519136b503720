"""One way in: a verified slash command -> parsed -> one handler -> a reply.

Handlers register with ``@handles(trigger, sub)``; a trigger none of whose
sub-commands has a handler says clearly that it is not available yet.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy.orm import Session

from integrations.mattermost.messages import escape_markdown
from models import Network

from plugin.commands.context import CommandContext, CommandRequest, Reply
from plugin.commands.grammar import Trigger
from plugin.commands.identity import run_as
from plugin.commands.parser import ParseError, ParsedCommand, parse
from plugin.commands.registry import find_trigger
from plugin.commands.replies import usage_text
from plugin.i18n import _, use_locale
from plugin.services import consortia as consortia_service
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Refusal

log = logging.getLogger(__name__)

Handler = Callable[[CommandContext, ParsedCommand], Reply]
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(trigger: str, sub: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[(trigger, sub)] = function
        return function

    return register


def load_handlers() -> None:
    """Import every handler module so their @handles run."""
    import importlib
    import pkgutil

    import plugin.commands.handlers as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def is_available(trigger: Trigger) -> bool:
    return any((trigger.name, sub.key) in HANDLERS for sub in trigger.subcommands)


def error_reply(message: str, usage: str | None = None) -> Reply:
    text = f"⚠️ {message}"
    if usage:
        text += f"\n{usage}"
    return Reply(text)


def help_reply(trigger: Trigger, locale: str) -> Reply:
    lines = [f"#### /{trigger.name} — {trigger.describe(locale)}"]
    if not is_available(trigger):
        lines.append(_("_This command is not available yet: it arrives in a coming version of Consortia._"))
    for sub in trigger.subcommands:
        lines.append(f"- `/{trigger.name} {sub.word(locale)}` — {sub.summary.in_locale(locale)}  \n"
                     f"  {_('e.g.')} `/{trigger.name} {sub.example(locale)}`")
    if any(sub.needs_consortium for sub in trigger.subcommands):
        lines.append(_("Outside a consortium's channel, add `--consortium <slug>`."))
    return Reply("\n".join(lines))


def dispatch(services, request: CommandRequest) -> Reply:
    """Run one slash command in one transaction; never lets an exception reach the user."""
    trigger = find_trigger(request.command)
    if trigger is None:
        return error_reply(_("Unknown command {command}.", command=escape_markdown(request.command[:40])))
    settings = services.settings
    try:
        reply = run_as(services, request.user_id, lambda session, network, actor: _run(
            services, session, network, actor, trigger, request),
            network_of=lambda session: services.networks.get(
                session, request.team_domain or settings.mattermost_team or "default", request.team_id or None),
            read_only=_declared_read_only(trigger, request.text))
        services.notify_outbox()
        return reply
    except Refusal as error:  # raised after rollback: nothing was changed
        return error_reply(error.message, error.usage)
    except Exception:
        log.exception("command failed", extra={"command": request.command})
        return error_reply(_("Something went wrong on our side; nothing was changed. "
                             "Please try again, or tell the network's facilitators."))


def _declared_read_only(trigger: Trigger, text: str) -> bool:
    """Whether the grammar declares this sub-command read-only (a cheap look at the first word)."""
    first = (text or "").strip().split(" ", 1)[0] or (trigger.default_sub or "")
    sub = trigger.find(first) if first and not first.startswith('"') else None
    return bool(sub and sub.read_only)


def _run(services, session: Session, network: Network, actor: Actor, trigger: Trigger,
         request: CommandRequest) -> Reply:
    with use_locale(actor.locale):
        try:
            parsed = parse(trigger, request.text)
        except ParseError as error:
            return error_reply(error.message, usage_text(trigger, error.sub))
        if parsed.is_help:
            return help_reply(trigger, actor.locale)
        handler = HANDLERS.get((trigger.name, parsed.sub.key))
        if handler is None:
            return error_reply(_("`/{trigger} {word}` is not available yet: it arrives in a coming version "
                                 "of Consortia.", trigger=trigger.name, word=parsed.sub.word(actor.locale)))
        context = CommandContext(session=session, request=request, actor=actor, services=services,
                                 network=network)
        if parsed.sub.needs_consortium:
            context.consortium = _consortium_for(session, context, parsed, trigger)
            if context.consortium is None:
                return _which_consortium(session, context, trigger, parsed)
        try:
            with session.begin_nested():
                return handler(context, parsed)
        except Refusal as error:
            return error_reply(error.message, error.usage or None)


def _consortium_for(session: Session, context: CommandContext, parsed: ParsedCommand, trigger: Trigger):
    slug = parsed.get("consortium")
    if slug:
        return consortia_service.find_by_slug(session, slug)
    channel_id = context.request.channel_id
    return (consortia_service.find_by_channel(session, channel_id)
            or consortia_service.find_by_dialogue_channel(session, channel_id))


def _which_consortium(session: Session, context: CommandContext, trigger: Trigger, parsed: ParsedCommand) -> Reply:
    slug = parsed.get("consortium")
    if slug:
        return error_reply(_("There is no consortium “{slug}”.", slug=slug[:64]))
    mine = consortia_service.consortia_of(session, context.actor.person)
    example = f"/{trigger.name} {parsed.sub.word(context.locale)} … --consortium "
    if not mine:
        return error_reply(_("This channel is not a consortium's channel, and you are not a member of any "
                             "consortium yet."))
    listing = ", ".join(f"`{c.slug}`" for c in mine[:20])
    return error_reply(_("This channel is not a consortium's channel. Use this command in your consortium's "
                         "channel, or add `--consortium <slug>`. Your consortiums: {listing}.", listing=listing),
                       f"`{example}{mine[0].slug}`")
