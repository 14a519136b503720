"""The decision card's buttons: for the consortium's members, one per option.

All the option buttons of one version of the card share one nonce: a click uses the card up and
the answer replaces it with a fresh one; and the burnt nonce says nothing of which option was chosen
(a secret ballot stays secret in the table of used nonces too)."""
from __future__ import annotations

from datetime import timedelta

from plugin.i18n import _l
from plugin.kernel.interactive import Action

VOTE = Action("decision.vote", use_case="decision.vote", audience="members", max_age=timedelta(days=400),
              single_use="dv", replayed=_l("This card changed a moment ago: nothing was recorded. Press the button "
                                           "again on the refreshed card."))

ACTIONS = (VOTE,)
