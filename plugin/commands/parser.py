"""Text of a slash command -> ``ParsedCommand``, following the declared grammar.

The parser only groups tokens; what the values must be (lengths, numbers, dates)
is the business of the marshmallow schemas behind each command.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations.mattermost.messages import escape_markdown
from plugin.commands.grammar import (
    HELP_WORDS, Arg, Kind, Option, SubCommand, Trigger, date_span, fold, time_span,
)
from plugin.i18n import _, get_locale

MAX_TEXT_LENGTH = 8000
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
_USER = re.compile(r"^@?([A-Za-z0-9][A-Za-z0-9._-]{0,63})$")


class ParseError(Exception):
    """A mistake in how the command was typed; ``message`` is translated."""

    def __init__(self, message: str, sub: SubCommand | None = None):
        super().__init__(message)
        self.message = message
        self.sub = sub


@dataclass(frozen=True)
class Token:
    value: str
    quoted: bool = False

    @property
    def is_option(self) -> bool:
        return not self.quoted and self.value.startswith("--") and len(self.value) > 2


@dataclass
class ParsedCommand:
    trigger: Trigger
    sub: SubCommand | None          # None: help was asked for
    values: dict = field(default_factory=dict)
    text: str = ""

    @property
    def is_help(self) -> bool:
        return self.sub is None

    def get(self, key: str, default=None):
        return self.values.get(key, default)


def tokenize(text: str) -> list[Token]:
    """Split on spaces; double quotes (also “ ” and « ») group words."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _QUOTES:
            closing = _QUOTES[ch]
            end = text.find(closing, i + 1)
            if end < 0 and closing != '"':
                end = text.find('"', i + 1)
            if end < 0:
                raise ParseError(_("A quotation mark is not closed: put the text between two double quotes, like \"my text\"."))
            tokens.append(Token(text[i + 1:end].strip(), quoted=True))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in _QUOTES:
            i += 1
        tokens.append(Token(text[start:i]))
    return tokens


