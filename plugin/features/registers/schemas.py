"""Valid input and output of the roles and commitments registers.

The same schemas serve the slash commands, the commitment form and the JSON API.

Amounts
    Read by ``plugin.schemas.fields.parse_amount``, the way the person's language writes
    numbers; an amount that reads two ways is refused with both readings offered.

Units
    ``heures`` (h, heure, hour(s), hr), ``jours`` (j, jour, day(s), d), ``euros``
    (€, eur, euro) and ``unites`` (u, unité(s), unit(s), pcs, pièce(s)) for things
    given in kind. No free units: a typo would silently break the totals. Each type
    accepts some units: ``temps`` and ``competences`` in hours or days, ``financier``
    in euros, ``nature`` in any of them (a vehicle lent 10 days, premises valued in
    euros, 3 computers). A missing unit defaults from the type (days, euros, units)
    and a missing type from the unit (euros -> financier, hours/days -> temps,
    units -> nature).
"""
from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validates_schema
from marshmallow.experimental.context import Context

from models import (
    COMMITMENT_STATUSES,
    COMMITMENT_TYPES,
    ORGANISATION_KINDS,
    SIAE_TYPES,
)
from plugin.i18n import _, _l
from plugin.kernel.text import fold
from plugin.schemas.fields import AmountField, ChoiceField, CleanText, ItemNumber, Username, split_amount

# Translated when the error is shown (``error_text`` renders it in the user's language).
REQUIRED = _l("This field is required.")
UNITS = ("heures", "jours", "euros", "unites")
UNIT_ALIASES = {
    "heures": ("h", "heure", "heures", "hour", "hours", "hr", "hrs"),
    "jours": ("j", "jour", "jours", "jr", "jrs", "day", "days", "d"),
    "euros": ("€", "eur", "euro", "euros"),
    "unites": ("u", "unite", "unites", "unit", "units", "pcs", "piece", "pieces"),
}
UNITS_BY_TYPE = {
    "temps": ("jours", "heures"),
    "competences": ("jours", "heures"),
    "financier": ("euros",),
    "nature": ("unites", "euros", "jours", "heures"),
}
TYPE_BY_UNIT = {"euros": "financier", "heures": "temps", "jours": "temps", "unites": "nature"}


def normalize_unit(text) -> str:
    word = fold(str(text or "").strip().rstrip("."))
    for unit, aliases in UNIT_ALIASES.items():
        if word in aliases:
            return unit
    raise ValidationError(_("Unknown unit “{value}”. Use one of: heures (h), jours (j), euros (€), unités (u).",
                            value=str(text)[:20]))


class UnitField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        return normalize_unit(value)


class DueDateField(fields.Field):
    """A date in the command language (15/03, demain, 2027-03-15), not in the past: read at the unit of
    work's moment, in the consortium's zone (the runner's validation context)."""

    def _deserialize(self, value, attr, data, **kwargs):
        from plugin.dates import DateError, parse_date, validate_future

        context = Context.get(default={})
        now, tz = context["now"], context["tz"]
        try:
            parsed = parse_date(str(value or "").strip()[:100], now=now, tz=tz)
            validate_future(parsed, now=now, tz=tz)
        except DateError as error:
            raise ValidationError(error.message) from None
        return parsed


