"""What other features may use of the registers.

LEGACY: re-exports of ``plugin/services/`` until the feature is ported; the porter keeps these names
(other features import them).
"""
from plugin.services.commitments import digest_lines, due_soon, overview_text
from plugin.services.organisations import find_organisation
from plugin.services.roles import summary_text

__all__ = ["digest_lines", "due_soon", "find_organisation", "overview_text", "summary_text"]
