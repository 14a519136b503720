"""Buttons and forms: what we sign into them, and whom each is for.

Mattermost hands a button's ``context`` and a form's ``state`` back exactly as we wrote them and
signs nothing, so both carry a signed envelope: the action (or form) name, its data, the network,
the consortium and the audience it was issued for. A callback's ``user_id`` must belong to that
audience before anything is read or written (``plugin/frontdoor/callbacks.py``).

A feature declares each kind of button as an ``Action`` (which use case it runs, for whom, for how
long, whether each button works once) and each form as a ``Dialog``; the declaration builds the
buttons, so the audience is declared exactly where the button is issued.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.mattermost import messages
from models import Consortium, Membership, Person
from plugin.i18n import Text, _
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Refusal
from plugin.security import InvalidSignature

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audience:
    """Whom a button or a form was issued for; signed with its context."""

    user_id: str | None = None      # one person: a command's private answer, a form opened on their trigger
    members_of: int | None = None   # the active members of a consortium: a card posted in its channel

    @classmethod
    def person(cls, actor: Actor) -> "Audience":
        return cls(user_id=actor.person.mattermost_user_id or "")

    @classmethod
    def members(cls, consortium: Consortium) -> "Audience":
        return cls(members_of=consortium.id)

    def encode(self) -> dict:
        return {"u": self.user_id} if self.user_id is not None else {"m": self.members_of}

    @classmethod
    def decode(cls, raw) -> "Audience":
        if isinstance(raw, dict) and isinstance(raw.get("u"), str) and raw["u"]:
            return cls(user_id=raw["u"])
        if isinstance(raw, dict) and isinstance(raw.get("m"), int):
            return cls(members_of=raw["m"])
        # Issued before audiences existed (or not by us): fresh buttons are one command away.
        raise InvalidSignature("expired")

    def refusal(self) -> str:
        if self.user_id is not None:
            return _("These buttons or this form were meant for someone else: nothing was done. Run the "
                     "command yourself to get your own.")
        return _("Only the members of this consortium can use these buttons: nothing was done.")

    def admits(self, session: Session, user_id: str) -> bool:
        if self.user_id is not None:
            return self.user_id == user_id
        return session.scalar(
            select(Membership.id).join(Person, Person.id == Membership.person_id)
            .where(Membership.consortium_id == self.members_of, Membership.left_at.is_(None),
                   Person.mattermost_user_id == user_id, Person.erased_at.is_(None))
        ) is not None


def envelope(name: str, data: dict, audience: Audience, network_id: int, consortium: Consortium | None) -> dict:
    return {"a": name, "d": data, "to": audience.encode(), "n": network_id,
            "k": consortium.id if consortium is not None else None}


def button(runtime, *, id: str, label: str, action_name: str, data: dict, audience: Audience,  # noqa: A002
           consortium: Consortium | None, style: str = "default", network_id: int | None = None) -> dict:
    """A signed button (declared actions make theirs through ``Action.button``).
    A button of the whole network (no consortium) names its ``network_id``."""
    network = consortium.network_id if consortium is not None else network_id
    token = runtime.signer.sign("action", envelope(action_name, data, audience, network, consortium))
    return messages.button(id, label, f"{runtime.base_url}/mattermost/action", {"t": token}, style=style)


@dataclass(frozen=True)
class Action:
    """A kind of button, declared by its feature.

    ``audience``: "asker", the person the answer was for (a private list); "members", the
    consortium's active members (a card posted in its channel). ``single_use`` names the nonce space
    that makes each button work once, and ``replayed`` what a second click is told.
    """

    name: str
    use_case: str
    audience: Literal["asker", "members"]
    max_age: timedelta = timedelta(days=14)
    single_use: str | None = None
    replayed: Text | None = None

    def button(self, runtime, *, id: str, label: str, data: dict, actor: Actor | None,  # noqa: A002
               consortium: Consortium | None, style: str = "default", nonce: str | None = None,
               network_id: int | None = None) -> dict:
        """``nonce``: buttons that should be used up together share one (the options of a ballot)."""
        if self.audience == "asker":
            assert actor is not None, f"{self.name}: a button for the person who asked needs that person"
            audience = Audience.person(actor)
        else:
            audience = Audience.members(consortium)
        if self.single_use:
            data = {**data, "k": nonce or secrets.token_urlsafe(12)}
        return button(runtime, id=id, label=label, action_name=self.name, data=data, audience=audience,
                      consortium=consortium, style=style, network_id=network_id)


@dataclass(frozen=True)
class Dialog:
    """A kind of form (an interactive dialog), declared by its feature. A form is for the person whose
    trigger opened it, and is single-use: its state is burnt by the submission that succeeds."""

    name: str
    use_case: str
    max_age: timedelta = timedelta(hours=2)


def open_form(runtime, trigger_id: str, *, name: str, title: str, elements: list[dict], state: dict,
              submit_label: str, audience: Audience, network_id: int, consortium: Consortium | None,
              introduction: str = "") -> None:
    """Open a dialog now: a trigger id is only valid for 3 seconds, no outbox possible. Mattermost
    shows it to the person whose trigger it is: that person alone may submit it (``audience``)."""
    client = runtime.mattermost(interactive=True)
    if client is None or not trigger_id:
        raise Refusal(_("Forms need Mattermost; type the command with its arguments instead."))
    signed = runtime.signer.sign("dialog", envelope(name, state, audience, network_id, consortium), single_use=True)
    payload = messages.dialog(name, title, elements, submit_label=submit_label, state=signed,
                              introduction_text=introduction)
    try:
        client.open_dialog(trigger_id, f"{runtime.base_url}/mattermost/dialog", payload)
    except Exception as error:  # the user sees why, not a stack trace
        log.warning("could not open dialog: %s", error)
        raise Refusal(_("The form could not be opened; type the command with its arguments instead.")) from None
