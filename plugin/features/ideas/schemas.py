"""Valid input for ideas: commands (the grammar's keys) and the support buttons (short keys)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from plugin.schemas.fields import CleanText, ItemNumber

TITLE_MAX = 200           # models.Idea.title
DESCRIPTION_MAX = 2000


class ProposeSchema(Schema):
    title = CleanText(required=True, max_length=TITLE_MAX)
    description = CleanText(load_default="", max_length=DESCRIPTION_MAX, multiline=True)


class EmptySchema(Schema):
    pass


class MergeSchema(Schema):
    source = ItemNumber(required=True)
    target = ItemNumber(required=True)


class NumberSchema(Schema):
    number = ItemNumber(required=True)


class SupportSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    number = fields.Integer(required=True, strict=True, data_key="n")
