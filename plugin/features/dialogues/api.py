"""What other features may use of the foundation dialogues and the foundations.

`/consortium fondation ajouter|liste|representant` (the consortium feature's grammar) runs these use
cases with these schemas; their outcomes are rendered by this feature's "chat" renderers
(``foundation_text`` gives the same answer as text).
"""
from plugin.features.dialogues.foundations import FOUNDATION_KINDS, find_foundation, foundation_of
from plugin.features.dialogues.render import foundation_text, stage_label
from plugin.features.dialogues.schemas import FoundationSchema, RepresentativeSchema
from plugin.features.dialogues.threads import can_see_public_profile, dialogue_channel_of
from plugin.features.dialogues.usecases import add_foundation, change_representatives, foundations

__all__ = ["can_see_public_profile", "dialogue_channel_of", "add_foundation", "change_representatives", "foundations", "FoundationSchema",
           "RepresentativeSchema", "foundation_text", "find_foundation", "foundation_of", "FOUNDATION_KINDS", "stage_label"]
