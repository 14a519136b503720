"""Valid input for the checklist: commands (field names are the grammar's Arg and Option keys),
buttons (their short data keys) and template files."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema

from plugin.i18n import _
from plugin.schemas.fields import ChoiceField, CleanText, ItemNumber, ItemNumbers, Username

ITEM_TEXT_MAX = 1000        # models.ChecklistItem.text is String(1000)
SECTION_MAX = 120           # models.ChecklistItem.section is String(120)
NOTE_MAX = 3000
DATE_TEXT_MAX = 100


class ListSchema(Schema):
    open = fields.Boolean(load_default=False)
    mine = fields.Boolean(load_default=False)
    section = CleanText(load_default=None, min_length=1, max_length=SECTION_MAX)
    page = fields.Integer(load_default=1, strict=False)


class AddSchema(Schema):
    text = CleanText(required=True, max_length=ITEM_TEXT_MAX)
    assignee = Username(load_default=None)
    due = CleanText(load_default=None, max_length=DATE_TEXT_MAX)
    section = CleanText(load_default=None, max_length=SECTION_MAX)


class NumbersSchema(Schema):
    numbers = ItemNumbers(required=True)


class NumberSchema(Schema):
    number = ItemNumber(required=True)


class AssignSchema(Schema):
    number = ItemNumber(required=True)
    user = Username(required=True)


class DueSchema(Schema):
    number = ItemNumber(required=True)
    date = CleanText(required=True, max_length=DATE_TEXT_MAX)


class NoteSchema(Schema):
    number = ItemNumber(required=True)
    text = CleanText(required=True, max_length=NOTE_MAX, multiline=True)


class TemplateSchema(Schema):
    name = CleanText(load_default=None, max_length=64)


class RemindersSchema(Schema):
    state = ChoiceField(("on", "off", "oui", "non"), required=True)


# --- buttons (what the list's buttons carry, in their short keys) ----------------------------

class ToggleSchema(Schema):
    class Meta:
        unknown = EXCLUDE   # the list's filters and page ride along

    number = ItemNumber(required=True, data_key="n")
    done = fields.Boolean(required=True, truthy={1, True}, falsy={0, False}, data_key="d")


class PageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    open = fields.Boolean(load_default=False, truthy={1, True}, falsy={0, False}, data_key="o")
    mine = fields.Boolean(load_default=False, truthy={1, True}, falsy={0, False}, data_key="m")
    section = fields.String(load_default=None, allow_none=True, data_key="s")
    page = fields.Integer(load_default=1, strict=False, data_key="p")

    @post_load
    def _no_empty_section(self, data, **kwargs):
        data["section"] = (data.get("section") or "")[:SECTION_MAX] or None
        data["page"] = data.get("page") or 1
        return data


# --- template files (`consortia templates import`) -------------------------------------------

class _TemplateItemSchema(Schema):
    key = fields.String(required=True, validate=lambda v: 0 < len(v) <= 40)
    fr = CleanText(required=True, max_length=ITEM_TEXT_MAX)
    en = CleanText(load_default=None, max_length=ITEM_TEXT_MAX)


class _TemplateSectionSchema(Schema):
    key = fields.String(load_default=None)
    fr = CleanText(required=True, max_length=SECTION_MAX)
    en = CleanText(load_default=None, max_length=SECTION_MAX)
    items = fields.List(fields.Nested(_TemplateItemSchema), required=True)


class TemplateFileSchema(Schema):
    """The YAML of a checklist template (see plugin/data/checklist_consortium.yaml)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    title = CleanText(required=True, max_length=200)
    title_en = CleanText(load_default="", min_length=0, max_length=200)
    sections = fields.List(fields.Nested(_TemplateSectionSchema), required=True)

    @validates_schema
    def _check(self, data, **kwargs):
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", data.get("name", "")):
            raise ValidationError(_("A template name is made of lowercase letters, digits and dashes."), "name")
        keys = [item["key"] for section in data.get("sections", []) for item in section["items"]]
        if not keys:
            raise ValidationError(_("A template needs at least one item."), "sections")
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValidationError(_("Item keys must be unique; repeated: {keys}.", keys=", ".join(duplicates)),
                                  "sections")

    @post_load
    def _defaults(self, data, **kwargs):
        for section in data["sections"]:
            section["en"] = section.get("en") or section["fr"]
            for item in section["items"]:
                item["en"] = item.get("en") or item["fr"]
        return data
