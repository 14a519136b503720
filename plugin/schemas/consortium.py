"""Valid input for /consortium, the provisioning file and POST /api/v1/consortia."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates

from models import STAGES
from plugin.i18n import _
from plugin.schemas.fields import ChoiceField, CleanText, Username, Usernames


class ConsortiumCreateSchema(Schema):
    name = CleanText(required=True, min_length=2, max_length=80)
    theme = CleanText(load_default="", min_length=0, max_length=200)
    purpose = CleanText(load_default="", min_length=0, max_length=2000, multiline=True)
    members = Usernames(load_default=list)
    public = fields.Boolean(load_default=False)
    slug = fields.String(load_default=None)

    @validates("slug")
    def _slug(self, value, **kwargs):
        import re

        if value is not None and not re.match(r"^[a-z0-9][a-z0-9-]{1,62}$", value):
            raise ValidationError(_("A slug is made of lowercase letters, digits and dashes."))


class StageSchema(Schema):
    stage = ChoiceField(STAGES, load_default=None)


class LanguageSchema(Schema):
    language = ChoiceField(("fr", "en"), required=True)


class MemberSchema(Schema):
    user = Username(required=True)
    organisation = CleanText(load_default=None, min_length=1, max_length=64)
