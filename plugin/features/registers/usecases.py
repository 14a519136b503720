"""The roles register's and the organisations' use cases (commitments: ``usecases_commitments.py``).

Each returns an outcome (``outcomes.py``), records what others must hear of (``events.py``), and
refuses with a ``Refusal``. Every change is audited.
"""
from __future__ import annotations

from sqlalchemy import func, select

from models import RoleAssignment
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Invalid, NotFound
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.people import resolve_usernames
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.registers import schemas
from plugin.features.registers.events import RegisterExported
from plugin.features.registers.names import role_and_organisation
from plugin.features.registers.organisations import (
    create_organisation, find_organisation, list_organisations, search_key,
)
from plugin.features.registers.outcomes import (
    ExportQueued, OrganisationAdded, Organisations, RoleGiven, Roles, RolesHistory, RolesRegister, RoleTaken,
    UnknownConsortium,
)
from plugin.features.registers.roles import (
    LEAD, Holder, RoleInfo, assignments, catalog, create_custom, current, history, holder_of, lookup_role,
    require_admin_or_lead, require_member, resolve_role,
)


@use_case("registers.roles", read_only=True)
def list_roles(ctx: Ctx, data: dict) -> Roles:
    # Members and admins; a foundation sees the roles in the public profile (`/consortium info`).
    require_member(ctx)
    roles = catalog(ctx.session, ctx.consortium)
    return Roles(ctx.consortium.name, roles, assignments(ctx.session, ctx.consortium, roles=roles))


def _holder(ctx: Ctx, data: dict):
    """The person and/or the organisation named; a person must be a member."""
    session, consortium, target = ctx.session, ctx.consortium, data["target"]
    person = organisation = None
    if "user" in target:
        person = resolve_usernames(session, ctx.network, ctx.directory, [target["user"]])[target["user"]]
        if not access.is_member(session, consortium, person):
            raise NotFound(_l("@{user} is not a member of “{name}”: add them first with "
                              "`/consortium add @{user}`.", user=person.username, name=consortium.name))
    else:
        organisation = find_organisation(session, ctx.network, target["organisation"])
    if data.get("organisation"):
        if organisation is not None:
            raise Invalid(_l("Name the organisation once: `/role assign <role> @user --organisation <org>`."))
        organisation = find_organisation(session, ctx.network, data["organisation"])
    return person, organisation


def _settle_names(ctx: Ctx, data: dict, roles: list[RoleInfo], command: str) -> tuple[RoleInfo | None, dict]:
    """The role and the holder named. The parser leaves the last word for the holder: when the words before
    it name no known role (`chef de file ACI Lyon` + `Sud`), all the words are split against the registers
    (`chef de file` + `ACI Lyon Sud`). The role is None when no known role starts the words (the caller
    refuses it, or creates it with ``--new``)."""
    role, target = lookup_role(data["role"], roles), data["target"]
    if role is not None or "organisation" not in target or data.get("organisation"):
        return role, target
    words = data.get("words") or []
    if len(words) > 2 and not data.get("new"):
        if (split := role_and_organisation(ctx.session, ctx.network, roles, words, command)) is not None:
            return split[0], {"organisation": split[1].short_name}
    return role, target


@use_case("registers.assign", schema=schemas.RoleAssignSchema)
def assign(ctx: Ctx, data: dict) -> RoleGiven:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    access.require_active(consortium)
    require_admin_or_lead(ctx)
    roles = catalog(session, consortium)
    role, target = _settle_names(ctx, data, roles, "assign")
    if role is None:
        try:
            role = resolve_role(roles, data["role"])
        except NotFound:
            if not data.get("new"):
                raise
            role = create_custom(ctx, data["role"])
    person, organisation = _holder(ctx, {**data, "target": target})
    holder = Holder(person.username if person else None, organisation.short_name if organisation else None)
    existing_rows = current(session, consortium, role.key)
    for existing in existing_rows:
        if existing.person_id == (person.id if person else None) and \
                existing.organisation_id == (organisation.id if organisation else None):
            raise Conflict(_l("{holder} already holds the role “{role}”.", holder=holder.plain(), role=role.label))
    replaced: list[Holder] = []
    if existing_rows and (role.key == LEAD or data.get("replace")):
        if not data.get("replace"):
            target = "@" + person.username if person and not organisation else \
                (organisation.short_name if organisation else "")
            raise Conflict(
                _l("{holder} is already the lead partner: a consortium has one at a time.",
                   holder=", ".join(holder_of(session, a).plain() for a in existing_rows)),
                usage=_l("To hand the role over, say so: `/role assign {role} {target} --replace`.",
                         role=role.key, target=target))
        for existing in existing_rows:
            replaced.append(holder_of(session, existing))
            existing.ended_at = ctx.now
            existing.ended_by_id = actor.id
    assignment = RoleAssignment(consortium_id=consortium.id, role_key=role.key,
                                person_id=person.id if person else None,
                                organisation_id=organisation.id if organisation else None,
                                assigned_by_id=actor.id)
    session.add(assignment)
    session.flush()
    audit(session, actor, "role.replace" if replaced else "role.assign", consortium_id=consortium.id,
          target_type="role_assignment", target_id=assignment.id,
          before={"holders": [h.plain() for h in replaced]} if replaced else None,
          after={"role": role.key, "person": holder.person, "organisation": holder.organisation})
    consortium.last_activity_at = ctx.now
    return RoleGiven(role, holder, actor.username, replaced)


