"""The roles register: who does what in a consortium (PRODUCT.md §4 `/role`).

A role is held by a person, an organisation, or both (a person on behalf of their
organisation). Rules:

* at most one lead partner (``chef-de-file``) at a time; replacing one is explicit
  (``--remplacer``) and recorded: the previous holder's assignment is ended, not deleted;
* admins and the lead partner assign and take back roles; every member sees them;
* every change is kept (``RoleAssignment`` rows are ended, never deleted) and audited.
"""
from __future__ import annotations

import base64
import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from integrations.mattermost.messages import escape_markdown
from models import (
    BUILTIN_ROLES,
    Consortium,
    CustomRole,
    Network,
    Organisation,
    Person,
    RoleAssignment,
    utcnow,
)
from plugin.exports import to_csv
from plugin.i18n import _, _l, ngettext
from plugin.kernel import access
from plugin.kernel.actor import Actor
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.outbox import queue
from plugin.services.base import Result
from plugin.services.organisations import find_organisation, search_key
from plugin.kernel.people import Directory, resolve_usernames

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
    label: str
    description: str
    custom: bool = False


@dataclass
class AssignmentView:
    assignment: RoleAssignment
    role: RoleInfo
    person: str | None
    organisation: str | None
    assigned_by: str | None
    ended_by: str | None


def builtin_info(key: str) -> RoleInfo:
    label, description = BUILTIN[key]
    return RoleInfo(key, str(label), str(description))


def role_label(key: str, custom_labels: dict[str, str] | None = None) -> str:
    if key in BUILTIN:
        return str(BUILTIN[key][0])
    return (custom_labels or {}).get(key, key)


def catalog(session: Session, consortium: Consortium) -> list[RoleInfo]:
    """The built-in roles, then the consortium's own roles."""
    roles = [builtin_info(key) for key in BUILTIN_ROLES]
    for custom in session.scalars(select(CustomRole).where(CustomRole.consortium_id == consortium.id)
                                  .order_by(CustomRole.label)):
        roles.append(RoleInfo(custom.key, custom.label, custom.description, True))
    return roles


def _lookup(text: str, roles: list[RoleInfo]) -> RoleInfo | None:
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
        if role.custom and search_key(role.label) == key:
            return role
    return None


def resolve_role(session: Session, consortium: Consortium, text: str) -> RoleInfo:
    roles = catalog(session, consortium)
    found = _lookup(text, roles)
    if found is not None:
        return found
    names = [role.key for role in roles] + list(ALIASES)
    close = difflib.get_close_matches(search_key(text), names, n=1, cutoff=0.6)
    shown = escape_markdown(text[:60])
    if close:
        suggestion = ALIASES.get(close[0], close[0])
        raise NotFound(_("Unknown role “{role}”. Did you mean “{suggestion}”?", role=shown, suggestion=suggestion),
                       usage=_("To create a role of your own, add `--new`: "
                               "`/role assign \"{role}\" @user --new`.", role=shown))
    raise NotFound(_("Unknown role “{role}”. Roles: {roles}.", role=shown,
                     roles=", ".join(role.key for role in roles)),
                   usage=_("To create a role of your own, add `--new`: "
                           "`/role assign \"{role}\" @user --new`.", role=shown))


def _create_custom(session: Session, actor: Actor, consortium: Consortium, text: str) -> RoleInfo:
    key = search_key(text)[:48].strip("-")
    if len(key) < 2:
        raise Invalid(_("A role's name needs at least two letters or digits."))
    label = text.strip()[:120]
    session.add(CustomRole(consortium_id=consortium.id, key=key, label=label))
    session.flush()
    audit(session, actor, "role.create", consortium_id=consortium.id, target_type="role",
          after={"key": key, "label": label})
    return RoleInfo(key, label, "", True)


def holder_label(person: str | None, organisation: str | None) -> str:
    """``@ines``, ``ACI-Lyon`` or ``@ines (ACI-Lyon)``, escaped for Markdown."""
    org = escape_markdown(organisation) if organisation else None
    if person and org:
        return f"@{person} ({org})"
    if person:
        return f"@{person}"
    return org or "—"


def _resolve_holder(session: Session, network: Network, consortium: Consortium, directory: Directory,
                    data: dict) -> tuple[Person | None, Organisation | None]:
    target = data["target"]
    person = organisation = None
    if "user" in target:
        person = resolve_usernames(session, network, directory, [target["user"]])[target["user"]]
        if not access.is_member(session, consortium, person):
            raise NotFound(_("@{user} is not a member of “{name}”: add them first with "
                             "`/consortium add @{user}`.", user=person.username, name=consortium.name))
    else:
        organisation = find_organisation(session, network, target["organisation"])
    if data.get("organisation"):
        if organisation is not None:
            raise Invalid(_("Name the organisation once: `/role assign <role> @user --organisation <org>`."))
        organisation = find_organisation(session, network, data["organisation"])
    return person, organisation


