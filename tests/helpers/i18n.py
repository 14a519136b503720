"""The French catalog, merged from every feature's .po file."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def french_catalog() -> dict:
    merged = {}
    for path in sorted((ROOT / "plugin" / "translations" / "fr" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id:
                    merged[message.id[0] if isinstance(message.id, tuple) else message.id] = message
    return merged
