"""Who is acting, for every way in that names a person: a Mattermost user id (slash commands,
buttons, forms) or the person a web session was signed in as — known here with what Mattermost
said about them, never with what the request says.

The usual case costs one query and no call to Mattermost: the person is known and fresh (and, when the
request names a consortium, that same query reads it with the person's membership). Otherwise
the unit of work stops before writing anything, Mattermost is asked (with no transaction open while
waiting), what it said is stored in a short transaction of its own, and the unit of work starts
again. A person Mattermost cannot vouch for gets a refusal and nothing is written.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.orm import Session

from models import Consortium, Membership, Network, Person
from plugin.i18n import use_locale
from plugin.kernel.actor import Actor
from plugin.kernel.lookup import Place, actor_and_place
from plugin.kernel.people import actor_of, cannot_identify, is_fresh, look_up, person_by_user_id, record_lookup

R = TypeVar("R")


Found = tuple[Consortium | None, Membership | None]


def run_as(runtime, user_id: str | None, work: Callable[[Session, Callable[[], Network], Actor, Found | None], R],
           *, network_of: Callable[[Session], Network], read_only: bool = False,
           gate: Callable[[Session], R | None] | None = None,
           person_of: Callable[[Session, bool], Person] | None = None, place: Place | None = None) -> R:
    """Run ``work`` in one transaction as the person ``user_id`` (or whom ``person_of`` names).

    ``gate`` runs first in that transaction and may answer instead (a refusal): it must only read.
    ``person_of`` raises a refusal when there is nobody to act as; it is told whether the unit only
    reads (then it may hand plain records, ``kernel/plain.py``). With a ``place``, the consortium it
    names and the person's membership are read with the person and handed to ``work`` (``found``).
    ``work`` receives the network as a function: attached the first time the use case asks for it.
    """
    directory = runtime.directory
    for synced in (False, True):
        with runtime.db.transaction(read_only=read_only) as session:
            if gate is not None:
                refusal = gate(session)
                if refusal is not None:
                    return refusal
            found: Found | None = None
            if person_of is not None:
                person = person_of(session, read_only)
            elif place is not None and place.how is not None and user_id:
                person, consortium, membership = actor_and_place(session, user_id, place, plain=read_only)
                found = (consortium, membership)
            else:
                person = person_by_user_id(session, user_id or "")
            if person is not None and (synced or is_fresh(person, directory)):
                actor = actor_of(person, runtime.admin_ids(session), runtime.settings.locale)
                # The network is attached when the use case first asks for it (many never do).
                return work(session, lambda: network_of(session), actor, found)
            if person is not None:
                user_id = person.mattermost_user_id
            network_id = network_of(session).id
        if synced:
            break  # erased between the two units of work
        lookup = look_up(directory, user_id or "")
        with use_locale(runtime.settings.locale), runtime.db.transaction() as session:
            record_lookup(session, network_id, directory, user_id or "", lookup)
    with use_locale(runtime.settings.locale):
        raise cannot_identify()
