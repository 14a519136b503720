"""The consortium's use cases: create, look, manage members and stage, choose a language, archive,
the admin's dashboard link and the foundations' admin sub-command. Each returns an outcome
(``outcomes.py``), records what the channel should hear of (``events.py``), and refuses with a
``Refusal``. Every change is audited.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Membership, StageChange
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import Conflict, Forbidden, NotFound
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.outbox import queue
from plugin.kernel.people import resolve_usernames
from plugin.kernel.usecase import Ctx, use_case
from plugin.features.dialogues.api import can_see_public_profile
from plugin.features.registers.api import find_organisation
from plugin.features.sessions.api import feed_token_for

from plugin.features.consortium import records, schemas
from plugin.features.consortium.events import ConsortiumArchived, ConsortiumUnarchived
from plugin.features.consortium.outcomes import (
    AdminLink, Archived, ArchiveToConfirm, Found, Info, LanguageSet, MemberJoined, MemberLeft, Members, NetworkList, Provisioned,
    RepresentativeChanged, StageChanged, StageHistory, Unarchived,
)

MAGIC_LINK_MAX_AGE = timedelta(minutes=10)


def require_member(ctx: Ctx) -> None:
    """An admin or an active member (the runner read the membership with the consortium)."""
    if ctx.actor.is_admin or ctx.membership is not None:
        return
    raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=ctx.consortium.name))


# --- creating -------------------------------------------------------------------------------

@use_case("consortium.create", schema=schemas.ConsortiumCreateSchema, consortium="none")
def create(ctx: Ctx, data: dict) -> Provisioned:
    """`/consortium creer`: a duplicate (or look-alike) name is refused."""
    access.require_admin(ctx.actor)
    return records.provision(ctx.session, ctx.network, ctx.actor, data, directory=ctx.directory,
                             caldav_enabled=ctx.runtime.settings.caldav_configured, reuse_existing=False)


@use_case("consortium.provision", schema=schemas.ConsortiumCreateSchema, consortium="none")
def provision(ctx: Ctx, data: dict) -> Provisioned:
    """The API and the provisioning file: an existing name is completed, not duplicated."""
    provisioned = records.provision(ctx.session, ctx.network, ctx.actor, data, directory=ctx.directory,
                                    caldav_enabled=ctx.runtime.settings.caldav_configured, reuse_existing=True)
    provisioned.consortium.steps  # noqa: B018  (read now: the JSON shows them after the transaction)
    return provisioned


# --- reading --------------------------------------------------------------------------------

@use_case("consortium.info", schema=schemas.NoInput, read_only=True)
def info(ctx: Ctx, data: dict) -> Info:
    consortium, actor = ctx.consortium, ctx.actor
    full = actor.is_admin or ctx.membership is not None
    # A foundation's representative sees the public profile of the consortiums their foundation
    # has a dialogue with (or of a public consortium), and nothing else.
    if not full and not can_see_public_profile(ctx.session, consortium, actor.person):
        raise Forbidden(_l("This is reserved for the members of the consortium “{name}”.", name=consortium.name))
    view = records.overview(ctx.session, consortium, now=ctx.now)
    if not full:
        return Info(view, full=False)
    token = ctx.membership.feed_token if ctx.membership is not None else \
        feed_token_for(ctx.session, consortium, actor.person, is_admin=actor.is_admin)
    return Info(view, full=True, feed_token=token, decision_rule=view.decision_rule)


@use_case("consortium.members", schema=schemas.NoInput, read_only=True)
def members(ctx: Ctx, data: dict) -> Members:
    require_member(ctx)
    return Members(ctx.consortium, records.members(ctx.session, ctx.consortium))


@use_case("consortium.list", schema=schemas.NoInput, consortium="none", read_only=True)
def network_list(ctx: Ctx, data: dict) -> NetworkList:
    access.require_admin(ctx.actor)
    rows, total = records.network_list(ctx.session, ctx.network, limit=50)
    return NetworkList(rows, total)


@use_case("consortium.page", schema=schemas.PageSchema, consortium="none", read_only=True)
def page(ctx: Ctx, data: dict) -> NetworkList:
    """The JSON API's list (the system acts: the API token was checked)."""
    rows, total = records.network_list(ctx.session, ctx.network, limit=data["limit"], offset=data["offset"],
                                       with_steps=True)
    return NetworkList(rows, total, data["limit"], data["offset"])


