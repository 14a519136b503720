"""The command grammar, declared once.

A ``Trigger`` (``/consortium``) holds ``SubCommand``s (``creer|create``) made of
positional ``Arg``s and ``--options``. The same declaration drives the parser, the
help text, the usage line shown with every mistake, the autocomplete hints and
``manifest.json``.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum

from plugin.i18n import LazyString, get_locale
from plugin.kernel.names import KnownName, match_known_name, name_key  # noqa: F401  (names of several words)
from plugin.kernel.text import fold


class Kind(Enum):
    TEXT = "text"          # one token, usually quoted: "Alimentation durable"
    WORD = "word"          # one bare token: a slug, a stage, on/off
    USER = "user"          # @username
    USERS = "users"        # @a @b @c
    TARGET = "target"      # @username or an organisation's short name
    NUMBER = "number"      # an item number
    NUMBERS = "numbers"    # several item numbers
    DATE = "date"          # as many tokens as make a date (plugin.dates): jeudi 10 décembre
    TIME = "time"          # a time or a range: 14h30, 2pm, de 14h à 16h30
    NAME = "name"          # a register's name, maybe several words: chef de file
    AMOUNT = "amount"      # 1 500,50 € (number then an optional unit)
    REST = "rest"          # everything left, joined with spaces
    FLAG = "flag"          # an option without value


@dataclass(frozen=True)
class Arg:
    key: str
    kind: Kind
    hint_fr: str
    hint_en: str
    required: bool = True
    choices: tuple[str, ...] = ()

    def hint(self, locale: str) -> str:
        return self.hint_en if locale == "en" else self.hint_fr


@dataclass(frozen=True)
class Option:
    key: str
    fr: str
    en: str
    kind: Kind = Kind.TEXT
    hint_fr: str = ""
    hint_en: str = ""
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.fr, self.en, *self.aliases)

    def flag(self, locale: str) -> str:
        return "--" + (self.en if locale == "en" else self.fr)

    def usage(self, locale: str) -> str:
        if self.kind is Kind.FLAG:
            return f"[{self.flag(locale)}]"
        hint = self.hint_en if locale == "en" else self.hint_fr
        return f"[{self.flag(locale)} {hint}]"


CONSORTIUM_OPTION = Option("consortium", "consortium", "consortium", Kind.WORD, "<slug>", "<slug>")


@dataclass(frozen=True)
class SubCommand:
    key: str                      # canonical identifier
    fr: str
    en: str
    summary: LazyString
    example_fr: str
    example_en: str
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()
    aliases: tuple[str, ...] = ()
    needs_consortium: bool = True  # acts on the channel's consortium (or --consortium)
    read_only: bool = False        # changes nothing: no need to queue for a write lock
    # The use case it runs ("checklist.check"); its schema's fields are the Arg and Option keys.
    # Every sub-command names one (the registry refuses to build otherwise).
    use_case: str | None = None
    # The raw input key that also receives the positional words from the first argument on (a quoted
    # one whole), for a use case that splits them against the names its registers know.
    words: str | None = None

    def names(self) -> tuple[str, ...]:
        return (self.fr, self.en, *self.aliases)

    def word(self, locale: str) -> str:
        return self.en if locale == "en" else self.fr

    def all_options(self) -> tuple[Option, ...]:
        return self.options + ((CONSORTIUM_OPTION,) if self.needs_consortium else ())

    def usage(self, trigger: str, locale: str | None = None) -> str:
        locale = locale or get_locale()
        parts = [f"/{trigger}", self.word(locale)]
        for arg in self.args:
            hint = arg.hint(locale)
            parts.append(hint if arg.required else f"[{hint}]")
        parts.extend(option.usage(locale) for option in self.options)
        return " ".join(parts)

    def example(self, locale: str | None = None) -> str:
        return self.example_en if (locale or get_locale()) == "en" else self.example_fr


@dataclass(frozen=True)
class Trigger:
    name: str                     # the French trigger word, registered first
    description: LazyString
    subcommands: tuple[SubCommand, ...]
    en_name: str | None = None    # an English trigger word, when it differs
    default_sub: str | None = None  # sub-command run when the text is empty

    def words(self) -> tuple[str, ...]:
        return (self.name,) + ((self.en_name,) if self.en_name and self.en_name != self.name else ())

    def find(self, word: str) -> SubCommand | None:
        wanted = fold(word)
        for sub in self.subcommands:
            if wanted in (fold(name) for name in sub.names()):
                return sub
        return None

    def suggest(self, word: str) -> str | None:
        names = [name for sub in self.subcommands for name in sub.names()]
        close = difflib.get_close_matches(fold(word), [fold(n) for n in names], n=1, cutoff=0.6)
        return close[0] if close else None

    def hint(self, locale: str) -> str:
        words = " | ".join(sub.word(locale) for sub in self.subcommands)
        return f"[{words}]"

    def describe(self, locale: str) -> str:
        return self.description.in_locale(locale)


HELP_WORDS = ("aide", "help", "?")
