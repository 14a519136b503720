"""What other features may use of the registers (roles, commitments, organisations)."""
from plugin.features.registers.commitments import due_soon
from plugin.features.registers.delivery import digest_lines
from plugin.features.registers.labels import status_label, type_label
from plugin.features.registers.organisations import find_organisation
from plugin.features.registers.render import format_amount, overview_text, summary_text
from plugin.features.registers.roles import BUILTIN


def role_label(key: str) -> str:
    """A role's name in the current language (a consortium's own role is shown by its key)."""
    return str(BUILTIN[key][0]) if key in BUILTIN else key


__all__ = ["digest_lines", "due_soon", "find_organisation", "format_amount", "overview_text", "role_label",
           "status_label", "summary_text", "type_label"]
