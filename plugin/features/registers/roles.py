"""The roles register: who does what in a consortium.

A role is held by a person, an organisation, or both (a person on behalf of their
organisation). Rules:

* at most one lead partner (``chef-de-file``) at a time; replacing one is explicit
  (``--remplacer``) and recorded: the previous holder's assignment is ended, not deleted;
* admins and the lead partner assign and take back roles; every member sees them;
* every change is kept (``RoleAssignment`` rows are ended, never deleted) and audited.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from models import BUILTIN_ROLES, Consortium, CustomRole, Organisation, Person, RoleAssignment
from plugin.i18n import Text, _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Forbidden, Invalid, NotFound
from plugin.kernel.usecase import Ctx

from plugin.features.registers.organisations import search_key

LEAD = access.LEAD_ROLE

# key -> (label, one-line description); English msgids, French in registers.po.
BUILTIN = {
    "chef-de-file": (_l("lead partner"), _l("Carries the project before the funders and speaks for the consortium")),
    "coordination": (_l("coordination"), _l("Runs the day-to-day work and keeps everyone in step")),
    "tresorerie": (_l("treasury"), _l("Holds the money: budget, sharing of funds, accounts")),
    "referent-fondations": (_l("foundation liaison"), _l("The foundations' contact person in the consortium")),
    "communication": (_l("communication"), _l("Tells the consortium's story, inside and outside")),
    "animation": (_l("facilitation"), _l("Prepares and runs the working sessions")),
    "membre": (_l("member"), _l("Takes part in the work and in the decisions")),
    "observateur": (_l("observer"), _l("Follows the work without committing to it")),
}
assert tuple(BUILTIN) == BUILTIN_ROLES

# Other ways people write the built-in roles (French and English), folded.
ALIASES = {
    "lead": LEAD, "lead-partner": LEAD, "chef": LEAD, "chef-file": LEAD, "chefdefile": LEAD, "pilote": LEAD,
    "coordinator": "coordination", "coordinateur": "coordination", "coordinatrice": "coordination",
    "treasury": "tresorerie", "treasurer": "tresorerie", "tresorier": "tresorerie", "tresoriere": "tresorerie",
    "foundation-liaison": "referent-fondations", "referent-fondation": "referent-fondations",
    "referente-fondations": "referent-fondations", "facilitation": "animation", "animateur": "animation",
    "animatrice": "animation", "member": "membre", "observer": "observateur", "observatrice": "observateur",
}


@dataclass(frozen=True)
class RoleInfo:
    key: str
    label: Text            # lazy for the built-in roles (the reader's language), as typed for custom ones
    description: Text
    custom: bool = False


@dataclass(frozen=True)
class Holder:
    """Who holds a role or a commitment: a person, an organisation, or both."""

    person: str | None          # username
    organisation: str | None    # short name

    def plain(self) -> str:
        """``@ines``, ``ACI-Lyon`` or ``@ines (ACI-Lyon)``, for refusals (renderers escape their own)."""
        if self.person and self.organisation:
            return f"@{self.person} ({self.organisation})"
        if self.person:
            return f"@{self.person}"
        return self.organisation or "—"


@dataclass
class AssignmentView:
    assignment: RoleAssignment
    role: RoleInfo
    person: str | None
    organisation: str | None
    assigned_by: str | None
    ended_by: str | None

    @property
    def holder(self) -> Holder:
        return Holder(self.person, self.organisation)


def builtin_info(key: str) -> RoleInfo:
    label, description = BUILTIN[key]
    return RoleInfo(key, label, description)


def catalog(session: Session, consortium: Consortium) -> list[RoleInfo]:
    """The built-in roles, then the consortium's own roles."""
    roles = [builtin_info(key) for key in BUILTIN_ROLES]
    for custom in session.scalars(select(CustomRole).where(CustomRole.consortium_id == consortium.id)
                                  .order_by(CustomRole.label)):
        roles.append(RoleInfo(custom.key, custom.label, custom.description, True))
    return roles


def lookup_role(text: str, roles: list[RoleInfo]) -> RoleInfo | None:
    """The role ``text`` names (key, alias, label in either language), or None."""
    key = search_key(text)
    by_key = {role.key: role for role in roles}
    if key in by_key:
        return by_key[key]
    if key in ALIASES:
        return by_key[ALIASES[key]]
    for role in roles:  # the label in either language: "chef de file", "lead partner"
        if role.custom:
            continue
        msgid = BUILTIN[role.key][0]
        if key in (search_key(msgid.in_locale("fr")), search_key(msgid.in_locale("en"))):
            return role
    for role in roles:
        if role.custom and search_key(str(role.label)) == key:
            return role
    return None


def resolve_role(roles: list[RoleInfo], text: str) -> RoleInfo:
    found = lookup_role(text, roles)
    if found is not None:
        return found
    names = [role.key for role in roles] + list(ALIASES)
    close = difflib.get_close_matches(search_key(text), names, n=1, cutoff=0.6)
    shown = text[:60]
    usage = _l("To create a role of your own, add `--new`: `/role assign \"{role}\" @user --new`.", role=shown)
    if close:
        suggestion = ALIASES.get(close[0], close[0])
        raise NotFound(_l("Unknown role “{role}”. Did you mean “{suggestion}”?", role=shown, suggestion=suggestion),
                       usage=usage)
    raise NotFound(_l("Unknown role “{role}”. Roles: {roles}.", role=shown, roles=", ".join(r.key for r in roles)),
                   usage=usage)


