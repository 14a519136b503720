"""What other features may use of the foundation dialogues.

LEGACY: re-exports of ``plugin/services/dialogues.py`` until the feature is ported; the porter keeps
these names (other features import them).
"""
from plugin.services.dialogues import can_see_public_profile, stage_label

__all__ = ["can_see_public_profile", "stage_label"]
