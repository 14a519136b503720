"""What other features may use of the registers.

LEGACY: re-exports of ``plugin/services/`` until the feature is ported; the porter keeps these names
(other features import them).
"""
from plugin.services.commitments import digest_lines, due_soon, format_amount, overview_text, status_label, type_label
from plugin.services.organisations import find_organisation
from plugin.services.roles import role_label, summary_text

__all__ = ["digest_lines", "due_soon", "find_organisation", "format_amount", "overview_text", "role_label",
           "status_label", "summary_text", "type_label"]