def create_custom(ctx: Ctx, text: str) -> RoleInfo:
    key = search_key(text)[:48].strip("-")
    if len(key) < 2:
        raise Invalid(_l("A role's name needs at least two letters or digits."))
    label = text.strip()[:120]
    ctx.session.add(CustomRole(consortium_id=ctx.consortium.id, key=key, label=label))
    ctx.session.flush()
    audit(ctx.session, ctx.actor, "role.create", consortium_id=ctx.consortium.id, target_type="role",
          after={"key": key, "label": label})
    return RoleInfo(key, label, "", True)


def organisation_ids(ctx: Ctx) -> set[int]:
    """The actor's organisations: their own, and the one their membership names."""
    person, membership = ctx.actor.person, ctx.membership
    return {oid for oid in (person.organisation_id, membership.organisation_id if membership else None) if oid}


def is_lead(ctx: Ctx) -> bool:
    """The actor holds the lead partner role, in person or through their organisation (the membership was
    read with the consortium: ``access.is_lead`` without its membership query)."""
    condition = RoleAssignment.person_id == ctx.actor.id
    if org_ids := organisation_ids(ctx):
        condition = or_(condition, (RoleAssignment.organisation_id.in_(org_ids) & RoleAssignment.person_id.is_(None)))
    return ctx.session.scalar(
        select(RoleAssignment.id).where(RoleAssignment.consortium_id == ctx.consortium.id,
                                        RoleAssignment.role_key == LEAD, RoleAssignment.ended_at.is_(None),
                                        condition).limit(1)
    ) is not None


def require_member(ctx: Ctx) -> None:
    """Members (and admins) only; the membership was read with the consortium."""
    if ctx.actor.is_admin or ctx.membership is not None:
        return
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=ctx.consortium.name))


def require_admin_or_lead(ctx: Ctx) -> None:
    if ctx.actor.is_admin or is_lead(ctx):
        return
    raise Forbidden(_l("Only the network's admins and the consortium's lead partner can do this."))


def current(session: Session, consortium: Consortium, role_key: str) -> list[RoleAssignment]:
    return list(session.scalars(
        select(RoleAssignment).where(RoleAssignment.consortium_id == consortium.id,
                                     RoleAssignment.role_key == role_key, RoleAssignment.ended_at.is_(None))
        .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
    ))


def holder_of(session: Session, row) -> Holder:
    """The holder of an assignment or a commitment (``person_id``, ``organisation_id``)."""
    person = session.get(Person, row.person_id) if row.person_id else None
    org = session.get(Organisation, row.organisation_id) if row.organisation_id else None
    return Holder(person.username if person else None, org.short_name if org else None)


_HOLDER, _ORG, _BY, _ENDER = aliased(Person), aliased(Organisation), aliased(Person), aliased(Person)
_ASSIGNMENTS = (select(RoleAssignment, _HOLDER.username, _ORG.short_name, _BY.username, _ENDER.username)
                .outerjoin(_HOLDER, _HOLDER.id == RoleAssignment.person_id)
                .outerjoin(_ORG, _ORG.id == RoleAssignment.organisation_id)
                .outerjoin(_BY, _BY.id == RoleAssignment.assigned_by_id)
                .outerjoin(_ENDER, _ENDER.id == RoleAssignment.ended_by_id))


def assignments(session: Session, consortium: Consortium, *, include_ended: bool = False,
                roles: list[RoleInfo] | None = None) -> list[AssignmentView]:
    """Current assignments (or the whole history), oldest first, in three joined reads."""
    query = _ASSIGNMENTS.where(RoleAssignment.consortium_id == consortium.id)
    if not include_ended:
        query = query.where(RoleAssignment.ended_at.is_(None))
    by_key = {role.key: role for role in (roles if roles is not None else catalog(session, consortium))}
    views = []
    for assignment, person, organisation, assigned_by, ended_by in session.execute(
            query.order_by(RoleAssignment.assigned_at, RoleAssignment.id)):
        role = by_key.get(assignment.role_key) or RoleInfo(assignment.role_key, assignment.role_key, "", True)
        views.append(AssignmentView(assignment, role, person, organisation, assigned_by, ended_by))
    return views


@dataclass
class HistoryEvent:
    at: datetime
    kind: str          # "assigned" | "ended"
    view: AssignmentView
    by: str | None


def history(session: Session, consortium: Consortium, *, limit: int = 100) -> list[HistoryEvent]:
    events = []
    for view in assignments(session, consortium, include_ended=True):
        events.append(HistoryEvent(view.assignment.assigned_at, "assigned", view, view.assigned_by))
        if view.assignment.ended_at is not None:
            events.append(HistoryEvent(view.assignment.ended_at, "ended", view, view.ended_by))
    events.sort(key=lambda e: (e.at, e.view.assignment.id, e.kind == "assigned"))
    return events[-limit:]


def as_dicts(views: list[AssignmentView]) -> list[dict]:
    """Rows for the JSON API (``RoleAssignmentOutSchema``) and the CSV export (labels in the current language)."""
    return [{
        "role": v.role.key, "label": str(v.role.label), "custom": v.role.custom, "person": v.person,
        "organisation": v.organisation, "assigned_at": v.assignment.assigned_at, "assigned_by": v.assigned_by,
        "ended_at": v.assignment.ended_at, "ended_by": v.ended_by,
    } for v in views]
