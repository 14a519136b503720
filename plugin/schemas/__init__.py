"""Marshmallow schemas: the single definition of valid input for commands, dialogs and the API."""
from plugin.schemas.fields import (  # noqa: F401
    CleanText, ItemNumber, ItemNumbers, Username, Usernames, error_text, load_or_raise,
)
