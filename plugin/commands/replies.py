"""Shared ways to answer: the usage line shown with a mistake, and a service result as a reply."""
from __future__ import annotations

from plugin.commands.context import Reply
from plugin.commands.grammar import SubCommand, Trigger
from plugin.i18n import _
from plugin.services.base import Result


def usage_text(trigger: Trigger, sub: SubCommand | None) -> str:
    if sub is None:
        return _("Type `/{trigger} help` for the list of sub-commands.", trigger=trigger.name)
    return _("Syntax: `{usage}` — for example `/{trigger} {example}`", usage=sub.usage(trigger.name),
             trigger=trigger.name, example=sub.example())


def usage(cmd) -> str:
    """The usage line of a parsed command's sub-command."""
    return usage_text(cmd.trigger, cmd.sub)


def reply_from(result: Result) -> Reply:
    """The actor gets the message; news for the group becomes an in-channel post."""
    if result.news:
        return Reply(result.news, in_channel=True, attachments=result.attachments)
    return Reply(result.message, attachments=result.attachments)
