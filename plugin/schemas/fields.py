"""Reusable fields and validators whose messages are translated when they are raised.

Amounts (documented choice)
    A positive number with at most two decimals and at most 12 digits before the decimal
    mark, read the way the person's language writes numbers; Babel reads both usual ways:
    a decimal point (``1,500.50``) and a decimal comma (``1 500,50``, also ``1.500,50`` as
    French is often handwritten). Spaces, non-breaking spaces and apostrophes group
    thousands. A number only one way can read is read that way (``1,50`` in English is
    1.50; ``1,500.50`` in French is 1 500.50). When both ways read it differently, the
    language decides if its reading groups thousands (``1.500`` in French, ``1,500`` in
    English: 1 500); if its reading is a decimal (``1,500`` in French, ``1.500`` in English)
    the writer may have meant thousands: the amount is refused with both readings offered,
    never stored as 1.50. Numbers that come as numbers (JSON) are taken as they are.
    Refused: zero, negative numbers, exponents (``1e309``), ``NaN``, ``inf`` and anything
    else that is not plainly a number.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, parse_decimal
from marshmallow import Schema, ValidationError, fields

from plugin.i18n import _, get_locale, normalize_locale, translate
from plugin.kernel.text import fold
from plugin.kernel.errors import Invalid

# Control characters other than tab/newline never belong in user text (header/ICS injection).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_ITEM_NUMBER = 1_000_000_000


def text_value(value) -> str:
    """A value typed as text: a string, or a number written as one; a list, an object or a boolean is refused."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValidationError(_("Text expected."))


class CleanText(fields.String):
    """Trimmed, NFC-normalised text of bounded length, without control characters.

    ``multiline=False`` also refuses line breaks (titles, names, subjects).
    """

    def __init__(self, *, min_length: int = 1, max_length: int = 200, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_("Text expected."))
        text = unicodedata.normalize("NFC", value).strip()
        if not self.multiline:
            text = re.sub(r"[\r\n]+", " ", text)
        else:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub("", text)
        if not text and self.min_length > 0:
            raise ValidationError(_("This text is empty."))
        if len(text) < self.min_length:
            raise ValidationError(_("At least {n} characters, please.", n=self.min_length))
        if len(text) > self.max_length:
            raise ValidationError(_("Too long: {length} characters, at most {limit}.",
                                    length=len(text), limit=self.max_length))
        return text


