"""Text of a slash command -> ``ParsedCommand``, following the declared grammar.

The parser only groups tokens; what the values must be (lengths, numbers, dates)
is the business of the marshmallow schemas behind each command.

Free text needs quotes only where the grammar cannot tell where it ends:

* the last free-text argument takes the rest of the line, up to the first ``--option``
  (and up to the first ``@mention`` when a later argument takes people);
* a free-text argument followed by a date ends where the date starts
  (``planifier Diagnostic partagé jeudi 10 décembre 14h``); ``plugin.dates`` says where
  dates and times start and end. When that cannot be told, the user is shown the quoted form;
* a ``--option`` of free text takes its unquoted words up to the next option;
* a quoted argument is one token, as it always was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations.mattermost.messages import escape_markdown
from plugin.commands.grammar import HELP_WORDS, Arg, Kind, Option, SubCommand, Trigger, fold
from plugin.dates import date_length, time_length
from plugin.i18n import _, get_locale

MAX_TEXT_LENGTH = 8000
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
_USER = re.compile(r"^@?([A-Za-z0-9][A-Za-z0-9._-]{0,63})$")
_MENTION_KINDS = (Kind.USER, Kind.USERS, Kind.TARGET)
_WHEN_KINDS = (Kind.DATE, Kind.TIME)
_TIME_WORDS = 5  # the most words a time takes at the end of a title: "de 14h à 16h30"
# A title does not end with these words: "Café du | jeudi 10/12" means "Café du jeudi".
_LINKING_WORDS = frozenset({
    "a", "au", "aux", "avec", "chez", "d", "de", "des", "du", "en", "entre", "et", "l", "la", "le", "les",
    "par", "pour", "sur", "un", "une", "an", "and", "at", "for", "from", "in", "of", "on", "the", "to", "with",
})


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
    start: int = 0   # where the token is in the command's text (quotes included)
    end: int = 0
    index: int = 0   # its place among all the tokens

    @property
    def is_option(self) -> bool:
        return not self.quoted and self.value.startswith("--") and len(self.value) > 2

    @property
    def is_mention(self) -> bool:
        return not self.quoted and self.value.startswith("@") and len(self.value) > 1


@dataclass
class ParsedCommand:
    trigger: Trigger
    sub: SubCommand | None          # None: help was asked for
    values: dict = field(default_factory=dict)
    text: str = ""
    words: list[str] = field(default_factory=list)    # the positional tokens, in order
    starts: dict[str, int] = field(default_factory=dict)  # argument -> index of its first word

    @property
    def is_help(self) -> bool:
        return self.sub is None

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def words_from(self, key: str) -> list[str]:
        """The positional words from where argument ``key`` starts to the end, for a handler
        that splits them itself against the names it knows (``grammar.match_known_name``)."""
        if key not in self.starts:
            return []
        return self.words[self.starts[key]:]


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
            tokens.append(Token(text[i + 1:end].strip(), True, i, end + 1, len(tokens)))
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in _QUOTES:
            i += 1
        tokens.append(Token(text[start:i], False, start, i, len(tokens)))
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
            tokens = [Token(trigger.default_sub, index=-1), *tokens]
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
    parsed = ParsedCommand(trigger, sub, text=text)
    line = _Line(text, trigger, head.value, sub)
    positionals = _split_options(line, tokens[1:], parsed.values)
    _assign_positionals(line, positionals, parsed)
    return parsed


@dataclass(frozen=True)
class _Line:
    """What the parser needs to quote the user's own words back."""

    text: str
    trigger: Trigger
    word: str          # the sub-command as typed
    sub: SubCommand

    def source(self, tokens: list[Token]) -> str:
        """The tokens as typed: one quoted token is its text; several keep their quotes and spacing."""
        if len(tokens) == 1:
            return tokens[0].value
        runs: list[str] = []
        first = previous = tokens[0]
        for token in tokens[1:]:
            if token.index != previous.index + 1:
                runs.append(self.text[first.start:previous.end])
                first = token
            previous = token
        runs.append(self.text[first.start:previous.end])
        return " ".join(runs)

    def takes_mentions_after(self, index: int) -> bool:
        return any(arg.kind in _MENTION_KINDS for arg in self.sub.args[index + 1:])


def _find_option(sub: SubCommand, name: str) -> Option | None:
    wanted = fold(name)
    for option in sub.all_options():
        if wanted in (fold(n) for n in option.names()):
            return option
    return None


