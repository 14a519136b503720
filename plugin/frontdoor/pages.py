"""The web page adapter: the signed-in admin of a web session acts through the runner.

The session cookie names a person and a network; the person must still be who Mattermost says (the
same identity code as every other way in) and an admin. The page renders the result itself.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Network, Person
from plugin.frontdoor.runner import Entry, Result
from plugin.i18n import _l
from plugin.kernel.errors import Forbidden, Refusal
from plugin.kernel.lookup import person_and_network
from plugin.kernel.usecase import Ctx, UseCase


class SignedOut(Refusal):
    """No signed-in person (no cookie, signed out since, erased, unknown to Mattermost)."""


class AdminsOnly(Forbidden):
    """Signed in, but not an admin."""


def _admin(ctx: Ctx) -> None:
    if ctx.actor is None or not ctx.actor.is_admin:
        raise AdminsOnly(_l("Only the network's facilitators (admins) can see this page."))


def run_admin(runtime, cookie: dict, use_case: str | UseCase, raw: dict | None = None, *, locale: str,
              read_only: bool = False) -> Result:
    """Run ``use_case`` as the admin the session ``cookie`` names. ``result.actor`` is None when no one
    is signed in (or no longer may be)."""
    person_id, network_id, version = cookie.get("uid"), cookie.get("nid"), cookie.get("sv")
    read: dict = {}   # the network read with the person, in the unit of work under way

    def person(session: Session, plain: bool) -> Person:
        found, network = (person_and_network(session, person_id, network_id or 0, plain=plain)
                          if person_id else (None, None))
        if found is None or version != found.web_session_version or found.erased_at is not None \
                or not found.mattermost_user_id:
            raise SignedOut("")   # signed out since this cookie was issued, or gone
        read.update(session=session, network=network)
        return found

    def network(session: Session) -> Network:
        found = read.get("network") if read.get("session") is session else None
        if found is None:
            raise SignedOut("")
        return found

    entry = Entry("page", person=person, network=network, locale=locale, guard=_admin)
    return runtime.runner.run(entry, use_case, raw)


def run_public(runtime, use_case: str | UseCase, raw: dict | None = None, *, locale: str) -> Result:
    """Run ``use_case`` for a public page (the AMI form, a profile): no one signed in, the system acts;
    what the page may reach is what its secret link names."""
    return runtime.runner.run(Entry("page", locale=locale), use_case, raw)
