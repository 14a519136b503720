"""Valid input for the privacy use cases: whom a request is about."""
from __future__ import annotations

from marshmallow import Schema, fields


class PersonSchema(Schema):
    user = fields.String(required=True)      # a Mattermost user id, or a @username Mattermost resolves


class NoInput(Schema):
    pass
