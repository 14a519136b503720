"""Who is acting, for every way in (slash commands, buttons, forms): a Mattermost user id, known
here with what Mattermost said about it — never with what the request says.

The usual case costs one query and no call to Mattermost: the person is known and fresh. Otherwise
the unit of work stops before writing anything, Mattermost is asked (with no transaction open while
waiting), what it said is stored in a short transaction of its own, and the unit of work starts
again. A person Mattermost cannot vouch for gets a ``Refusal`` and nothing is written.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from sqlalchemy.orm import Session

from models import Network
from plugin.i18n import use_locale
from plugin.kernel.actor import Actor
from plugin.kernel.people import actor_of, cannot_identify, is_fresh, look_up, person_by_user_id, record_lookup

R = TypeVar("R")


def run_as(services, user_id: str, work: Callable[[Session, Network, Actor], R], *,
           network_of: Callable[[Session], Network], read_only: bool = False,
           gate: Callable[[Session], R | None] | None = None) -> R:
    """Run ``work`` in one transaction as the person ``user_id``.

    ``gate`` runs first in that transaction and may answer instead (a refusal): it must only read.
    """
    directory = services.directory
    for synced in (False, True):
        with services.db.transaction(read_only=read_only) as session:
            if gate is not None:
                refusal = gate(session)
                if refusal is not None:
                    return refusal
            network = network_of(session)
            person = person_by_user_id(session, user_id)
            if person is not None and (synced or is_fresh(person, directory)):
                actor = actor_of(person, services.admin_ids(session), services.settings.locale)
                return work(session, network, actor)
            network_id = network.id
        if synced:
            break  # erased between the two units of work
        lookup = look_up(directory, user_id)
        with use_locale(services.settings.locale), services.db.transaction() as session:
            record_lookup(session, network_id, directory, user_id, lookup)
    with use_locale(services.settings.locale):
        raise cannot_identify()