class TargetField(fields.Field):
    """``@user`` -> {"user": name}; anything else -> {"organisation": text}."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValidationError(_("Name a person (@username) or an organisation (its short name)."))
        if text.startswith("@"):
            return {"user": Username()._deserialize(text, attr, data)}
        if len(text) > 64:
            raise ValidationError(_("Too long: {length} characters, at most {limit}.", length=len(text), limit=64))
        return {"organisation": text}


class CommitmentSchema(Schema):
    """A new commitment, from the command, the dialog or the API.

    ``amount`` may carry its unit (``"1 500,50 €"``) or come with ``unit`` apart.
    """

    target = TargetField(required=True, error_messages={"required": REQUIRED})
    description = CleanText(required=True, min_length=2, max_length=500, multiline=True,
                            error_messages={"required": REQUIRED})
    kind = ChoiceField(COMMITMENT_TYPES, load_default=None)
    amount = AmountField(load_default=None)
    unit = UnitField(load_default=None)
    due = DueDateField(load_default=None)
    words = fields.List(fields.String(), load_default=list)     # the positional words, to split by name

    @pre_load
    def _split(self, data, **kwargs):
        data = {k: v for k, v in dict(data).items() if v is not None and v != ""}
        self._given = set(data)
        amount = data.get("amount")
        if isinstance(amount, str):
            number, unit = split_amount(amount)
            data["amount"] = number
            if unit and not data.get("unit"):
                data["unit"] = unit
        return data

    @validates_schema(skip_on_field_errors=False)
    def _coherent(self, data, **kwargs):
        kind, unit, amount = data.get("kind"), data.get("unit"), data.get("amount")
        if unit and amount is None and "amount" not in getattr(self, "_given", ()):
            raise ValidationError(_("A unit needs an amount."), "amount")
        if kind is None and "kind" in getattr(self, "_given", ()):
            return  # an invalid type is already reported on its own field
        if kind is None:
            data["kind"] = TYPE_BY_UNIT.get(unit, "temps")
            kind = data["kind"]
        if amount is not None and unit is None:
            data["unit"] = UNITS_BY_TYPE[kind][0]
        elif unit is not None and unit not in UNITS_BY_TYPE[kind]:
            raise ValidationError(_("A commitment of type “{kind}” is counted in {units}, not in {unit}.",
                                    kind=kind, units=", ".join(UNITS_BY_TYPE[kind]), unit=unit), "unit")


class StatusSchema(Schema):
    number = ItemNumber(required=True, error_messages={"required": REQUIRED})
    status = ChoiceField(COMMITMENT_STATUSES, required=True, error_messages={"required": REQUIRED})


class NumberSchema(Schema):
    number = ItemNumber(required=True, error_messages={"required": REQUIRED})


class RoleAssignSchema(Schema):
    role = CleanText(required=True, min_length=2, max_length=60, error_messages={"required": REQUIRED})
    target = TargetField(required=True, error_messages={"required": REQUIRED})
    organisation = CleanText(load_default=None, min_length=1, max_length=64)
    replace = fields.Boolean(load_default=False)
    new = fields.Boolean(load_default=False)
    words = fields.List(fields.String(), load_default=list)     # the positional words, to split by name


class OrganisationSchema(Schema):
    short_name = fields.String(required=True, error_messages={"required": REQUIRED})
    name = CleanText(load_default=None, min_length=2, max_length=200)
    kind = ChoiceField(ORGANISATION_KINDS, load_default="siae")
    siae_type = ChoiceField(SIAE_TYPES, load_default=None)
    departement = fields.String(load_default=None)

    @validates_schema
    def _check(self, data, **kwargs):
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", data.get("short_name") or ""):
            raise ValidationError(_("A short name is one word of letters, digits and dashes, such as ACI-Lyon."),
                                  "short_name")
        dep = data.get("departement")
        if dep is not None and not re.match(r"^(\d{2}|2[AB]|97\d)$", str(dep).upper()):
            raise ValidationError(_("“{value}” is not a French département number (69, 2A, 974...).",
                                    value=str(dep)[:10]), "departement")
        if dep is not None:
            data["departement"] = str(dep).upper()
        if data.get("siae_type") and data.get("kind") != "siae":
            raise ValidationError(_("Only an SIAE has an SIAE type."), "siae_type")


class CommitmentFormSchema(CommitmentSchema):
    """The commitment form: its state (the consortium, signed) rides along."""

    class Meta:
        unknown = EXCLUDE


class AddSchema(Schema):
    """`/engagement ajouter`: no argument opens the form, otherwise a whole commitment."""

    def load(self, data, *args, **kwargs):
        if not any(value not in (None, "") for value in (data or {}).values()):
            return {"form": True}
        return CommitmentSchema().load(data, *args, **kwargs)


class CommitmentsSchema(Schema):
    organisation = CleanText(load_default=None, max_length=64)


class ExportSchema(Schema):
    semicolon = fields.Boolean(load_default=False)


class OrganisationCommandSchema(Schema):
    """`/role organisation [liste | ajouter <short-name> "<name>" ...]`."""

    action = fields.String(load_default=None)
    short_name = fields.String(load_default=None)
    name = fields.String(load_default=None)
    kind = fields.String(load_default=None)
    siae_type = fields.String(load_default=None)
    departement = fields.String(load_default=None)

    @post_load
    def _add(self, data, **kwargs):
        if (data.get("action") or "liste").lower() not in ("ajouter", "add"):
            return {"action": "list"}
        if not data.get("short_name"):
            raise ValidationError(_("Give the organisation's short name."), "short_name")
        fields_ = {"short_name": data["short_name"], "name": data.get("name"), "kind": data.get("kind") or "siae",
                   "siae_type": data.get("siae_type"), "departement": data.get("departement")}
        return {"action": "add", **OrganisationSchema().load(fields_)}


class ApiRolesSchema(Schema):
    slug = fields.String(required=True)
    history = fields.String(load_default="")


class ApiCommitmentsSchema(Schema):
    slug = fields.String(required=True)
    organisation = fields.String(load_default=None)


# --- output (JSON API and CSV exports) --------------------------------------------------

class RoleAssignmentOutSchema(Schema):
    role = fields.String()
    label = fields.String()
    custom = fields.Boolean()
    person = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    assigned_at = fields.DateTime()
    assigned_by = fields.String(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_by = fields.String(allow_none=True)


class RoleOutSchema(Schema):
    key = fields.String()
    label = fields.String()
    description = fields.String()
    custom = fields.Boolean()


class RolesOutSchema(Schema):
    consortium = fields.String()
    roles = fields.List(fields.Nested(RoleOutSchema))
    assignments = fields.List(fields.Nested(RoleAssignmentOutSchema))


class CommitmentOutSchema(Schema):
    number = fields.Integer()
    organisation = fields.String(allow_none=True)
    person = fields.String(allow_none=True)
    description = fields.String()
    type = fields.String()
    amount = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String(allow_none=True)
    due = fields.Date(allow_none=True)
    status = fields.String()
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TotalOutSchema(Schema):
    count = fields.Integer()
    amounts = fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=True))


class CommitmentsOutSchema(Schema):
    consortium = fields.String()
    items = fields.List(fields.Nested(CommitmentOutSchema))
    totals_by_type = fields.Dict(keys=fields.String(), values=fields.Nested(TotalOutSchema))
    totals_by_organisation = fields.Dict(keys=fields.String(), values=fields.Nested(TotalOutSchema))
