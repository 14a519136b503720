"""Texts the service posts on its own (channel header, welcome post), in the current locale."""
from __future__ import annotations

from integrations.mattermost.messages import escape_markdown
from models import Consortium
from plugin.i18n import _


def feed_url(consortium: Consortium, base_url: str) -> str:
    return f"{base_url}/calendars/{consortium.slug}/{consortium.feed_token}.ics"


def channel_purpose(consortium: Consortium) -> str:
    text = _("Consortium {name}", name=consortium.name)
    if consortium.theme:
        text += f" — {consortium.theme}"
    return text[:250]


def channel_header(consortium: Consortium, base_url: str) -> str:
    webcal = feed_url(consortium, base_url).replace("https://", "webcal://").replace("http://", "webcal://")
    return _("📅 [Shared calendar]({feed}) · [subscribe]({webcal}) · 📋 `/checklist` · ℹ️ `/consortium info`",
             feed=feed_url(consortium, base_url), webcal=webcal)[:1024]


def welcome_message(consortium: Consortium, base_url: str) -> str:
    lines = [
        _("### Welcome to the consortium {name}!", name=escape_markdown(consortium.name)),
        _("This channel is the consortium's workspace. What you can do here:"),
        _("- `/consortium info`: stage, members, roles, progress and next session"),
        _("- `/checklist`: the right questions to settle together, item by item"),
        _("- `/role` and `/engagement`: who does what, who commits what"),
        _("- `/session plan`: plan a working session that lands in everyone's calendar"),
        _("- `/dialogue`: structured dialogue with foundations"),
        _("Each command answers `aide` (or `help`). The shared calendar: {feed}", feed=feed_url(consortium, base_url)),
    ]
    return "\n".join(lines)
