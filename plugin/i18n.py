"""Translation layer.

Message ids are English (the code's language); the French catalogs in
``plugin/translations/fr/LC_MESSAGES/*.po`` are the interface's first language.
Every ``.po`` file of a locale is merged into one catalog, so each feature keeps
its own file and nobody edits the same catalog at once.

Placeholders use ``str.format`` names: ``_("Consortium {name} created", name=x)``.
The current locale lives in a context variable set per request (``use_locale``).

French typography is applied here, once, to every French message (outside its `code` spans):
a no-break space (U+00A0, the catalogs' own) before ``: ; ! ?`` and inside « », set when the catalog is loaded,
and elision where a template puts a name starting with a vowel after ``de``, ``le``, ``la`` or
``que`` (``d’EI-Recyclage``, ``l’ACI``, ``qu’Inès``: the catalogs' apostrophe, U+2019).
"""
from __future__ import annotations

import contextlib
import functools
import re
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterator, Protocol, Union

from babel.messages.pofile import read_po

SUPPORTED_LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"

NO_BREAK_SPACE = "\u00a0"
_CODE_SPAN = re.compile(r"(`[^`]*`)")
_SPACED_PUNCTUATION = re.compile(r" ([:;!?])(?=[\s*_)»”\"]|$)")
_ELIDABLE = re.compile(r"(?<![\w’'])(de|De|le|Le|la|La|que|Que) \{(\w+)\}")
_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæAEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ")

_current_locale: ContextVar[str] = ContextVar("consortia_locale", default=DEFAULT_LOCALE)
_catalogs: dict[str, dict[str, str | tuple[str, ...]]] = {}
_lock = threading.Lock()


def normalize_locale(value: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """Map 'fr_FR', 'en-GB', 'EN' ... onto a supported locale."""
    if not value:
        return fallback
    short = value.replace("-", "_").split("_")[0].lower()
    return short if short in SUPPORTED_LOCALES else fallback


def _load(locale: str) -> dict[str, str | tuple[str, ...]]:
    catalog = _catalogs.get(locale)
    if catalog is not None:
        return catalog
    with _lock:
        if locale in _catalogs:
            return _catalogs[locale]
        merged: dict[str, str | tuple[str, ...]] = {}
        folder = TRANSLATIONS_DIR / locale / "LC_MESSAGES"
        for po_path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
            with po_path.open("rb") as handle:
                po = read_po(handle, locale=locale)
            for message in po:
                if not message.id or message.fuzzy or not message.string:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                typeset = french_spacing if locale == "fr" else (lambda text: text)
                if isinstance(message.string, tuple):
                    forms = tuple(typeset(form) for form in message.string if form)
                    if len(forms) >= 2:
                        merged[key] = forms
                else:
                    merged[key] = typeset(message.string)
        _catalogs[locale] = merged
        return merged


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    return "".join(part if part.startswith("`") else change(part) for part in _CODE_SPAN.split(text))


def french_spacing(text: str) -> str:
    """A no-break space before ``: ; ! ?`` and inside « » where the text has a plain one (code spans
    untouched)."""

    def space(part: str) -> str:
        part = _SPACED_PUNCTUATION.sub(NO_BREAK_SPACE + r"\1", part)
        return part.replace("« ", "«" + NO_BREAK_SPACE).replace(" »", NO_BREAK_SPACE + "»")

    return _outside_code(text, space)


@functools.lru_cache(maxsize=4096)
def _elidable(template: str) -> bool:
    """Whether ``template`` has a ``de {…}`` (le, la, que) outside code spans: most messages have none,
    and are asked once per process rather than searched at every message."""
    found: list[bool] = []
    _outside_code(template, lambda part: found.append(bool(_ELIDABLE.search(part))) or part)
    return any(found)


def french_elision(template: str, params: dict) -> str:
    """``de {name}`` becomes ``d’{name}`` when the name starts with a vowel (likewise le, la, que)."""
    if "{" not in template or not params or not _elidable(template):
        return template

    def elide(match: re.Match) -> str:
        word, key = match.group(1), match.group(2)
        value = params.get(key)
        if not isinstance(value, str) or value[:1] not in _VOWELS:
            return match.group(0)
        return f"{word[:-1]}’{{{key}}}"

    return _outside_code(template, lambda part: _ELIDABLE.sub(elide, part))


def get_locale() -> str:
    return _current_locale.get()


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    token = _current_locale.set(normalize_locale(locale))
    try:
        yield _current_locale.get()
    finally:
        _current_locale.reset(token)


def _format(text: str, params: dict, locale: str | None = None) -> str:
    if not params:
        return text
    # A lazy parameter (a translated label inside a message) speaks the message's language.
    params = {key: value.in_locale(locale or get_locale()) if isinstance(value, (LazyString, Deferred)) else value
              for key, value in params.items()}
    return text.format(**params)


def translate(msgid: str, locale: str | None = None, /, **params) -> str:
    """Translate ``msgid`` into ``locale`` (default: the current one)."""
    locale = normalize_locale(locale or get_locale())
    if locale != "en":
        found = _load(locale).get(msgid)
        if isinstance(found, tuple):
            found = found[0]
        if isinstance(found, str):
            return _format(french_elision(found, params) if locale == "fr" else found, params, locale)
    return _format(msgid, params, locale)


def gettext(msgid: str, /, **params) -> str:
    return translate(msgid, None, **params)


@functools.cache
def _plural_form(locale: str) -> Callable[[int], str]:
    """Babel's plural rule of ``locale``, parsed once per process (not once per message)."""
    from babel import Locale

    return Locale.parse(locale).plural_form


def ngettext(singular: str, plural: str, n: int, /, **params) -> str:
    locale = get_locale()
    params.setdefault("n", n)
    if locale != "en":
        found = _load(locale).get(singular)
        if isinstance(found, tuple):
            index = _plural_form(locale)(n)
            forms = {"one": 0, "other": 1}
            form = found[min(forms.get(index, 1), len(found) - 1)]
            return _format(french_elision(form, params) if locale == "fr" else form, params)
    return _format(singular if n == 1 else plural, params)


class LazyString:
    """A message translated when it is rendered, for declarations made at import time."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, params: dict | None = None):
        self.msgid = msgid
        self.params = params or {}

    def __str__(self) -> str:
        return translate(self.msgid, None, **self.params)

    def in_locale(self, locale: str) -> str:
        return translate(self.msgid, locale, **self.params)

    def __repr__(self) -> str:
        return f"LazyString({self.msgid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyString) and other.msgid == self.msgid

    def __hash__(self) -> int:
        return hash(self.msgid)


def lazy_gettext(msgid: str, /, **params) -> LazyString:
    return LazyString(msgid, params)


class Deferred:
    """Text made by ``make()`` in whichever language it is rendered in (plurals, composed lines)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]):
        self.make = make

    def in_locale(self, locale: str) -> str:
        with use_locale(locale):
            return self.make()

    def __str__(self) -> str:
        return self.make()


def deferred(make: Callable[[], str]) -> Deferred:
    """``deferred(lambda: ngettext(...))``: rendered later, in the reader's language."""
    return Deferred(make)


class _Lazy(Protocol):
    def in_locale(self, locale: str) -> str: ...


# Text a reader will see: already translated, or lazy (rendered in the reader's language).
Text = Union[str, LazyString, Deferred, _Lazy]


def render(text: Text, locale: str | None = None) -> str:
    """``text`` in ``locale`` (default: the current one)."""
    if isinstance(text, str):
        return text
    return text.in_locale(normalize_locale(locale or get_locale()))


_ = gettext
_l = lazy_gettext
