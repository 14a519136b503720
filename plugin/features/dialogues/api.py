"""What other features may use of the foundation dialogues.

LEGACY: re-exports of ``plugin/services/dialogues.py`` until the feature is ported; the porter keeps
these names (other features import them).
"""
from plugin.schemas.dialogues import FoundationSchema, RepresentativeSchema
from plugin.services.dialogues import can_see_public_profile
from plugin.services.foundations import add_foundation, find_foundation, list_foundations, set_representatives

__all__ = ["FoundationSchema", "RepresentativeSchema", "add_foundation", "can_see_public_profile", "find_foundation",
           "list_foundations", "set_representatives"]