@use_case("registers.unassign", schema=schemas.RoleAssignSchema)
def unassign(ctx: Ctx, data: dict) -> RoleTaken:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    access.require_active(consortium)
    require_admin_or_lead(ctx)
    roles = catalog(session, consortium)
    role, target = _settle_names(ctx, data, roles, "unassign")
    role = role or resolve_role(roles, data["role"])
    holders = [(existing, holder_of(session, existing)) for existing in current(session, consortium, role.key)]
    if "user" in target:
        shown = f"@{target['user']}"
        ended = [(row, holder) for row, holder in holders if holder.person == target["user"]]
    else:
        wanted = search_key(target["organisation"])
        ended = [(row, holder) for row, holder in holders
                 if holder.organisation is not None and search_key(holder.organisation) == wanted]
        if not ended:   # named by its full name, or unknown (refused)
            shown = find_organisation(session, ctx.network, target["organisation"]).short_name
            ended = [(row, holder) for row, holder in holders if holder.organisation == shown]
    if not ended:
        raise NotFound(_l("{holder} does not hold the role “{role}”.", holder=shown, role=role.label))
    for existing, holder in ended:
        existing.ended_at = ctx.now
        existing.ended_by_id = actor.id
        audit(session, actor, "role.unassign", consortium_id=consortium.id, target_type="role_assignment",
              target_id=existing.id, before={"role": role.key, "holder": holder.plain()})
    consortium.last_activity_at = ctx.now
    return RoleTaken(role, [holder for _row, holder in ended], actor.username, role.key == LEAD)


@use_case("registers.roles_history", read_only=True)
def roles_history(ctx: Ctx, data: dict) -> RolesHistory:
    require_member(ctx)
    return RolesHistory(ctx.consortium.name, history(ctx.session, ctx.consortium))


def export(ctx: Ctx, register: str, rows: int, semicolon: bool) -> ExportQueued:
    """Record the request; the file is made when delivered (``delivery.export``)."""
    consortium, actor = ctx.consortium, ctx.actor
    ctx.record(RegisterExported(consortium.id, register, actor.username, actor.locale, ctx.now.isoformat(),
                                semicolon))
    audit(ctx.session, actor, "role.export" if register == "roles" else "commitment.export",
          consortium_id=consortium.id, target_type="consortium", target_id=consortium.id)
    return ExportQueued(register, rows)


@use_case("registers.roles_export", schema=schemas.ExportSchema)
def roles_export(ctx: Ctx, data: dict) -> ExportQueued:
    require_member(ctx)
    rows = ctx.session.scalar(select(func.count(RoleAssignment.id))
                              .where(RoleAssignment.consortium_id == ctx.consortium.id)) or 0
    return export(ctx, "roles", rows, data["semicolon"])


@use_case("registers.organisation", schema=schemas.OrganisationCommandSchema, consortium="none")
def organisation(ctx: Ctx, data: dict) -> Organisations | OrganisationAdded:
    """`/role organisation`: the network's organisations, or a new one (admins)."""
    if data["action"] == "add":
        return OrganisationAdded(create_organisation(ctx.session, ctx.network, ctx.actor, data))
    return Organisations(list_organisations(ctx.session, ctx.network))


# --- the JSON API (the system: the consortium is named by its slug) ------------------------------

@use_case("registers.api_roles", schema=schemas.ApiRolesSchema, consortium="none", read_only=True)
def api_roles(ctx: Ctx, data: dict) -> RolesRegister | UnknownConsortium:
    consortium = consortium_by_slug(ctx.session, data["slug"][:64])
    if consortium is None:
        return UnknownConsortium()
    include_ended = data["history"].lower() in ("1", "true", "yes", "oui")
    roles = catalog(ctx.session, consortium)
    return RolesRegister(consortium.slug, roles,
                         assignments(ctx.session, consortium, include_ended=include_ended, roles=roles))
