"""The commitment form (`/engagement ajouter` without arguments): its name is the one forms already
opened carry."""
from __future__ import annotations

from plugin.kernel.interactive import Dialog

ADD = Dialog("commitment.add", use_case="registers.add_form")

DIALOGS = (ADD,)
