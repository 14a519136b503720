"""Small text and time helpers every feature shares (one copy each)."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone


def fold(word: str) -> str:
    """Lowercase without accents: 'Créer' and 'creer' are the same word."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def short(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def aware(moment: datetime | None) -> datetime | None:
    """A stored datetime as an aware UTC one (SQLite gives naive UTC back)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def typed(text: str):
    """What people typed (a name) inside a refusal's message: Markdown-escaped when the message is shown in
    the chat, so a name cannot turn into a link or a mention. A use case passes it as a parameter:
    ``Conflict(_l("“{name}” exists", name=typed(name)))``."""
    from integrations.mattermost.messages import escape_markdown
    from plugin.i18n import deferred

    return deferred(lambda: escape_markdown(text))


MAX_SLUG = 60


def slugify(name: str) -> str:
    """The ASCII, dash-separated form of a name used in URLs and channel names."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return (text or "consortium")[:MAX_SLUG].strip("-")
