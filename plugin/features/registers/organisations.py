"""Organisations of the network (SIAE, foundations, others): lookup with near misses, creation.

Users name an organisation by its short name (``ACI-Lyon``); case, accents, spaces
and dashes do not matter (``aci lyon``, ``Aci-lyon`` are the same). A near miss gets
a "did you mean" with up to three suggestions, never a silent guess.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import ORGANISATION_KINDS, SIAE_TYPES, Membership, Network, Organisation
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, NotFound
from plugin.kernel.names import match_known_name, name_key, skeleton

MAX_SUGGESTIONS = 3


def search_key(name: str) -> str:
    """Lowercase, accents stripped, every run of other characters as one dash."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _suggestions(session: Session, network: Network, wanted: str) -> list[str]:
    rows = session.execute(select(Organisation.short_name, Organisation.search_key)
                           .where(Organisation.network_id == network.id)).all()
    by_key: dict[str, str] = {}
    for short_name, key in rows:
        by_key.setdefault(search_key(short_name), short_name)
        if key:
            by_key.setdefault(key, short_name)
    found: list[str] = []
    # A prefix ("aci" for "ACI-Lyon" and "ACI-Vienne") first, then spelling mistakes.
    for key in sorted(by_key):
        if wanted and key.startswith(wanted) and by_key[key] not in found:
            found.append(by_key[key])
    for key in difflib.get_close_matches(wanted, list(by_key), n=MAX_SUGGESTIONS * 2, cutoff=0.6):
        if by_key[key] not in found:
            found.append(by_key[key])
    return found[:MAX_SUGGESTIONS]


def exact(session: Session, network: Network, name: str) -> Organisation | None:
    key = search_key(name)
    return session.scalar(
        select(Organisation).where(Organisation.network_id == network.id,
                                   or_(func.lower(Organisation.short_name) == name.lower(),
                                       Organisation.search_key == key))
        .order_by(Organisation.id).limit(1)
    ) if key else None


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _begins_with_word(column, word: str, separators: str):
    """``column`` is ``word``, or begins with it then a separator ("ORG-5" is not a prefix of "ORG-50")."""
    return or_(column == word, *(column.like(_escaped(word + sep) + "%", escape="\\") for sep in separators))


def starting_with(session: Session, network: Network, first_words: Iterable[str]) -> list[Organisation]:
    """The organisations whose short or full name begins with one of ``first_words`` (one query), to
    match a name typed in several words against (``names.py``)."""
    conditions = []
    for word in {w for w in first_words if w}:
        plain = skeleton(word)                     # a look-alike letter typed for an ASCII one
        for key in {search_key(word), plain.replace(" ", "-")} - {""}:
            conditions.append(_begins_with_word(Organisation.search_key, key, "-"))
        for typed in {word.lower(), plain} - {""}:
            conditions += [_begins_with_word(func.lower(column), typed, " -'’_.")
                           for column in (Organisation.short_name, Organisation.name)]
    if not conditions:
        return []
    return list(session.scalars(select(Organisation).where(Organisation.network_id == network.id, or_(*conditions))
                                .order_by(Organisation.id)))


def named(organisations: list[Organisation], words: Sequence[str]) -> list[Organisation]:
    """The organisation whose short name is exactly ``words`` (case, accents, look-alikes aside), else those
    whose full name is: full names are not unique, two organisations may answer to one."""
    found = match_known_name(words, [name for o in organisations for name in (o.short_name, o.name)])
    if found is None or found.length != len(words):
        return []
    key = name_key(found.name)
    return [o for o in organisations if name_key(o.short_name) == key][:1] or \
        [o for o in organisations if name_key(o.name) == key]


def unknown(session: Session, network: Network, name: str) -> NotFound:
    """The refusal for an organisation nobody knows, with up to three near misses."""
    shown, key = name[:64], search_key(name)
    suggestions = _suggestions(session, network, key) if key else []
    if len(suggestions) == 1:
        return NotFound(_l("Unknown organisation “{name}”. Did you mean “{suggestion}”?",
                           name=shown, suggestion=suggestions[0]))
    if suggestions:
        return NotFound(_l("Unknown organisation “{name}”. Did you mean one of: {suggestions}?",
                           name=shown, suggestions=", ".join(f"“{s}”" for s in suggestions)))
    return NotFound(_l("Unknown organisation “{name}”. The network's admins can add it with "
                       "`/role organisation ajouter <short-name> \"<name>\"`.", name=shown))


def find_organisation(session: Session, network: Network, name: str) -> Organisation:
    """An organisation by short name or full name; an unknown one raises ``NotFound`` with suggestions."""
    name = (name or "").strip()
    organisation = exact(session, network, name)
    if organisation is None and (words := name.split()):
        organisation = next(iter(named(starting_with(session, network, words[:1]), words)), None)
    if organisation is not None:
        return organisation
    raise unknown(session, network, name)


def list_organisations(session: Session, network: Network, *, consortium_id: int | None = None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.network_id == network.id)
    if consortium_id is not None:
        query = query.where(Organisation.id.in_(
            select(Membership.organisation_id).where(Membership.consortium_id == consortium_id,
                                                     Membership.left_at.is_(None))))
    return list(session.scalars(query.order_by(Organisation.short_name)))


def create_organisation(session: Session, network: Network, actor: Actor | None, data: dict) -> Organisation:
    """Record an organisation (admins). ``data``: short_name, name, kind, siae_type, departement."""
    if actor is not None:
        access.require_admin(actor)
    key = search_key(data["short_name"])
    existing = session.scalar(select(Organisation).where(
        Organisation.network_id == network.id,
        or_(func.lower(Organisation.short_name) == data["short_name"].lower(), Organisation.search_key == key)))
    if existing is not None:
        raise Conflict(_l("The organisation “{name}” already exists.", name=existing.short_name))
    kind = data.get("kind") or "siae"
    organisation = Organisation(
        network_id=network.id, short_name=data["short_name"], name=data.get("name") or data["short_name"],
        search_key=key, kind=kind if kind in ORGANISATION_KINDS else "other",
        siae_type=data.get("siae_type") if data.get("siae_type") in SIAE_TYPES else None,
        departement=data.get("departement") or None,
    )
    session.add(organisation)
    session.flush()
    audit(session, actor, "organisation.create", target_type="organisation", target_id=organisation.id,
          after={"short_name": organisation.short_name, "name": organisation.name, "kind": organisation.kind,
                 "siae_type": organisation.siae_type, "departement": organisation.departement})
    return organisation
