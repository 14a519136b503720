"""The registers' words for codes (statuses, kinds of commitment), lazy: rendered in the reader's language."""
from __future__ import annotations

from plugin.i18n import _l

STATUS_LABELS = {
    "propose": _l("proposed"), "accepte": _l("accepted"), "en-cours": _l("in progress"),
    "tenu": _l("kept"), "abandonne": _l("abandoned"),
}
STATUS_ICONS = {"propose": "💡", "accepte": "🤝", "en-cours": "⏳", "tenu": "✅", "abandonne": "✖️"}
TYPE_LABELS = {
    "temps": _l("time"), "financier": _l("financial"), "nature": _l("in kind"), "competences": _l("skills"),
}


def status_label(status: str) -> str:
    """In the current language."""
    return str(STATUS_LABELS.get(status, status))


def type_label(kind: str) -> str:
    return str(TYPE_LABELS.get(kind, kind))
