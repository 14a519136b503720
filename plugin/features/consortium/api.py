"""What other features may use of the consortium feature.

LEGACY: re-exports of ``plugin/services/consortia.py`` until the feature is ported; the porter keeps
these names (other features import them).
"""
from plugin.services.consortia import Overview, overview, provision, slugify, stage_label

__all__ = ["Overview", "overview", "provision", "slugify", "stage_label"]