def _split_options(line: _Line, tokens: list[Token], values: dict) -> list[Token]:
    sub = line.sub
    positionals: list[Token] = []
    takes_mentions = line.takes_mentions_after(-1)
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
            span = len(following)
        elif option.kind is Kind.DATE:
            span = 1 if following[0].quoted else max(1, date_length([t.value for t in following]))
            values[option.key] = " ".join(t.value for t in following[:span])
        elif option.kind is Kind.AMOUNT:
            span = _amount_span(following)
            values[option.key] = " ".join(t.value for t in following[:span])
        elif option.kind is Kind.TEXT and not following[0].quoted:
            # Unquoted words up to a quoted argument (or a mention, when the command takes people).
            span = 1
            while span < len(following) and not following[span].quoted and not (
                    takes_mentions and following[span].is_mention):
                span += 1
            values[option.key] = line.source(following[:span])
        else:
            span = 1
            values[option.key] = _clean(option.kind, following[0])
        i += span
    return positionals


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


_NUMBERISH = re.compile(r"^[+-]?[\d\s.,]+$|^[€$£]?[+-]?\d")
_CURRENCY = re.compile(r"^[€$£]$")


def _amount_span(tokens: list[Token]) -> int:
    """'1 500,50 €', '€ 1 500', '€1,500' or '3 jours': numeric groups, then one unit word
    (or a currency sign first)."""
    start = 1 if tokens and not tokens[0].quoted and _CURRENCY.match(tokens[0].value) else 0
    span = start
    while span < len(tokens) and _NUMBERISH.match(tokens[span].value) and not tokens[span].quoted:
        span += 1
    span = max(span, start + 1)  # not a number: taken all the same, for the schema to refuse
    if not start and span < len(tokens) and not tokens[span].quoted and not _NUMBERISH.match(tokens[span].value):
        span += 1
    return span


def _fits(arg: Arg, later: tuple[Arg, ...], tokens: list[Token], i: int) -> bool:
    """Whether an optional argument should take the token at ``i``."""
    token = tokens[i]
    if arg.kind in (Kind.USER, Kind.USERS):
        return token.is_mention
    if arg.kind in (Kind.NUMBER, Kind.NUMBERS):
        if not token.value.isdigit():
            return False
        if later and later[0].kind is Kind.DATE and not token.quoted:
            # "1 15/01": item 1 on 15/01; "15 mars": no item number, the date.
            words = [t.value for t in tokens]
            return bool(date_length(words[i + 1:])) or not date_length(words[i:])
        return True
    if arg.kind is Kind.WORD and arg.choices:
        return fold(token.value) in (fold(c) for c in arg.choices)
    return True


def _assign_positionals(line: _Line, tokens: list[Token], parsed: ParsedCommand) -> None:
    sub, values = line.sub, parsed.values
    parsed.words = [t.value for t in tokens]
    i = 0
    for index, arg in enumerate(sub.args):
        later = sub.args[index + 1:]
        if i >= len(tokens):
            if arg.required:
                raise ParseError(_("Missing argument: {hint}.", hint=arg.hint(get_locale())), sub)
            continue
        token = tokens[i]
        if not arg.required and not _fits(arg, later, tokens, i):
            continue
        parsed.starts[arg.key] = i
        if arg.kind in (Kind.USERS, Kind.NUMBERS):
            # Take every following token of that shape; the schema checks each one.
            taken = []
            limit = len(tokens) - sum(1 for a in later if a.required)
            while i < limit and (arg.kind is Kind.NUMBERS or tokens[i].value.startswith("@")):
                taken.append(_clean(arg.kind, tokens[i]))
                i += 1
            if not taken and arg.required:
                raise ParseError(_("Missing argument: {hint}.", hint=arg.hint(get_locale())), sub)
            values[arg.key] = taken
            continue
        if arg.kind is Kind.REST:
            end = len(tokens)
        elif token.quoted:
            end = i + 1
        elif arg.kind is Kind.TEXT:
            end = _free_text_end(line, index, tokens, i)
        elif arg.kind is Kind.NAME:
            end = _words_end(line, index, tokens, i)
        elif arg.kind is Kind.DATE:
            end = i + max(1, date_length(parsed.words[i:]))
        elif arg.kind is Kind.TIME:
            end = i + max(1, time_length(parsed.words[i:]))
        elif arg.kind is Kind.AMOUNT:
            end = i + _amount_span(tokens[i:])
        else:
            values[arg.key] = _clean(arg.kind, token)
            i += 1
            continue
        if arg.kind in (Kind.REST, Kind.DATE, Kind.TIME, Kind.AMOUNT):
            values[arg.key] = " ".join(parsed.words[i:end])
        else:
            values[arg.key] = line.source(tokens[i:end])
        i = end
    if i < len(tokens):
        extra = " ".join(t.value for t in tokens[i:])
        raise ParseError(_("Unexpected text: “{extra}”.", extra=escape_markdown(extra[:80])), sub)


