"""The consortium's buttons: whom they are for, how long they live, what they run."""
from __future__ import annotations

from datetime import timedelta

from plugin.i18n import _l
from plugin.kernel.interactive import Action

# `/consortium archiver` asks first: its answer is private, the button is the asker's, it works once.
ARCHIVE = Action("consortium.archive", use_case="consortium.archive_confirmed", audience="asker",
                 max_age=timedelta(hours=1), single_use="arc",
                 replayed=_l("This button has already been used."))

ACTIONS = (ARCHIVE,)
