"""What other features may use of the checklist (a new consortium starts from the default template)."""
from plugin.features.checklist.templates import DEFAULT_TEMPLATE, apply_template

__all__ = ["DEFAULT_TEMPLATE", "apply_template"]
