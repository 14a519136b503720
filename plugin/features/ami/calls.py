"""Calls for expressions of interest and their answers: finding, opening, answering (shared by the use cases).

One answer per structure (look-alike names included) and call. A first answer needs nothing more;
changing an existing one needs proof of its contact e-mail: a chat account with that address
(Mattermost's), the same person as before, or the signed edit link e-mailed to that address.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import CallForInterest, CallResponse, Network, Person
from plugin.i18n import _l
from plugin.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from plugin.kernel.names import skeleton
from plugin.kernel.plain import columns_of, first_row
from plugin.kernel.text import aware, fold

MAX_RESPONSES_SHOWN = 2000
EDIT_LINK_MAX_AGE = timedelta(days=3)
EDIT_LINK_EVERY = timedelta(minutes=10)  # at most one e-mail per answer in that time, however many requests


def fold_key(text: str) -> str:
    """Case- and accent-insensitive key (spaces and punctuation collapsed)."""
    plain = fold(text or "").casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())[:200]


# --- the call -----------------------------------------------------------------------------------

def open_call_of(session: Session, network: Network) -> CallForInterest | None:
    return session.scalar(select(CallForInterest).where(CallForInterest.network_id == network.id,
                                                        CallForInterest.status == "open")
                          .order_by(CallForInterest.id.desc()).limit(1))


_LATEST = (select(CallForInterest).where(CallForInterest.network_id == bindparam("network"))
           .order_by(case((CallForInterest.status == "open", 0), else_=1), CallForInterest.id.desc()).limit(1))


def latest_call(session: Session, network: Network) -> CallForInterest | None:
    """The open call, else the latest one: one query (a network has a handful of calls), built once."""
    return session.scalar(_LATEST, {"network": network.id})


@cache
def _by_id(plain: bool):
    selected = columns_of(CallForInterest, "c_") if plain else (CallForInterest,)
    return select(*selected).where(CallForInterest.id == bindparam("call"),
                                   CallForInterest.network_id == bindparam("network"))


def call_by_id(session: Session, network: Network, call_id: int, *, plain: bool = False) -> CallForInterest:
    """The network's call by its id. ``plain``: as a plain record (``kernel/plain.py``), for a unit that
    only reads it (the results page)."""
    (call,) = first_row(session, _by_id(plain), {"call": call_id, "network": network.id}, plain, CallForInterest)
    if call is None:
        raise NotFound(_l("There is no such call for expressions of interest."))
    return call


def call_by_form_token(session: Session, token: str) -> CallForInterest | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(CallForInterest).where(CallForInterest.form_token == token))


def calls_of(session: Session, network: Network) -> list[CallForInterest]:
    return list(session.scalars(select(CallForInterest).where(CallForInterest.network_id == network.id)
                                .order_by(CallForInterest.id.desc()).limit(50)))


def is_accepting(call: CallForInterest, now: datetime) -> bool:
    return call.status == "open" and now <= aware(call.deadline)


# --- answers ------------------------------------------------------------------------------------

def _check_themes(call: CallForInterest, ranked: list[str]) -> list[str]:
    by_key = {fold_key(t): t for t in call.themes}
    result: list[str] = []
    for theme in ranked:
        known = by_key.get(fold_key(theme))
        if known is None:
            raise Invalid(_l("“{theme}” is not one of the call's themes: {themes}.", theme=theme[:80],
                             themes=", ".join(call.themes)), fields={"themes": _l("Unknown theme.")})
        if known not in result:
            result.append(known)
    if not result:
        raise Invalid(_l("Choose at least one theme."), fields={"themes": _l("Choose at least one theme.")})
    return result


class EditLinkNeeded(Exception):
    """The structure has answered already, and the caller has not proved its contact e-mail."""

    def __init__(self, existing: CallResponse):
        super().__init__(existing.structure_name)
        self.existing = existing


def respond(session: Session, call: CallForInterest, data: dict, *, now: datetime, person: Person | None = None,
            source: str = "chat", editing: int | None = None) -> tuple[CallResponse, bool]:
    """Record or update a structure's answer; returns (answer, created).

    ``editing``: the answer the (verified) edit link names. Without proof of the contact address
    ``EditLinkNeeded`` is raised and nothing changes.
    """
    if call.status != "open":
        raise Forbidden(_l("The call “{title}” is closed: answers are no longer accepted.", title=call.title))
    if now > aware(call.deadline):
        raise Forbidden(_l("The deadline of the call “{title}” has passed: answers are no longer accepted.",
                           title=call.title))
    themes = _check_themes(call, data["themes"])
    structure_key, email_key = structure_key_of(data["structure_name"]), data["contact_email"].strip().lower()
    if not structure_key:
        raise Invalid(_l("The structure's name is missing."),
                      fields={"structure_name": _l("This field is required.")})
    existing = session.scalar(select(CallResponse).where(CallResponse.call_id == call.id,
                                                         CallResponse.structure_key == structure_key))
    if editing is not None:
        edited = session.get(CallResponse, editing)
        if edited is None or edited.call_id != call.id:
            raise NotFound(_l("This answer no longer exists."))
        if existing is not None and existing.id != edited.id:
            raise Conflict(_l("“{name}” has already answered this call: keep your structure's name.",
                              name=existing.structure_name),
                           fields={"structure_name": _l("Another structure answered with this name.")})
        existing = edited
    elif existing is not None and not _proves_contact(existing, person):
        raise EditLinkNeeded(existing)
    values = dict(structure_name=data["structure_name"], siae_type=data.get("siae_type"),
                  departement=data.get("departement"), contact_name=data["contact_name"],
                  contact_email=data["contact_email"].strip(), themes=themes,
                  can_bring=data.get("can_bring") or "", needs=data.get("needs") or "",
                  comment=data.get("comment") or "", source=source)
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.structure_key, existing.email_key = structure_key, email_key
        if person is not None:
            existing.person_id = person.id
        existing.updated_at = now
        return existing, False
    answer = CallResponse(call_id=call.id, structure_key=structure_key, email_key=email_key,
                          person_id=person.id if person else None, **values)
    try:
        with session.begin_nested():
            session.add(answer)
            session.flush()
    except IntegrityError:  # the same structure answered at the same instant: that answer stands
        return respond(session, call, data, now=now, person=person, source=source)
    return answer, True


def structure_key_of(name: str) -> str:
    """Structures whose names look the same are one structure."""
    return skeleton(name, limit=200)


def _proves_contact(existing: CallResponse, person: Person | None) -> bool:
    """A chat account proves what Mattermost says of it; a web form proves nothing."""
    if person is None:
        return False
    return existing.person_id == person.id or bool(person.email and person.email.lower() == existing.email_key)


def masked_email(address: str) -> str:
    local, _at, domain = (address or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def edit_bucket(now: datetime) -> int:
    return int(now.timestamp() // EDIT_LINK_EVERY.total_seconds())


def answer_for_edit(session: Session, call: CallForInterest, data: dict) -> CallResponse | None:
    """The answer an edit link (already verified) names, while it still goes to the same address."""
    try:
        answer_id = int(data.get("r") or 0)
    except (TypeError, ValueError):
        return None
    answer = session.get(CallResponse, answer_id)
    if answer is None or answer.call_id != call.id or answer.email_key != data.get("e"):
        return None
    return answer


def response_of(session: Session, call: CallForInterest, person: Person) -> CallResponse | None:
    condition = CallResponse.person_id == person.id
    if person.email:
        condition = condition | (CallResponse.email_key == person.email.lower())
    return session.scalar(select(CallResponse).where(CallResponse.call_id == call.id, condition)
                          .order_by(CallResponse.updated_at.desc()).limit(1))


def responses(session: Session, call: CallForInterest, *, limit: int = MAX_RESPONSES_SHOWN,
              offset: int = 0) -> list[CallResponse]:
    return list(session.scalars(select(CallResponse).where(CallResponse.call_id == call.id)
                                .order_by(CallResponse.structure_key).limit(limit).offset(offset)))
