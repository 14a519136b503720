"""Valid input for /ami, its chat form and the public AMI web form (one definition for chat, web and API)."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validates_schema

from models import SIAE_TYPES
from plugin.i18n import Deferred, _, _l, deferred
from plugin.rendering.reply import usage_text
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


# --- what each use case loads ------------------------------------------------------------------

class OpenSchema(Schema):
    """`/ami ouvrir "<title>" --themes "<a>, <b>" --jusqu-au <date>`, as typed: the use case checks that the
    person may open a call before it reads them (``CallOpenSchema``), and reads the date (it needs the
    request's moment and the network's zone)."""

    title = fields.Raw(load_default=None)
    themes = fields.Raw(load_default=None)
    until = fields.Raw(load_default=None)


def usage_of(key: str) -> Deferred:
    """The usage line of an `/ami` sub-command, in its reader's language (shown with a mistake)."""
    from plugin.features.ami.grammar import AMI

    sub = next(s for s in AMI.subcommands if s.key == key)
    return deferred(lambda: usage_text(AMI, sub))


class NothingSchema(Schema):
    """A sub-command without input."""


class CallIdSchema(Schema):
    call_id = fields.Integer(required=True, strict=False)


class PublicFormSchema(Schema):
    """The public form: the call's secret token, an edit link's token, and what was sent (None: shown).
    The answer itself is validated by the use case with ``ResponseSchema``: its errors go next to the fields."""

    token = fields.String(required=True)
    edit = fields.String(load_default="")
    submitted = fields.Dict(load_default=None, allow_none=True)


class FormSchema(Schema):
    """A theme to form, as typed (checked with ``FormThemeSchema`` once the person may form); the web page
    names its call."""

    theme = fields.Raw(load_default=None)
    call_id = fields.Integer(load_default=None, strict=False)
    into = fields.Integer(load_default=None, strict=False)     # join this consortium (the web page's choice)
    new = fields.Boolean(load_default=False)                   # or form a new one


class FormButtonSchema(Schema):
    """A button of the choice offered by `/ami former`: the call, the theme, the consortium to join (0: a new one)."""

    class Meta:
        unknown = EXCLUDE

    call_id = fields.Integer(required=True, strict=True, data_key="c")
    theme = CleanText(required=True, max_length=80, data_key="t")
    into = fields.Integer(required=True, strict=True, data_key="i")


MAX_RANKED_IN_DIALOG = 3
_RESPONSE_KEYS = ("structure_name", "siae_type", "departement", "contact_name", "contact_email",
                  "can_bring", "needs", "comment")


class RespondDialogSchema(ResponseSchema):
    """The chat form's submission (``theme_1`` … ``theme_3``) merged with its state (``call``)."""

    class Meta:
        unknown = EXCLUDE

    call = fields.Integer(required=True, strict=False)

    @pre_load
    def _from_form(self, raw, **kwargs):
        data = {key: raw.get(key) for key in ("structure_name", "contact_name", "contact_email", "call")}
        chosen = [(i, raw[f"theme_{i}"]) for i in range(1, MAX_RANKED_IN_DIALOG + 1) if raw.get(f"theme_{i}")]
        seen: set = set()
        for index, theme in chosen:   # the ranking is the person's: a repeated theme is theirs to change
            if isinstance(theme, str) and theme in seen:
                raise ValidationError({f"theme_{index}": [_("This theme is already chosen with a higher priority.")]})
            seen.add(theme if isinstance(theme, str) else None)
        data["themes"] = [theme for _i, theme in chosen]
        for key in ("siae_type", "departement", "can_bring", "needs", "comment"):
            if raw.get(key) not in (None, ""):
                data[key] = raw[key]
        return data

    def handle_error(self, error, data, *, many, **kwargs):
        messages = dict(error.messages) if isinstance(error.messages, dict) else {"_schema": error.messages}
        if "themes" in messages:   # the form has no "themes" element: its first theme is where to look
            messages["theme_1"] = messages.pop("themes")
        raise ValidationError(messages)

