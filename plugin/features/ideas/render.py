"""Everything ideas say, in the reader's language."""
from __future__ import annotations

from integrations.mattermost.messages import attachment, escape_markdown
from plugin.i18n import _, ngettext
from plugin.kernel.text import short
from plugin.rendering.reply import Reply
from plugin.rendering.view import View

from plugin.features.ideas import outcomes as out
from plugin.features.ideas.buttons import SUPPORT


def supports_text(n: int) -> str:
    return ngettext("{n} support", "{n} supports", n)


def proposed(outcome: out.Proposed, view: View) -> Reply:
    text = _("💡 @{user} proposes idea **{n}**: {title}", user=outcome.author, n=outcome.number,
             title=escape_markdown(outcome.title))
    if outcome.description:
        text += "\n> " + escape_markdown(short(outcome.description, 300)).replace("\n", "\n> ")
    text += "\n" + _("Support it from `/idea list`.")
    return Reply(text, in_channel=True)


def listing(outcome: out.Listing, view: View) -> Reply:
    if not outcome.lines:
        return Reply(_("No idea yet. Propose one with `/idea propose \"<idea>\"`."))
    lines = [_("#### 💡 The network's ideas")]
    buttons = []
    for line in outcome.lines:
        mark = " ⭐ " + _("retained") if line.status == "retained" else ""
        lines.append(f"- **{line.number}** {escape_markdown(line.title)} — {supports_text(line.supports)}{mark}")
        label = (_("Withdraw my support ({n})", n=line.number) if line.mine else
                 _("👍 Support {n}", n=line.number))
        buttons.append(SUPPORT.button(view.runtime, id=f"support{line.number}", label=label,
                                      data={"n": line.number}, actor=view.actor, consortium=None,
                                      network_id=view.actor.person.network_id,
                                      style="default" if line.mine else "primary"))
    attachments = [attachment(actions=buttons[i:i + 5]) for i in range(0, len(buttons), 5)]
    return Reply("\n".join(lines), attachments=attachments)


def supported(outcome: out.Supported, view: View) -> Reply:
    if outcome.supporting:
        return Reply(_("👍 You support idea {n} ({supports}).", n=outcome.number,
                       supports=supports_text(outcome.supports)))
    return Reply(_("Your support of idea {n} is withdrawn ({supports}).", n=outcome.number,
                   supports=supports_text(outcome.supports)))


def merged(outcome: out.Merged, view: View) -> Reply:
    return Reply(_("Idea {a} is merged into idea {b} ({title}), which now has {supports}.", a=outcome.source,
                   b=outcome.target, title=escape_markdown(outcome.title), supports=supports_text(outcome.supports)))


def retained(outcome: out.Retained, view: View) -> Reply:
    if outcome.already:
        return Reply(_("Idea {n} is already retained.", n=outcome.number))
    return Reply(_("⭐ Idea {n} is retained: {title}. `/ami open --from-ideas` makes the retained ideas the themes "
                   "of a call.", n=outcome.number, title=escape_markdown(outcome.title)))


CHAT = {out.Proposed: proposed, out.Listing: listing, out.Supported: supported, out.Merged: merged,
        out.Retained: retained}
