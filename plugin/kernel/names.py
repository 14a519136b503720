"""When two names are "the same": the keys that uniqueness and look-ups compare.

A consortium's name and an AMI answer's structure name must not be imitated by a name
that only *looks* the same: "Мobilité" with a Cyrillic М, "Mobi\u200blité" with a
zero-width space, a name wrapped in bidi controls. The key is a skeleton in the spirit of
Unicode's UTS #39: NFKC (full-width and mathematical letters, ligatures), format
characters removed (bidi controls, zero-width characters, soft hyphens), every non-ASCII
character that Unicode's confusables data says looks like an ASCII letter or digit
replaced by it, accents dropped, case folded, punctuation and spaces collapsed.

The confusables data comes from ``confusable_homoglyphs`` (generated from Unicode's
``confusables.txt``). Its table says which characters look alike but not which one is the
prototype, so the rule here picks the ASCII letter of the same case (then any ASCII
letter, then a digit). ASCII letters are never remapped among themselves ("l" and "I"
stay different names), which keeps real names apart.
"""
from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence


_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


@lru_cache(maxsize=1)
def _confusables() -> dict:
    from confusable_homoglyphs.confusables import confusables_data  # 0.9 MB of data: loaded on first use

    return confusables_data


def _ascii_lookalikes(char: str) -> list[str]:
    found = [entry["c"] for entry in _confusables().get(char, ()) if entry["c"] in _ASCII_ALNUM]
    return sorted(found, key=lambda c: (not c.isalpha(), c))


@lru_cache(maxsize=8192)
def prototype(char: str) -> str:
    """The ASCII letter or digit ``char`` is confusable with (itself when none)."""
    if char.isascii():
        return char
    own = _ascii_lookalikes(char)
    same_case = [c for c in own if (c.isupper() if char.isupper() else c.islower())]
    if same_case:
        return same_case[0]
    other = char.lower() if char.isupper() else char.upper()
    if other != char:
        via_case = _ascii_lookalikes(other)
        if via_case:
            return via_case[0]
    return own[0] if own else char


def skeleton(text: str, *, limit: int = 200) -> str:
    """The comparison key of a name: look-alike names share it (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = "".join(prototype(ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())[:limit]


def visible(text: str) -> str:
    """The name without invisible format characters, for echoing it safely."""
    return "".join(ch for ch in text or "" if unicodedata.category(ch) != "Cf")


# --- names of several words, typed without quotes ----------------------------------------------

def name_key(text: str) -> str:
    """How a typed name compares: 'Chef de file', 'chef-de-file', 'CHEF_DE_FILE' and a look-alike
    spelling (a Cyrillic 'е') are one name."""
    return skeleton(text, limit=1000)


@dataclass(frozen=True)
class KnownName:
    name: str    # as the register spells it (one of ``known``)
    length: int  # how many of the words it took


def match_known_name(words: Sequence[str], known: Iterable[str]) -> KnownName | None:
    """The longest name of ``known`` spelled by the first of ``words``, or None.

    Case, accents, hyphens and underscores do not count, so ``["chef", "de", "file", "@ines"]``
    with ``["chef-de-file", "coordination"]`` gives ``KnownName("chef-de-file", 3)``. A quoted
    word (one item holding spaces) is matched whole or not at all.
    """
    keys: dict[str, str] = {}
    for name in known:
        if key := name_key(name):
            keys.setdefault(key, name)
    for count in range(len(words), 0, -1):
        if (found := keys.get(name_key(" ".join(words[:count])))) is not None:
            return KnownName(found, count)
    return None
