"""Valid input for /ami and the public AMI web form (one definition for chat, web and API)."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validates_schema

from models import SIAE_TYPES
from plugin.i18n import _, _l
from plugin.schemas.fields import ChoiceField, CleanText

MAX_THEMES = 20
REQUIRED = {"required": _l("This field is required."), "null": _l("This field is required.")}
# Pragmatic e-mail check: one @, a dotted domain, no spaces nor angle brackets (header injection).
_EMAIL = re.compile(r"^[^@\s<>\"',;()\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
# Metropolitan (01-95, 2A, 2B) and overseas (971-976) départements.
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2[ABab]|97[1-6])$")


class Email(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValidationError(_("An e-mail address is required."))
        if len(text) > 254 or not _EMAIL.match(text):
            raise ValidationError(_("“{value}” is not an e-mail address.", value=text[:80]))
        return text


class Departement(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value or "").strip().upper()
        if len(text) == 1 and text.isdigit():
            text = "0" + text
        if not _DEPARTEMENT.match(text):
            raise ValidationError(_("“{value}” is not a French département number (e.g. 69, 2A, 974).",
                                    value=str(value)[:10]))
        return text


def split_themes(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    return [str(v) for v in (value or [])]


class ThemeList(fields.List):
    """Comma-separated or a list; trimmed, de-duplicated (case-insensitively), order kept."""

    def __init__(self, **kwargs):
        super().__init__(CleanText(max_length=80), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        items = [v for v in split_themes(value) if v.strip()]
        result = super()._deserialize(items, attr, data, **kwargs)
        seen, unique = set(), []
        for theme in result:
            if theme.casefold() not in seen:
                seen.add(theme.casefold())
                unique.append(theme)
        if len(unique) > MAX_THEMES:
            raise ValidationError(_("At most {n} themes.", n=MAX_THEMES))
        return unique


class CallOpenSchema(Schema):
    title = CleanText(required=True, error_messages=REQUIRED, min_length=2, max_length=200)
    themes = ThemeList(required=True, error_messages=REQUIRED)
    deadline = fields.Raw(required=True)          # an aware datetime, parsed by the caller
    min_group_size = fields.Integer(load_default=3, validate=lambda n: 1 <= n <= 100)

    @validates_schema(skip_on_field_errors=False)
    def _themes(self, data, **kwargs):
        if not data.get("themes"):
            raise ValidationError(_("Give at least one theme, e.g. --themes \"Food, Mobility\"."), "themes")


class ResponseSchema(Schema):
    """An answer to a call; ``themes`` is ranked (first = top priority)."""

    structure_name = CleanText(required=True, error_messages=REQUIRED, min_length=2, max_length=200)
    siae_type = ChoiceField(SIAE_TYPES + ("autre",), load_default=None, allow_none=True)
    departement = Departement(load_default=None, allow_none=True)
    contact_name = CleanText(required=True, error_messages=REQUIRED, min_length=2, max_length=200)
    contact_email = Email(required=True, error_messages=REQUIRED)
    themes = fields.List(CleanText(max_length=80), required=True, error_messages=REQUIRED)
    can_bring = CleanText(load_default="", min_length=0, max_length=3000, multiline=True)
    needs = CleanText(load_default="", min_length=0, max_length=3000, multiline=True)
    comment = CleanText(load_default="", min_length=0, max_length=3000, multiline=True)

    @validates_schema(skip_on_field_errors=False)
    def _ranked(self, data, **kwargs):
        if not data.get("themes"):
            raise ValidationError(_("Choose at least one theme."), "themes")


class FormThemeSchema(Schema):
    theme = CleanText(required=True, error_messages=REQUIRED, max_length=80)