@use_case("consortium.get", schema=schemas.SlugSchema, consortium="none", read_only=True)
def get(ctx: Ctx, data: dict) -> Found:
    consortium = consortium_by_slug(ctx.session, data["slug"][:64])
    if consortium is not None:
        consortium.steps  # noqa: B018  (read now: the JSON shows them after the transaction)
    return Found(consortium)


# --- members --------------------------------------------------------------------------------

@use_case("consortium.add", schema=schemas.MemberSchema)
def add(ctx: Ctx, data: dict) -> MemberJoined | RepresentativeChanged:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    access.require_active(consortium)
    access.require_admin_or_lead(session, actor, consortium)
    person = resolve_usernames(session, ctx.network, ctx.directory, [data["user"]])[data["user"]]
    organisation = find_organisation(session, ctx.network, data["organisation"]) if data.get("organisation") else None
    if organisation is not None and person.organisation_id is None:
        person.organisation_id = organisation.id
    membership = session.scalar(select(Membership).where(Membership.consortium_id == consortium.id,
                                                         Membership.person_id == person.id))
    if membership is not None and membership.left_at is None:
        if organisation is not None and membership.organisation_id != organisation.id:
            membership.organisation_id = organisation.id
            return RepresentativeChanged(person.username, organisation.short_name)
        raise Conflict(_l("@{user} is already a member of “{name}”.", user=person.username, name=consortium.name))
    if membership is None:
        membership = Membership(consortium_id=consortium.id, person_id=person.id, added_by_id=actor.id)
        session.add(membership)
    membership.left_at = None
    membership.organisation_id = organisation.id if organisation else person.organisation_id
    session.flush()
    audit(session, actor, "member.add", consortium_id=consortium.id, target_type="person", target_id=person.id,
          after={"username": person.username, "organisation": organisation.short_name if organisation else None})
    if person.mattermost_user_id:
        queue(session, "mattermost.add_member", {"consortium_id": consortium.id, "user_id": person.mattermost_user_id},
              consortium_id=consortium.id)
    records.touch(consortium, ctx.now)
    return MemberJoined(person.username, actor.username)


@use_case("consortium.remove", schema=schemas.RemoveSchema)
def remove(ctx: Ctx, data: dict) -> MemberLeft:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    access.require_active(consortium)
    access.require_admin_or_lead(session, actor, consortium)
    person = resolve_usernames(session, ctx.network, ctx.directory, [data["user"]])[data["user"]]
    membership = access.active_membership(session, consortium, person)
    if membership is None:
        raise NotFound(_l("@{user} is not a member of “{name}”.", user=person.username, name=consortium.name))
    records.leave(session, membership, ctx.now)
    audit(session, actor, "member.remove", consortium_id=consortium.id, target_type="person", target_id=person.id,
          before={"username": person.username})
    if person.mattermost_user_id:
        queue(session, "mattermost.remove_member",
              {"consortium_id": consortium.id, "user_id": person.mattermost_user_id}, consortium_id=consortium.id)
    records.touch(consortium, ctx.now)
    return MemberLeft(person.username, actor.username)


# --- stage, language, archive ---------------------------------------------------------------

