"""Forming the consortium of one theme from the structures that chose it: the people matched by e-mail
(the network's known people first, then Mattermost's directory), the others listed to invite."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import CallForInterest, CallResponse, Consortium, Network, Organisation, Person
from plugin.features.consortium import api as consortia
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Invalid, NotFound
from plugin.kernel.people import Directory, UserInfo, upsert_person
from plugin.directory import user_info

from plugin.features.ami.calls import fold_key, responses

MAX_CANDIDATES = 5


@dataclass
class FormOutcome:
    consortium: Consortium
    created: bool
    members: list[str]                             # @usernames added or already there
    without_account: list[CallResponse]            # contacts to invite to Mattermost


def _organisation_for(session: Session, network: Network, answer: CallResponse) -> Organisation:
    key = consortia.slugify(answer.structure_name)
    organisation = session.scalar(select(Organisation).where(Organisation.network_id == network.id,
                                                             Organisation.search_key == key).limit(1))
    if organisation is not None:
        return organisation
    short, n = key[:60] or "structure", 2
    base = short
    while session.scalar(select(Organisation.id).where(Organisation.network_id == network.id,
                                                       Organisation.short_name == short)) is not None:
        short, n = f"{base[:57]}-{n}", n + 1
    organisation = Organisation(network_id=network.id, name=answer.structure_name, short_name=short,
                                search_key=key, kind="siae",
                                siae_type=answer.siae_type if answer.siae_type != "autre" else None,
                                departement=answer.departement)
    session.add(organisation)
    session.flush()
    return organisation


def column_of(call: CallForInterest, theme: str) -> str:
    """The call's theme that ``theme`` names (case and accents aside)."""
    wanted = fold_key(theme)
    column_theme = next((t for t in call.themes if fold_key(t) == wanted), None)
    if column_theme is None:
        raise NotFound(_l("“{theme}” is not one of the call's themes: {themes}.", theme=theme[:80],
                          themes=", ".join(call.themes)))
    return column_theme


def candidates(session: Session, network: Network, call: CallForInterest, column_theme: str) -> list[Consortium]:
    """Consortiums of the network already working on this theme (by theme or by name), which the theme's
    structures could join instead of a new one. None once the call formed the theme's consortium."""
    if column_theme in (call.formed or {}):
        return []
    return list(session.scalars(
        select(Consortium).where(Consortium.network_id == network.id, Consortium.archived_at.is_(None),
                                 or_(func.lower(Consortium.theme) == column_theme.lower(),
                                     func.lower(Consortium.name) == column_theme.lower()))
        .order_by(Consortium.last_activity_at.desc(), Consortium.id).limit(MAX_CANDIDATES)))


def interested_in(session: Session, call: CallForInterest, column_theme: str) -> list[CallResponse]:
    """The answers that chose this theme (at any priority); refused when there are none."""
    interested = [a for a in responses(session, call) if column_theme in (a.themes or [])]
    if not interested:
        raise Invalid(_l("No structure chose the theme “{theme}” yet.", theme=column_theme))
    return interested


def form_consortium(session: Session, network: Network, actor: Actor, call: CallForInterest, column_theme: str,
                    interested: list[CallResponse], *, directory: Directory, caldav_enabled: bool,
                    into: Consortium | None = None,
                    apart_from: list[Consortium] = (),
                    lookup_email: Callable[[str], UserInfo | None] | None = None) -> FormOutcome:
    """Provision (or complete) the consortium of one theme with its structures' people: the one the call
    formed before, else ``into`` (an existing consortium they join), else a new one — named after the theme,
    or after the theme and the call when a consortium of ``apart_from`` already has that name."""
    access.require_admin(actor)
    emails = sorted({a.email_key for a in interested})
    known = {p.email.lower(): p for p in session.scalars(
        select(Person).where(Person.network_id == network.id, Person.email.in_(emails),
                             Person.erased_at.is_(None), Person.mattermost_user_id.is_not(None)))}
    members: dict[str, Person] = {}
    without: list[CallResponse] = []
    for answer in interested:
        person = known.get(answer.email_key)
        if person is None and lookup_email is not None:
            try:
                info = lookup_email(answer.email_key)
            except Exception:  # Mattermost unreachable: list them as to invite, form anyway
                info = None
            if info is not None and not info.is_bot:
                person = upsert_person(session, network.id, directory, info)
                known[answer.email_key] = person
        if person is None:
            without.append(answer)
            continue
        organisation = _organisation_for(session, network, answer)
        if person.organisation_id is None:
            person.organisation_id = organisation.id
        answer.person_id = answer.person_id or person.id
        members[person.username] = person
    formed = dict(call.formed or {})
    existing = session.get(Consortium, formed[column_theme]) if column_theme in formed else into
    if existing is not None:
        name = existing.name
    elif any(c.name.casefold() == column_theme.casefold() for c in apart_from):
        name = f"{column_theme} — {call.title}"[:200]
    else:
        name = column_theme
    data = {"name": name, "theme": column_theme, "members": sorted(members),
            "purpose": str(_l("Thematic group “{theme}” formed from the call “{title}”.", theme=column_theme,
                              title=call.title))}   # stored: in the language of whoever forms it, as before
    outcome = consortia.provision(session, network, actor, data, directory=directory, caldav_enabled=caldav_enabled,
                                  reuse_existing=True)
    # People known by e-mail but added to the consortium with their organisation.
    for membership in outcome.consortium.memberships:
        if membership.organisation_id is None and membership.person_id in {p.id for p in members.values()}:
            membership.organisation_id = next(p.organisation_id for p in members.values()
                                              if p.id == membership.person_id)
    formed[column_theme] = outcome.consortium.id
    call.formed = formed
    audit(session, actor, "ami.form", consortium_id=outcome.consortium.id, target_type="call", target_id=call.id,
          after={"theme": column_theme, "members": sorted(members), "to_invite": [a.email_key for a in without],
                 "joined": into is not None})
    return FormOutcome(outcome.consortium, outcome.created, sorted(members), without)


def email_lookup(client) -> Callable[[str], UserInfo | None]:
    """Who has this e-mail address in Mattermost (its API, through ``client``)."""

    def lookup(email: str) -> UserInfo | None:
        user = client.get_user_by_email(email)
        if not user or user.get("delete_at"):
            return None
        info = user_info(user)
        return info if info.email else replace(info, email=email)

    return lookup
