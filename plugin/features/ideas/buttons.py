"""The ideas list's support buttons: for the person who asked (the list is a private answer)."""
from __future__ import annotations

from datetime import timedelta

from plugin.i18n import _l
from plugin.kernel.interactive import Action

SUPPORT = Action("idea.support", use_case="idea.support", audience="asker", max_age=timedelta(days=7),
                 single_use="is", replayed=_l("This button has already been used: `/idea list` gives fresh ones."))

ACTIONS = (SUPPORT,)