class Username(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        name = text_value(value).strip().lstrip("@").lower()
        if not _USERNAME.match(name):
            raise ValidationError(_("“{value}” is not a valid @username.", value=str(value)[:64]))
        return name


class Usernames(fields.List):
    def __init__(self, *, max_items: int = 200, **kwargs):
        super().__init__(Username(), **kwargs)
        self.max_items = max_items

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.split()
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > self.max_items:
            raise ValidationError(_("At most {n} people at once.", n=self.max_items))
        return list(dict.fromkeys(result))


class ChoiceField(fields.String):
    """One word among ``choices`` (accents and case ignored); the message lists them."""

    def __init__(self, choices: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs):
        word = fold(text_value(value).strip())
        for choice in self.choices:
            if fold(choice) == word:
                return choice
        raise ValidationError(_("“{value}” is not one of: {choices}.", value=str(value)[:40],
                                choices=", ".join(self.choices)))


class ItemNumber(fields.Integer):
    """A positive item number as shown in lists."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value).strip().lstrip("#")
        if not text.isdigit():
            raise ValidationError(_("“{value}” is not an item number (a whole number such as 3).",
                                    value=str(value)[:30]))
        if len(text) > 10 or int(text) < 1 or int(text) > MAX_ITEM_NUMBER:
            raise ValidationError(_("There is no item number {value}.", value=text[:30]))
        return int(text)


class ItemNumbers(fields.List):
    def __init__(self, *, max_items: int = 100, **kwargs):
        super().__init__(ItemNumber(), **kwargs)
        self.max_items = max_items

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (str, int)):
            value = str(value).replace(",", " ").split()
        result = super()._deserialize(value, attr, data, **kwargs)
        if not result:
            raise ValidationError(_("Give at least one item number."))
        if len(result) > self.max_items:
            raise ValidationError(_("At most {n} items at once.", n=self.max_items))
        return list(dict.fromkeys(result))  # 'cocher 1 1 2' ticks 1 and 2 once


# ------------------------------------------------------------------------- amounts

MAX_AMOUNT = Decimal("999999999999.99")
_GROUPING = re.compile(r"[\s\u00a0\u202f\u2009'’]")
_NUMBER_SHAPE = re.compile(r"^[0-9](?:[0-9.,]*[0-9])?$")
_GLUED_UNIT = re.compile(r"^(.*\d)([^\d.,\s]+)$")
_LEADING_CURRENCY = re.compile(r"^([€$£])\s*(?=\S)")
# The two ways of writing a number, as Babel reads them: "1,500.50" and "1.500,50".
_DECIMAL_POINT, _DECIMAL_COMMA = "en", "de"


def _not_an_amount(shown: str) -> ValidationError:
    return ValidationError(_("“{value}” is not an amount: write a number such as 1 500,50.", value=shown))


def _read(compact: str, convention: str) -> Decimal | None:
    try:
        return parse_decimal(compact, locale=convention, strict=True)
    except (NumberFormatError, InvalidOperation):
        return None


def _acceptable(value: Decimal) -> bool:
    return 0 < value <= MAX_AMOUNT and value == value.quantize(Decimal("0.01"))


def _spelled(value: Decimal, locale: str) -> str:
    """An amount written so that it reads one way only in ``locale``: 1,50 / 1 500."""
    pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
    return format_decimal(value, pattern, locale=locale)


def _checked(value: Decimal, shown: str) -> Decimal:
    if not value.is_finite():
        raise _not_an_amount(shown)
    if value <= 0:
        if value < 0:
            raise ValidationError(_("The amount must be positive: “{value}”.", value=shown))
        raise ValidationError(_("The amount must be more than zero."))
    if value > MAX_AMOUNT:
        raise ValidationError(_("This amount is too large: “{value}”.", value=shown))
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("At most two decimals, please: “{value}”.", value=shown))
    return value.quantize(Decimal("0.01"))


def parse_amount(text, *, locale: str | None = None) -> Decimal:
    """A user's amount as a ``Decimal`` (see the module's documentation), or ``ValidationError``.

    ``locale`` is the language the person writes in (default: the current one)."""
    if isinstance(text, bool):
        raise _not_an_amount(str(text))
    if isinstance(text, (int, float, Decimal)):
        try:
            value = Decimal(repr(text) if isinstance(text, float) else str(text))
        except InvalidOperation:  # pragma: no cover - every int, float and Decimal has a text
            raise _not_an_amount(str(text)) from None
        return _checked(value, str(text)[:30])
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not raw:
        raise ValidationError(_("Give an amount, for example 10 jours or 1 500 €."))
    shown = raw[:30]
    if len(raw) > 40:
        raise _not_an_amount(shown)
    compact = _GROUPING.sub("", raw)
    if compact.startswith(("-", "−", "–")):
        raise ValidationError(_("The amount must be positive: “{value}”.", value=shown))
    compact = compact.lstrip("+")
    if not _NUMBER_SHAPE.match(compact):
        raise _not_an_amount(shown)
    loc = normalize_locale(locale or get_locale())
    comma = get_decimal_symbol(loc) == ","
    own = _read(compact, _DECIMAL_COMMA if comma else _DECIMAL_POINT)
    other = _read(compact, _DECIMAL_POINT if comma else _DECIMAL_COMMA)
    if own is None and other is None:
        if re.match(r"^\d{13,}", compact):
            raise ValidationError(_("This amount is too large: “{value}”.", value=shown))
        raise _not_an_amount(shown)
    if (own is not None and other is not None and own != other and ("," if comma else ".") in compact
            and _acceptable(own) and _acceptable(other)):
        # The language reads a decimal mark where the other way reads thousands: ask.
        raise ValidationError(_("“{value}” can be read two ways: {first} or {second}. Write {first} or {second} "
                                "to say which.", value=shown, first=_spelled(own, loc),
                                second=_spelled(other, loc)))
    return _checked(own if own is not None else other, shown)


def split_amount(text: str) -> tuple[str, str | None]:
    """'1 500,50 €' -> ('1 500,50', '€'); '€1,500' -> ('1,500', '€'); '10j' -> ('10', 'j');
    '1e309' -> ('1e309', None)."""
    text = str(text or "").strip()
    if leading := _LEADING_CURRENCY.match(text):
        return text[leading.end():].strip(), leading.group(1)
    words = text.split()
    if not words:
        return "", None
    if len(words) > 1 and not any(ch.isdigit() for ch in words[-1]):
        return " ".join(words[:-1]), words[-1]
    glued = _GLUED_UNIT.match(words[-1])
    if glued and not re.fullmatch(r"[eE][+-]?\d*", glued.group(2)):
        return " ".join(words[:-1] + [glued.group(1)]), glued.group(2)
    return " ".join(words), None


class AmountField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        return parse_amount(value)


def error_text(messages) -> str:
    """Flatten marshmallow's error dict into one readable, translated line."""
    parts: list[str] = []

    def walk(value, prefix=""):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, prefix if isinstance(key, int) else key)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                walk(inner, prefix)
        else:
            parts.append(translate(str(value)))

    walk(messages)
    return " ".join(dict.fromkeys(parts))


def field_errors(messages) -> dict[str, str]:
    """Per-field messages, for dialogs that show errors next to each element."""
    return {key: error_text(value) for key, value in (messages or {}).items()}


def load_or_raise(schema: Schema, data: dict, *, usage: str | None = None) -> dict:
    """Validate or raise ``Invalid`` with a translated message (and per-field errors)."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise Invalid(error_text(error.messages), usage=usage, fields=field_errors(error.messages)) from None


def request_moment():
    """The request's moment and the zone its dates are read in, ``(now, tz)``: the runner sets them
    (a marshmallow ``Context``) around validation, for schemas that read dates."""
    from marshmallow.experimental.context import Context

    found = Context.get(default=None)
    if not isinstance(found, dict) or "now" not in found:
        raise RuntimeError("dates are validated by the runner, which gives the moment and the zone")
    return found["now"], found["tz"]