def _current(session: Session, consortium: Consortium, role_key: str) -> list[RoleAssignment]:
    return list(session.scalars(
        select(RoleAssignment).where(RoleAssignment.consortium_id == consortium.id,
                                     RoleAssignment.role_key == role_key, RoleAssignment.ended_at.is_(None))
        .order_by(RoleAssignment.assigned_at, RoleAssignment.id)
    ))


def _label_of(session: Session, assignment: RoleAssignment) -> str:
    person = session.get(Person, assignment.person_id) if assignment.person_id else None
    org = session.get(Organisation, assignment.organisation_id) if assignment.organisation_id else None
    return holder_label(person.username if person else None, org.short_name if org else None)


def assign(session: Session, network: Network, actor: Actor, consortium: Consortium, data: dict, *,
           directory: Directory) -> Result:
    access.require_active(consortium)
    access.require_admin_or_lead(session, actor, consortium)
    try:
        role = resolve_role(session, consortium, data["role"])
    except NotFound:
        if not data.get("new"):
            raise
        role = _create_custom(session, actor, consortium, data["role"])
    person, organisation = _resolve_holder(session, network, consortium, directory, data)
    holder = holder_label(person.username if person else None, organisation.short_name if organisation else None)
    current = _current(session, consortium, role.key)
    for existing in current:
        if existing.person_id == (person.id if person else None) and \
                existing.organisation_id == (organisation.id if organisation else None):
            raise Conflict(_("{holder} already holds the role “{role}”.", holder=holder, role=role.label))
    replaced: list[str] = []
    if current and (role.key == LEAD or data.get("replace")):
        if not data.get("replace"):
            target = "@" + person.username if person and not organisation else \
                (organisation.short_name if organisation else "")
            raise Conflict(
                _("{holder} is already the lead partner: a consortium has one at a time.",
                  holder=", ".join(_label_of(session, a) for a in current)),
                usage=_("To hand the role over, say so: `/role assign {role} {target} --replace`.",
                        role=role.key, target=target))
        now = utcnow()
        for existing in current:
            replaced.append(_label_of(session, existing))
            existing.ended_at = now
            existing.ended_by_id = actor.id
    assignment = RoleAssignment(consortium_id=consortium.id, role_key=role.key,
                                person_id=person.id if person else None,
                                organisation_id=organisation.id if organisation else None,
                                assigned_by_id=actor.id)
    session.add(assignment)
    session.flush()
    audit(session, actor, "role.replace" if replaced else "role.assign", consortium_id=consortium.id,
          target_type="role_assignment", target_id=assignment.id,
          before={"holders": replaced} if replaced else None,
          after={"role": role.key, "person": person.username if person else None,
                 "organisation": organisation.short_name if organisation else None})
    consortium.last_activity_at = utcnow()
    if replaced:
        news = _("🎭 {holder} becomes “{role}”, replacing {previous} (@{actor}).", holder=holder, role=role.label,
                 previous=", ".join(replaced), actor=actor.username)
    else:
        news = _("🎭 {holder} now holds the role “{role}” (@{actor}).", holder=holder, role=role.label,
                 actor=actor.username)
    return Result(_("Role “{role}” given to {holder}.", role=role.label, holder=holder), news=news,
                  data={"assignment": assignment})


def unassign(session: Session, network: Network, actor: Actor, consortium: Consortium, data: dict, *,
             directory: Directory) -> Result:
    access.require_active(consortium)
    access.require_admin_or_lead(session, actor, consortium)
    role = resolve_role(session, consortium, data["role"])
    target = data["target"]
    ended = []
    for existing in _current(session, consortium, role.key):
        person = session.get(Person, existing.person_id) if existing.person_id else None
        org = session.get(Organisation, existing.organisation_id) if existing.organisation_id else None
        if "user" in target and person is not None and person.username == target["user"] or "organisation" in target and org is not None and \
                search_key(org.short_name) == search_key(target["organisation"]):
            ended.append(existing)
    if not ended:
        if "user" in target:
            shown = f"@{target['user']}"
        else:
            shown = escape_markdown(find_organisation(session, network, target["organisation"]).short_name)
        raise NotFound(_("{holder} does not hold the role “{role}”.", holder=shown, role=role.label))
    labels = []
    now = utcnow()
    for existing in ended:
        labels.append(_label_of(session, existing))
        existing.ended_at = now
        existing.ended_by_id = actor.id
        audit(session, actor, "role.unassign", consortium_id=consortium.id, target_type="role_assignment",
              target_id=existing.id, before={"role": role.key, "holder": labels[-1]})
    consortium.last_activity_at = utcnow()
    holder = ", ".join(labels)
    news = _("🎭 {holder} no longer holds the role “{role}” (@{actor}).", holder=holder, role=role.label,
             actor=actor.username)
    if role.key == LEAD:
        news += " " + _("The consortium has no lead partner for now.")
    return Result(_("Role “{role}” taken back from {holder}.", role=role.label, holder=holder), news=news)