@use_case("consortium.stage", schema=schemas.StageSchema)
def stage(ctx: Ctx, data: dict) -> StageHistory | StageChanged:
    session, consortium, actor = ctx.session, ctx.consortium, ctx.actor
    wanted = data["stage"]
    if wanted is None:
        require_member(ctx)
        return StageHistory(consortium, records.stage_history(session, consortium))
    access.require_active(consortium)
    access.require_admin_or_lead(session, actor, consortium)
    if wanted == consortium.stage:
        raise Conflict(_l("The consortium is already at the stage “{stage}”.", stage=_stage_name(wanted)))
    before = consortium.stage
    consortium.stage = wanted
    session.add(StageChange(consortium_id=consortium.id, from_stage=before, to_stage=wanted, by_person_id=actor.id))
    audit(session, actor, "consortium.stage", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id, before={"stage": before}, after={"stage": wanted})
    records.touch(consortium, ctx.now)
    return StageChanged(before, wanted, actor.username)


STAGE_NAMES = {
    "emergence": _l("emergence"), "structuration": _l("structuring"), "formalise": _l("formalised"),
    "finance": _l("funded"), "clos": _l("closed"),
}


def _stage_name(stage: str):
    return STAGE_NAMES.get(stage, stage)


@use_case("consortium.language", schema=schemas.LanguageSchema, consortium="none")
def language(ctx: Ctx, data: dict) -> LanguageSet:
    actor = ctx.actor
    actor.person.locale = data["language"]
    actor.locale = data["language"]
    audit(ctx.session, actor, "person.language", target_type="person", target_id=actor.id,
          after={"locale": data["language"]})
    return LanguageSet(data["language"])


@use_case("consortium.archive", schema=schemas.ArchiveSchema)
def archive(ctx: Ctx, data: dict) -> Archived | ArchiveToConfirm:
    """Archiving closes the channel for everyone: asked for with a button, unless `--confirmer` says so."""
    _require_archivable(ctx)
    if not data["confirm"]:
        return ArchiveToConfirm(ctx.consortium)
    return _archive(ctx)


@use_case("consortium.archive_confirmed", schema=schemas.ConfirmSchema)
def archive_confirmed(ctx: Ctx, data: dict) -> Archived:
    """The confirmation button (signed for the admin who asked, single-use): checked again when pressed."""
    _require_archivable(ctx)
    return _archive(ctx)


def _require_archivable(ctx: Ctx) -> None:
    access.require_admin(ctx.actor)
    if ctx.consortium.archived_at is not None:
        raise Conflict(_l("The consortium “{name}” is already archived.", name=ctx.consortium.name))


def _archive(ctx: Ctx) -> Archived:
    consortium, actor = ctx.consortium, ctx.actor
    consortium.archived_at = ctx.now
    audit(ctx.session, actor, "consortium.archive", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    # One outbox row says goodbye in the channel, then archives it (in that order).
    ctx.record(ConsortiumArchived(consortium_id=consortium.id, actor=actor.username))
    return Archived(consortium)


@use_case("consortium.unarchive", schema=schemas.NoInput)
def unarchive(ctx: Ctx, data: dict) -> Unarchived:
    consortium, actor = ctx.consortium, ctx.actor
    access.require_admin(actor)
    if consortium.archived_at is None:
        raise Conflict(_l("The consortium “{name}” is not archived.", name=consortium.name))
    consortium.archived_at = None
    audit(ctx.session, actor, "consortium.unarchive", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    records.touch(consortium, ctx.now)
    # One outbox row restores the channel, then says so in it.
    ctx.record(ConsortiumUnarchived(consortium_id=consortium.id, actor=actor.username))
    return Unarchived(consortium)


# --- the admin's way to the web dashboard ---------------------------------------------------

@use_case("consortium.admin_link", schema=schemas.NoInput, consortium="none")
def admin_link(ctx: Ctx, data: dict) -> AdminLink:
    """A signed, single-use, short-lived link to the web dashboard (ephemeral)."""
    access.require_admin(ctx.actor)
    actor = ctx.actor
    token = ctx.runtime.signer.sign("magic", {"p": actor.id, "n": ctx.network.id, "l": actor.locale},
                                    single_use=True)
    return AdminLink(token, int(MAGIC_LINK_MAX_AGE.total_seconds() // 60))