def parse(trigger: Trigger, text: str) -> ParsedCommand:
    text = (text or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise ParseError(_("This command is too long ({length} characters, at most {limit}).",
                           length=len(text), limit=MAX_TEXT_LENGTH))
    tokens = tokenize(text)
    if not tokens or (tokens[0].is_option and trigger.default_sub):
        # `/checklist` alone, or `/checklist --consortium x`: the trigger's default sub-command
        if trigger.default_sub:
            tokens = [Token(trigger.default_sub), *tokens]
        else:
            return ParsedCommand(trigger, None, text=text)
    head = tokens[0]
    if not head.quoted and fold(head.value) in HELP_WORDS:
        return ParsedCommand(trigger, None, text=text)
    sub = None if head.quoted else trigger.find(head.value)
    if sub is None:
        suggestion = trigger.suggest(head.value)
        if suggestion:
            raise ParseError(_("Unknown sub-command “{word}”. Did you mean “{suggestion}”?",
                               word=escape_markdown(head.value[:40]), suggestion=suggestion))
        raise ParseError(_("Unknown sub-command “{word}”.", word=escape_markdown(head.value[:40])))
    values, positionals = _split_options(sub, tokens[1:])
    _assign_positionals(sub, positionals, values)
    return ParsedCommand(trigger, sub, values, text=text)


def _find_option(sub: SubCommand, name: str) -> Option | None:
    wanted = fold(name)
    for option in sub.all_options():
        if wanted in (fold(n) for n in option.names()):
            return option
    return None


def _split_options(sub: SubCommand, tokens: list[Token]) -> tuple[dict, list[Token]]:
    values: dict = {}
    positionals: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.is_option:
            positionals.append(token)
            i += 1
            continue
        option = _find_option(sub, token.value[2:])
        if option is None:
            raise ParseError(_("Unknown option “{option}”.", option=escape_markdown(token.value[:40])), sub)
        i += 1
        if option.kind is Kind.FLAG:
            values[option.key] = True
            continue
        following = _values_until_option(tokens, i)
        if not following:
            raise ParseError(_("The option {option} needs a value.", option=escape_markdown(token.value[:40])), sub)
        if option.kind in (Kind.USERS, Kind.NUMBERS):
            values[option.key] = [_clean(option.kind, t) for t in following]
            i += len(following)
        elif option.kind is Kind.DATE:
            span = date_span([t.value for t in following], 0) if not following[0].quoted else 1
            values[option.key] = " ".join(t.value for t in following[:span])
            i += span
        elif option.kind is Kind.AMOUNT:
            span = _amount_span(following)
            values[option.key] = " ".join(t.value for t in following[:span])
            i += span
        else:
            values[option.key] = _clean(option.kind, following[0])
            i += 1
    return values, positionals


def _values_until_option(tokens: list[Token], start: int) -> list[Token]:
    out = []
    for token in tokens[start:]:
        if token.is_option:
            break
        out.append(token)
    return out


def _clean(kind: Kind, token: Token) -> str:
    if kind in (Kind.USER, Kind.USERS) and not token.quoted:
        match = _USER.match(token.value)
        return match.group(1).lower() if match else token.value
    return token.value


_NUMBERISH = re.compile(r"^[+-]?[\d\s.,]+$|^[+-]?\d")


def _amount_span(tokens: list[Token]) -> int:
    """'1 500,50 €' or '3 jours': leading numeric groups, then one unit word."""
    span = 0
    while span < len(tokens) and _NUMBERISH.match(tokens[span].value) and not tokens[span].quoted:
        span += 1
    span = max(span, 1)
    if span < len(tokens) and not tokens[span].quoted and not _NUMBERISH.match(tokens[span].value):
        span += 1
    return span


def _fits(arg: Arg, token: Token) -> bool:
    """Whether an optional argument should take this token."""
    if arg.kind in (Kind.USER, Kind.USERS):
        return token.value.startswith("@") and not token.quoted
    if arg.kind in (Kind.NUMBER, Kind.NUMBERS):
        return token.value.isdigit()
    if arg.kind is Kind.TEXT:
        return True
    if arg.kind is Kind.WORD and arg.choices:
        return fold(token.value) in (fold(c) for c in arg.choices)
    return True


def _assign_positionals(sub: SubCommand, tokens: list[Token], values: dict) -> None:
    i = 0
    raw = [t.value for t in tokens]
    for index, arg in enumerate(sub.args):
        if i >= len(tokens):
            if arg.required:
                raise ParseError(_("Missing argument: {hint}.", hint=arg.hint(get_locale())), sub)
            continue
        token = tokens[i]
        if not arg.required and not _fits(arg, token):
            continue
        if arg.kind in (Kind.USERS, Kind.NUMBERS):
            # Take every following token of that shape; the schema checks each one.
            taken = []
            remaining_args = sub.args[index + 1:]
            limit = len(tokens) - sum(1 for a in remaining_args if a.required)
            while i < limit and (arg.kind is Kind.NUMBERS or tokens[i].value.startswith("@")):
                taken.append(_clean(arg.kind, tokens[i]))
                i += 1
            if not taken and arg.required:
                raise ParseError(_("Missing argument: {hint}.", hint=arg.hint(get_locale())), sub)
            values[arg.key] = taken
        elif arg.kind is Kind.REST:
            values[arg.key] = " ".join(t.value for t in tokens[i:])
            i = len(tokens)
        elif arg.kind is Kind.DATE:
            span = 1 if token.quoted else max(1, date_span(raw, i))
            values[arg.key] = " ".join(raw[i:i + span])
            i += span
        elif arg.kind is Kind.TIME:
            span = 1 if token.quoted else max(1, time_span(raw, i))
            values[arg.key] = " ".join(raw[i:i + span])
            i += span
        elif arg.kind is Kind.AMOUNT:
            span = _amount_span(tokens[i:])
            values[arg.key] = " ".join(raw[i:i + span])
            i += span
        else:
            values[arg.key] = _clean(arg.kind, token)
            i += 1
    if i < len(tokens):
        extra = " ".join(t.value for t in tokens[i:])
        raise ParseError(_("Unexpected text: “{extra}”.", extra=escape_markdown(extra[:80])), sub)

