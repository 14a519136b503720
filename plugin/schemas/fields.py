"""Reusable fields and validators whose messages are translated when they are raised."""
from __future__ import annotations

import re
import unicodedata

from marshmallow import Schema, ValidationError, fields

from plugin.i18n import _, translate
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