def _words_end(line: _Line, index: int, tokens: list[Token], i: int) -> int:
    """Unquoted words up to what the later arguments need: the mentions that end the line when
    they take people ("Choisir le chef de file @ines"; a mention inside the text stays in it),
    else one word per required argument ("référent fondations ACI-Lyon")."""
    later = line.sub.args[index + 1:]
    end = len(tokens)
    if line.takes_mentions_after(index):
        while end > i + 1 and tokens[end - 1].is_mention:
            end -= 1
    if end == len(tokens):
        end -= sum(1 for arg in later if arg.required)
    return max(i + 1, end)


def _free_text_end(line: _Line, index: int, tokens: list[Token], i: int) -> int:
    """Where unquoted free text starting at ``i`` ends."""
    later = line.sub.args[index + 1:]
    if any(arg.kind in _WHEN_KINDS for arg in later):
        return _end_before_date(line, index, tokens, i)
    return _words_end(line, index, tokens, i)


def _when_fills(later: tuple[Arg, ...], words: list[str], start: int) -> bool:
    """Whether ``words[start:]`` are exactly the later date/time arguments, a date first."""
    k = start
    for arg in later:
        if arg.kind not in _WHEN_KINDS:
            return False
        length = (date_length if arg.kind is Kind.DATE else time_length)(words[k:])
        if length == 0:
            if arg.required or k == start:
                return False
            continue
        k += length
    return k == len(words)


def _trailing_time(words: list[str]) -> int:
    """How many of the last words make a time ("Séance 14h | demain": the time came first)."""
    return next((count for count in range(min(_TIME_WORDS, len(words) - 1), 0, -1)
                 if time_length(words[-count:]) == count), 0)


def _dangles(words: list[str]) -> bool:
    """A title that ends with a linking word ("Café du | jeudi 10/12") is not where it ends."""
    return re.sub(r"['’]$", "", fold(words[-1])) in _LINKING_WORDS


def _end_before_date(line: _Line, index: int, tokens: list[Token], i: int) -> int:
    """A title before a date ends where the date starts; if no single place works, say so."""
    later = line.sub.args[index + 1:]
    words = [t.value for t in tokens]
    places = [j for j in range(i + 1, len(tokens)) if _when_fills(later, words, j)]
    for j in places:
        if _trailing_time(words[i:j]):  # the time came before the date: ask
            places = [j]
            break
        if not _dangles(words[i:j]):
            return j
    what = line.sub.args[index].hint(get_locale())
    if places:
        first, second = (_quoted_example(line, tokens, i, j, moved=_trailing_time(words[i:j]))
                         for j in (places + places)[:2])
        if first == second:
            message = _("I cannot tell where `{what}` ends and the date begins. Put it between double quotes, "
                        "for example: {example}", what=what, example=first)
        else:
            message = _("I cannot tell where `{what}` ends and the date begins. Put it between double quotes, "
                        "for example: {first} or {second}", what=what, first=first, second=second)
        raise ParseError(message, line.sub)
    start = next((j for j in range(i + 1, len(tokens)) if date_length(words[j:])), None)
    if start is None:
        return len(tokens)  # no date at all: the text is everything
    # A date, then words that are neither a date nor a time: perhaps the end of the title.
    end = start + date_length(words[start:])
    end += time_length(words[end:])
    if end >= len(tokens):
        return len(tokens)
    example = _quoted_example(line, tokens, i, start, end=end)
    raise ParseError(_("I cannot tell where `{what}` ends: “{extra}” comes after the date. Put it between double "
                       "quotes, for example: {example}", what=what,
                       extra=escape_markdown(line.source(tokens[end:])[:80]), example=example), line.sub)


def _quoted_example(line: _Line, tokens: list[Token], i: int, j: int, *, end: int | None = None,
                    moved: int = 0) -> str:
    """The command with the title ``tokens[i:j]`` quoted; the words from ``end`` go into the
    quotes, and the ``moved`` last words of the title (a time) after the date."""
    end = len(tokens) if end is None else end
    title = tokens[i:j - moved] + tokens[end:]
    when = tokens[j:end] + tokens[j - moved:j]
    before = line.source(tokens[:i]) + " " if i else ""
    quoted = line.source(title).replace('"', "'")
    example = f'/{line.trigger.name} {line.word} {before}"{quoted}" {line.source(when)}'
    return "`" + example.replace("`", "'")[:200] + "`"
