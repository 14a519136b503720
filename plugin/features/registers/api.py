"""What other features may use of the registers (roles, commitments, organisations)."""
from plugin.features.registers.commitments import due_soon
from plugin.features.registers.delivery import digest_lines
from plugin.features.registers.organisations import find_organisation
from plugin.features.registers.render import overview_text, summary_text

__all__ = ["digest_lines", "due_soon", "find_organisation", "overview_text", "summary_text"]
