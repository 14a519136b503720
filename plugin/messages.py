"""Texts the service posts on its own (channel header, welcome post), in the current locale."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown
from models import Consortium
from plugin.i18n import _


def feed_url(consortium: Consortium, token: str, base_url: str) -> str:
    """A link to the consortium's feed: each member has their own ``token``, dead once they leave."""
    return f"{base_url}/calendars/{consortium.slug}/{token}.ics"


def channel_purpose(consortium: Consortium) -> str:
    text = _("Consortium {name}", name=consortium.name)
    if consortium.theme:
        text += f" — {consortium.theme}"
    return text[:250]


def channel_header(consortium: Consortium, base_url: str) -> str:
    # Everyone in the channel reads the header, including people who leave later: it names the
    # command that gives each member their own link to the calendar, never a link itself.
    return _("📅 Shared calendar: `/session subscribe` · 📋 `/checklist` · ℹ️ `/consortium info`")[:1024]


def welcome_message(consortium: Consortium, base_url: str) -> str:
    lines = [
        _("### Welcome to the consortium {name}!", name=escape_markdown(consortium.name)),
        _("This channel is the consortium's workspace. What you can do here:"),
        _("- `/consortium info`: stage, members, roles, progress and next session"),
        _("- `/checklist`: the right questions to settle together, item by item"),
        _("- `/role` and `/engagement`: who does what, who commits what"),
        _("- `/session plan`: plan a working session that lands in everyone's calendar"),
        _("- `/dialogue`: structured dialogue with foundations"),
        _("Each command answers `aide` (or `help`). The shared calendar: `/session subscribe` gives you "
          "your own link to it."),
    ]
    return "\n".join(lines)
