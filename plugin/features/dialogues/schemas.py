"""Valid input for /dialogue, /consortium fondation, the foundations import and the API (field names are
the grammar's Arg and Option keys)."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from models import DIALOGUE_STAGES
from plugin.i18n import _
from plugin.schemas.fields import ChoiceField, CleanText, ItemNumber, Username, Usernames, text_value

_SHORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# What people type for the kind of organisation -> the stored kind.
KIND_WORDS = {"fondation": "foundation", "foundation": "foundation", "fonds": "fund", "fund": "fund"}


class ShortName(fields.String):
    """An organisation's short name: one word (letters, digits, . _ -), as typed in commands."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = text_value(value).strip()
        if not _SHORT_NAME.match(text):
            raise ValidationError(_("“{value}” is not a valid short name: one word of letters, digits, dots, dashes "
                                    "or underscores (at most 64), such as FondationX.", value=text[:64]))
        return text


class KindField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        from plugin.kernel.text import fold

        word = fold(text_value(value).strip())
        if word not in KIND_WORDS:
            raise ValidationError(_("“{value}” is not a kind of funder: fondation or fonds.", value=str(value)[:30]))
        return KIND_WORDS[word]


class Themes(fields.List):
    """``"Alimentation, Mobilité"`` or a list: trimmed, deduplicated, at most 20."""

    def __init__(self, **kwargs):
        super().__init__(CleanText(max_length=100), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [part for part in re.split(r"[,;]", value) if part.strip()]
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > 20:
            raise ValidationError(_("At most {n} themes.", n=20))
        return list(dict.fromkeys(result))


class FoundationSchema(Schema):
    short_name = ShortName(required=True)
    name = CleanText(load_default=None, min_length=2, max_length=200)
    kind = KindField(load_default="foundation")
    description = CleanText(load_default=None, min_length=0, max_length=2000, multiline=True)
    themes = Themes(load_default=None)


class FoundationImportSchema(FoundationSchema):
    representatives = Usernames(load_default=list)

    @pre_load
    def _representatives(self, data, **kwargs):
        data = dict(data)
        for key in list(data):
            if data[key] is None or (isinstance(data[key], str) and not data[key].strip() and key != "short_name"):
                data.pop(key)
        reps = data.get("representatives")
        if isinstance(reps, str):
            data["representatives"] = [r for r in re.split(r"[\s,;]+", reps) if r]
        return data


class RepresentativeSchema(Schema):
    foundation = CleanText(required=True, max_length=200)
    users = Usernames(required=True, max_items=50)
    remove = fields.Boolean(load_default=False)


class OpenDialogueSchema(Schema):
    foundation = CleanText(required=True, max_length=200)
    subject = CleanText(required=True, min_length=3, max_length=300)


class NumberSchema(Schema):
    number = ItemNumber(load_default=None)


class StageChangeSchema(NumberSchema):
    stage = ChoiceField(DIALOGUE_STAGES, required=True)


class NextStepSchema(NumberSchema):
    date = CleanText(required=True, max_length=60)
    action = CleanText(required=True, min_length=2, max_length=500)


class ListSchema(Schema):
    all = fields.Boolean(load_default=False)
    consortium = CleanText(load_default=None, max_length=200)     # a slug


class NoInput(Schema):
    pass


class DialoguesQuery(Schema):
    """GET /api/v1/dialogues: the query string (ill-formed numbers fall back to the defaults, as before)."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=None, allow_none=True)
    offset = fields.Integer(load_default=None, allow_none=True)
    consortium = fields.String(load_default=None, allow_none=True)
    foundation = fields.String(load_default=None, allow_none=True)
    stage = fields.String(load_default=None, allow_none=True)
    open = fields.Boolean(load_default=False)


class ShortNameQuery(Schema):
    short_name = fields.String(required=True)


class ImportSchema(Schema):
    """`consortia foundations import`: the rows read from the file (each validated on its own)."""

    rows = fields.List(fields.Dict(), required=True)


class DialogueOutSchema(Schema):
    """A dialogue in the JSON API."""

    id = fields.Integer()
    number = fields.Integer()
    consortium = fields.String()
    foundation = fields.String()
    foundation_name = fields.String()
    subject = fields.String()
    stage = fields.String()
    next_step_date = fields.Date(allow_none=True)
    next_step_action = fields.String()
    opened_at = fields.DateTime()
    last_activity_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    thread_post_id = fields.String(allow_none=True)


class FoundationOutSchema(Schema):
    short_name = fields.String()
    name = fields.String()
    kind = fields.String()
    description = fields.String()
    themes = fields.List(fields.String())
    representatives = fields.List(fields.String())
    open_dialogues = fields.Integer()


__all__ = ["FoundationSchema", "FoundationImportSchema", "RepresentativeSchema", "OpenDialogueSchema",
           "NumberSchema", "StageChangeSchema", "NextStepSchema", "DialogueOutSchema", "FoundationOutSchema",
           "ListSchema", "DialoguesQuery", "ShortNameQuery", "ImportSchema", "NoInput", "Username"]
