"""Every user-facing string has its French translation (the interface is French first)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from tests.helpers.i18n import french_catalog

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2), "translate": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def extracted() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "plugin"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(filename)
    return found


def test_every_message_has_a_french_translation():
    catalog = french_catalog()
    missing = {msgid: files for msgid, files in extracted().items()
               if msgid not in catalog or not catalog[msgid].string or catalog[msgid].fuzzy}
    assert not missing, "untranslated: " + "\n".join(f"{files[0]}: {msgid!r}" for msgid, files in missing.items())


def test_translations_keep_their_placeholders():
    catalog = french_catalog()
    wrong = []
    for msgid in extracted():
        message = catalog.get(msgid)
        if message is None or not message.string:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - set(PLACEHOLDER.findall(msgid)):
                wrong.append(msgid)
    assert not wrong, wrong


@pytest.mark.parametrize("locale,expected", [("fr", "Sous-commande inconnue"), ("en", "Unknown sub-command")])
def test_the_translation_layer_switches_language(locale, expected):
    from plugin.i18n import translate

    assert translate("Unknown sub-command “{word}”.", locale, word="x").startswith(expected)
