"""Valid input for decisions: commands (the grammar's keys) and the vote buttons (short keys)."""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from plugin.i18n import _
from plugin.schemas.fields import ChoiceField, CleanText, ItemNumber, Username, text_value

TITLE_MAX = 300            # models.Decision.title
OPTION_MAX = 80
OPTIONS_MAX = 10
# Accents and case are ignored (ChoiceField folds): "majorité-qualifiée" is "majorite-qualifiee".
RULE_WORDS = {"majorite": "majority", "majority": "majority", "majorite-qualifiee": "qualified",
              "qualified-majority": "qualified", "consensus": "consensus", "unanimite": "unanimity",
              "unanimity": "unanimity"}


class Percent(fields.Field):
    """A quorum: ``50%``, ``50`` or ``0``; a whole number from 0 to 100."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = text_value(value).strip().rstrip("%").strip()
        if not text.isdigit() or int(text) > 100:
            raise ValidationError(_("“{value}” is not a quorum: give a percentage from 0 to 100, such as 50%.",
                                    value=str(value)[:20]))
        return int(text)


class Ratio(fields.Field):
    """A qualified majority: ``2/3``, ``3/4``."""

    def _deserialize(self, value, attr, data, **kwargs):
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{1,2})\s*", text_value(value))
        if not match or not 0 < int(match[1]) < int(match[2]):
            raise ValidationError(_("“{value}” is not a majority: write it as a fraction such as 2/3.",
                                    value=str(value)[:20]))
        return int(match[1]), int(match[2])


class RuleSchema(Schema):
    kind = ChoiceField(tuple(RULE_WORDS), load_default=None)
    ratio = Ratio(load_default=None)
    quorum = Percent(load_default=None)
    casting = Username(load_default=None)
    per_person = fields.Boolean(load_default=False)

    @post_load
    def _kind(self, data, **kwargs):
        data["kind"] = RULE_WORDS[data["kind"]] if data.get("kind") else None
        return data


class ProposeSchema(Schema):
    title = CleanText(required=True, max_length=TITLE_MAX)
    options = CleanText(load_default=None, max_length=OPTION_MAX * OPTIONS_MAX)
    until = CleanText(load_default=None, max_length=100)
    secret = fields.Boolean(load_default=False)
    shared = fields.Boolean(load_default=False)

    @post_load
    def _options(self, data, **kwargs):
        if data.get("options") is None:
            return data
        labels = [label.strip() for label in re.split(r"[,;]", data["options"]) if label.strip()]
        if len(labels) < 2:
            raise ValidationError(_("A decision needs at least two options, separated by commas."), "options")
        if len(labels) > OPTIONS_MAX:
            raise ValidationError(_("At most {n} options.", n=OPTIONS_MAX), "options")
        if any(len(label) > OPTION_MAX for label in labels):
            raise ValidationError(_("An option is at most {n} characters long.", n=OPTION_MAX), "options")
        if len({label.casefold() for label in labels}) < len(labels):
            raise ValidationError(_("Two options have the same name."), "options")
        data["options"] = labels
        return data


class NumberSchema(Schema):
    number = ItemNumber(required=True)


class EmptySchema(Schema):
    pass


class VoteSchema(Schema):
    """A vote button: the decision's number and the option's index."""

    class Meta:
        unknown = EXCLUDE

    number = fields.Integer(required=True, strict=True, data_key="n")
    choice = fields.Integer(required=True, strict=True, data_key="o")
