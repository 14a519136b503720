"""What other features (and the ways in) may use of the consortium feature."""
from plugin.features.consortium.outcomes import Overview
from plugin.features.consortium.records import (
    find_by_channel, find_by_dialogue_channel, members, overview, provision, slugify, step_status,
)
from plugin.features.consortium.render import stage_label
from plugin.features.consortium.schemas import ConsortiumCreateSchema, ConsortiumOutSchema
from plugin.kernel.lookup import consortia_of, consortium_by_slug

find_by_slug = consortium_by_slug

__all__ = ["ConsortiumCreateSchema", "ConsortiumOutSchema", "Overview", "consortia_of", "find_by_channel",
           "find_by_dialogue_channel", "find_by_slug", "members", "overview", "provision", "slugify", "stage_label",
           "step_status"]
