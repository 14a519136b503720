"""The chat answer (a slash command's reply, a button's ephemeral line) and its shared shapes:
the ⚠️ refusal, the usage line shown with a mistake, a trigger's help."""
from __future__ import annotations

from dataclasses import dataclass, field

from plugin.commands.grammar import SubCommand, Trigger
from plugin.i18n import _
from plugin.kernel.interactive import Dialog


@dataclass(frozen=True)
class Form:
    """A form (an interactive dialog) to open for the person who typed the command; its submission
    runs ``dialog``'s use case with ``state`` and the fields filled in."""

    dialog: Dialog
    title: str
    elements: list[dict]
    submit_label: str
    state: dict = field(default_factory=dict)
    introduction: str = ""


@dataclass
class Reply:
    """An answer in the chat, before it becomes Mattermost JSON."""

    text: str
    in_channel: bool = False
    attachments: list | None = None
    props: dict | None = None
    extra: list[dict] = field(default_factory=list)
    form: Form | None = None       # opened by the slash adapter with the command's trigger id


@dataclass
class ButtonAnswer:
    """What a button answers when it is more than a private line: the post it is on, updated (a card in
    a channel; Mattermost cannot update an ephemeral post), and/or a private line."""

    update_message: str | None = None
    update_props: dict | None = None
    ephemeral_text: str | None = None


def error_reply(message: str, usage: str | None = None) -> Reply:
    text = f"⚠️ {message}"
    if usage:
        text += f"\n{usage}"
    return Reply(text)


def usage_text(trigger: Trigger, sub: SubCommand | None) -> str:
    if sub is None:
        return _("Type `/{trigger} help` for the list of sub-commands.", trigger=trigger.name)
    return _("Syntax: `{usage}` — for example `/{trigger} {example}`", usage=sub.usage(trigger.name),
             trigger=trigger.name, example=sub.example())


def help_reply(trigger: Trigger, locale: str) -> Reply:
    lines = [f"#### /{trigger.name} — {trigger.describe(locale)}"]
    for sub in trigger.subcommands:
        lines.append(f"- `/{trigger.name} {sub.word(locale)}` — {sub.summary.in_locale(locale)}  \n"
                     f"  {_('e.g.')} `/{trigger.name} {sub.example(locale)}`")
    if any(sub.needs_consortium for sub in trigger.subcommands):
        lines.append(_("Outside a consortium's channel, add `--consortium <slug>`."))
    return Reply("\n".join(lines))
