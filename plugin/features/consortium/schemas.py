"""Valid input for /consortium (field names are the grammar's Arg and Option keys), the provisioning
file, and the JSON API's consortiums (what it accepts and what it answers)."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validates

from models import STAGES
from plugin.i18n import _
from plugin.schemas.fields import ChoiceField, CleanText, Username, Usernames

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class ConsortiumCreateSchema(Schema):
    name = CleanText(required=True, min_length=2, max_length=80)
    theme = CleanText(load_default="", min_length=0, max_length=200)
    purpose = CleanText(load_default="", min_length=0, max_length=2000, multiline=True)
    members = Usernames(load_default=list)
    public = fields.Boolean(load_default=False)
    slug = fields.String(load_default=None)

    @validates("slug")
    def _slug(self, value, **kwargs):
        if value is not None and not SLUG.match(value):
            raise ValidationError(_("A slug is made of lowercase letters, digits and dashes."))


class NoInput(Schema):
    pass


class StageSchema(Schema):
    stage = ChoiceField(STAGES, load_default=None)


class LanguageSchema(Schema):
    language = ChoiceField(("fr", "en"), required=True)


class MemberSchema(Schema):
    user = Username(required=True)
    organisation = CleanText(load_default=None, min_length=1, max_length=64)


class RemoveSchema(Schema):
    user = Username(required=True)


class FoundationCommandSchema(Schema):
    """`/consortium fondation <action> ...`: the words as typed; the use case reads them by action."""

    action = fields.String(load_default="")
    foundation = fields.String(load_default=None)
    users = fields.List(fields.String(), load_default=list)
    name = fields.String(load_default=None)
    description = fields.String(load_default=None)
    themes = fields.String(load_default=None)
    kind = fields.String(load_default=None)
    remove = fields.Boolean(load_default=False)


class PageSchema(Schema):
    """GET /api/v1/consortia: the route has already bounded both numbers."""

    limit = fields.Integer(load_default=50)
    offset = fields.Integer(load_default=0)


class SlugSchema(Schema):
    slug = fields.String(required=True)


class ConsortiumOutSchema(Schema):
    """A consortium as the JSON API shows it; ``base_url`` is set on the instance for the feed link."""

    slug = fields.String()
    name = fields.String()
    theme = fields.String()
    stage = fields.String()
    public = fields.Boolean(attribute="is_public")
    channel_id = fields.String(allow_none=True)
    archived = fields.Method("_archived")
    feed_url = fields.Method("_feed")
    provisioning = fields.Method("_steps")

    base_url = ""

    def _archived(self, obj) -> bool:
        return obj.archived_at is not None

    def _feed(self, obj) -> str:
        return f"{self.base_url}/calendars/{obj.slug}/{obj.feed_token}.ics"

    def _steps(self, obj) -> dict:
        return {step.step: step.status for step in obj.steps}
