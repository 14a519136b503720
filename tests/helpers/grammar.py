"""The declared triggers, looked up by their Mattermost command, wherever their feature keeps them."""

from plugin.frontdoor.registry import registry

_find = registry().find_trigger

AMI, CHECKLIST, CONSORTIUM, DIALOGUE, ENGAGEMENT, ROLE_TRIGGER, SESSION = (
    _find(command) for command in ("ami", "checklist", "consortium", "dialogue", "engagement", "role", "session")
)
