"""The slash command adapter: a token-checked command -> parsed -> one use case -> a reply.

Parsing needs no one's identity (its mistakes are rendered later, in the reader's language); the
parsed sub-command names its use case, and the values parsed under the Arg and Option keys are the
use case's raw input (those keys are its schema's field names).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from integrations.mattermost.messages import escape_markdown
from plugin.commands.context import CommandRequest
from plugin.commands.grammar import Trigger
from plugin.commands.parser import ParseError, parse
from plugin.frontdoor.render import render
from plugin.frontdoor.runner import Entry
from plugin.i18n import _, deferred, get_locale, use_locale
from plugin.kernel.errors import Invalid, Refusal
from plugin.kernel.interactive import Audience, open_form
from plugin.kernel.usecase import UseCase, use_case
from plugin.rendering.reply import Reply, error_reply, help_reply, usage_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Help:
    """The outcome of `/<trigger> aide`."""

    trigger: Trigger


@use_case("frontdoor.help", consortium="none", read_only=True)
def _help(ctx, data) -> Help:
    return Help(data["trigger"])


@use_case("frontdoor.refuse", consortium="none", read_only=True)
def _refuse(ctx, data):
    """A command that could not be parsed: refused in its reader's language."""
    raise data["refusal"]


def handle(runtime, request: CommandRequest) -> Reply:
    """Run one slash command; never lets an exception reach the user."""
    registry = runtime.registry
    trigger = registry.find_trigger(request.command)
    if trigger is None:
        return error_reply(_("Unknown command {command}.", command=escape_markdown(request.command[:40])))
    settings = runtime.settings
    entry = Entry("slash", user_id=request.user_id, channel_id=request.channel_id, root_id=request.root_id or "",
                  network=lambda session: runtime.networks.get(
                      session, request.team_domain or settings.mattermost_team or "default", request.team_id or None))
    try:
        uc, raw, entry = _plan(trigger, request, entry)
        result = runtime.runner.run(entry, uc, raw)
        with use_locale(result.locale):
            if result.refusal is not None:
                return error_reply(result.refusal.text(), result.refusal.usage_text())
            if isinstance(result.outcome, Help):
                return help_reply(result.outcome.trigger, result.locale)
            reply = render(runtime, "chat", result)
            if reply.form is not None:
                _open(runtime, request, result, reply)
            return reply
    except Refusal as refusal:   # the form could not be opened
        return error_reply(refusal.text())
    except Exception:
        log.exception("command failed", extra={"command": request.command})
        return error_reply(_("Something went wrong on our side; nothing was changed. "
                             "Please try again, or tell the network's facilitators."))


def _open(runtime, request: CommandRequest, result, reply: Reply) -> None:
    """Open the form a reply carries, for the person who typed the command (their trigger id)."""
    form = reply.form
    open_form(runtime, request.trigger_id, name=form.dialog.name, title=form.title, elements=form.elements,
              state=form.state, submit_label=form.submit_label, audience=Audience.person(result.actor),
              network_id=result.actor.person.network_id, consortium=result.consortium,
              introduction=form.introduction)


def _plan(trigger: Trigger, request: CommandRequest, entry: Entry) -> tuple[UseCase | str, dict, Entry]:
    """Which use case the command runs, with which raw input, and what the entry says about it."""
    try:
        parsed = parse(trigger, request.text)
    except ParseError as error:
        return _refuse, {"refusal": _parse_refusal(trigger, request.text, error)}, entry
    if parsed.is_help:
        return _help, {"trigger": trigger}, entry
    sub = parsed.sub
    entry = replace(entry, usage=deferred(lambda: usage_text(trigger, sub)),
                    command=deferred(lambda: f"/{trigger.name} {sub.word(get_locale())}"))
    values = dict(parsed.values)
    if sub.words and sub.args and (words := parsed.words_from(sub.args[0].key)):
        values[sub.words] = words
    if sub.needs_consortium:
        entry = replace(entry, consortium_slug=values.pop("consortium", None))
    return sub.use_case, values, entry


def _parse_refusal(trigger: Trigger, text: str, error: ParseError) -> Refusal:
    """A parsing mistake, said again in whichever language the reader reads."""

    def again() -> ParseError:
        try:
            parse(trigger, text)
        except ParseError as fresh:
            return fresh
        return error

    return Invalid(deferred(lambda: again().message), usage=deferred(lambda: usage_text(trigger, again().sub)))