_HOLDER, _ORG, _BY, _ENDER = aliased(Person), aliased(Organisation), aliased(Person), aliased(Person)
_ASSIGNMENTS = (select(RoleAssignment, _HOLDER.username, _ORG.short_name, _BY.username, _ENDER.username)
                .outerjoin(_HOLDER, _HOLDER.id == RoleAssignment.person_id)
                .outerjoin(_ORG, _ORG.id == RoleAssignment.organisation_id)
                .outerjoin(_BY, _BY.id == RoleAssignment.assigned_by_id)
                .outerjoin(_ENDER, _ENDER.id == RoleAssignment.ended_by_id))


def assignments(session: Session, consortium: Consortium, *, include_ended: bool = False) -> list[AssignmentView]:
    """Current assignments (or the whole history), oldest first, in three joined reads."""
    query = _ASSIGNMENTS.where(RoleAssignment.consortium_id == consortium.id)
    if not include_ended:
        query = query.where(RoleAssignment.ended_at.is_(None))
    roles = {role.key: role for role in catalog(session, consortium)}
    views = []
    for assignment, person, organisation, assigned_by, ended_by in session.execute(
            query.order_by(RoleAssignment.assigned_at, RoleAssignment.id)):
        role = roles.get(assignment.role_key) or RoleInfo(assignment.role_key, assignment.role_key, "", True)
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
    """Rows for the JSON API (``RoleAssignmentOutSchema``) and the CSV export."""
    return [{
        "role": v.role.key, "label": v.role.label, "custom": v.role.custom, "person": v.person,
        "organisation": v.organisation, "assigned_at": v.assignment.assigned_at, "assigned_by": v.assigned_by,
        "ended_at": v.assignment.ended_at, "ended_by": v.ended_by,
    } for v in views]


def export(session: Session, actor: Actor, consortium: Consortium, *, semicolon: bool = False, tz=None) -> Result:
    """Queue the roles register (with its history) as a CSV file posted in the channel."""
    access.require_member(session, actor, consortium)
    header = [_("Role"), _("Label"), _("Person"), _("Organisation"), _("Since"), _("Assigned by"), _("Until"),
              _("Ended by")]

    def when(moment):
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment and tz else (
            moment.strftime("%Y-%m-%d %H:%M") if moment else "")

    rows = [[r["role"], r["label"], r["person"] and f"@{r['person']}", r["organisation"], when(r["assigned_at"]),
             r["assigned_by"] and f"@{r['assigned_by']}", when(r["ended_at"]), r["ended_by"] and f"@{r['ended_by']}"]
            for r in as_dicts(assignments(session, consortium, include_ended=True))]
    content = to_csv(header, rows, semicolon=semicolon)
    name = f"roles-{consortium.slug}-{utcnow().strftime('%Y%m%d')}.csv"
    queue(session, "mattermost.upload", {
        "consortium_id": consortium.id,
        "message": _("📎 Roles register of “{name}”, exported by @{actor}.", name=escape_markdown(consortium.name),
                     actor=actor.username),
        "files": [{"name": name, "content": base64.b64encode(content).decode("ascii")}],
    }, consortium_id=consortium.id)
    audit(session, actor, "role.export", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    return Result(ngettext("The CSV export ({n} row) will be attached in the channel in a moment.",
                           "The CSV export ({n} rows) will be attached in the channel in a moment.", len(rows)))


def summary_text(pairs: list[tuple[str, str]], custom_labels: dict[str, str] | None = None) -> str:
    """``/consortium info``'s roles line from ``Overview.roles`` ((key, "@u / ORG") pairs), escaped."""
    grouped: dict[str, list[str]] = {}
    for key, holder in pairs:
        shown = " / ".join(part if part.startswith("@") else escape_markdown(part) for part in holder.split(" / "))
        grouped.setdefault(key, []).append(shown)
    order = {key: i for i, key in enumerate(BUILTIN_ROLES)}
    return "; ".join(f"**{escape_markdown(role_label(key, custom_labels))}** {', '.join(holders)}"
                     for key, holders in sorted(grouped.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
