"""The web pages' use cases: the admin's dashboard and consortium page (and the two actions on it), and
the public profile. The AMI's pages run the AMI's use cases."""
from __future__ import annotations

from marshmallow import Schema, fields

from models import STAGES, Consortium, new_token
from plugin.features.consortium import api as consortia
from plugin.features.decisions.api import decisions_taken
from plugin.i18n import _l
from plugin.kernel import access
from plugin.kernel.audit import audit
from plugin.kernel.errors import NotFound
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.usecase import Ctx, use_case

from plugin.features.pages.outcomes import (
    Board, ConsortiumView, Profile, ProfileLinkRenewed, ProfileNotFound, Relaunched,
)
from plugin.features.pages.board import board_of
from plugin.features.pages.readmodels import consortium_by_profile_token, consortium_page

PER_PAGE = 50


class DashboardSchema(Schema):
    theme = fields.String(load_default="")
    stage = fields.String(load_default="")
    page = fields.Integer(load_default=1)


class SlugSchema(Schema):
    slug = fields.String(required=True)


class ProfileSchema(Schema):
    slug = fields.String(required=True)
    token = fields.String(required=True)


@use_case("pages.dashboard", schema=DashboardSchema, consortium="none", read_only=True)
def show_dashboard(ctx: Ctx, data: dict) -> Board:
    access.require_admin(ctx.actor)   # before anything kept is served
    theme = data["theme"][:200]
    stage = data["stage"] if data["stage"] in STAGES else ""
    return board_of(ctx.session, ctx.network, theme=theme, stage=stage, page=max(1, min(data["page"], 100_000)),
                    per_page=PER_PAGE, now=ctx.now)


def _consortium(ctx: Ctx, slug: str) -> Consortium:
    consortium = consortium_by_slug(ctx.session, slug[:64])
    if consortium is None or consortium.network_id != ctx.network.id:
        raise NotFound(_l("There is no consortium “{slug}”.", slug=slug[:64]))
    return consortium


@use_case("pages.consortium", schema=SlugSchema, consortium="none", read_only=True)
def show_consortium(ctx: Ctx, data: dict) -> ConsortiumView:
    access.require_admin(ctx.actor)
    consortium = _consortium(ctx, data["slug"])
    return ConsortiumView(consortium, consortium_page(ctx.session, consortium, now=ctx.now))


@use_case("pages.profile", schema=ProfileSchema, consortium="none", read_only=True)
def show_profile(ctx: Ctx, data: dict) -> Profile | ProfileNotFound:
    """The public profile: reachable with its secret link only, without the consortium's private parts."""
    consortium = consortium_by_profile_token(ctx.session, data["slug"], data["token"])
    if consortium is None:
        return ProfileNotFound()
    return Profile(consortium, consortium_page(ctx.session, consortium, now=ctx.now, private=False),
                   decisions_taken(ctx.session, consortium.id))


@use_case("pages.retry_provisioning", schema=SlugSchema, consortium="none")
def retry_provisioning(ctx: Ctx, data: dict) -> Relaunched:
    access.require_admin(ctx.actor)
    consortium = _consortium(ctx, data["slug"])
    access.require_active(consortium)
    failed = [s.step for s in consortium.steps if s.status in ("failed", "pending")]
    consortia.provision(ctx.session, ctx.network, ctx.actor, {"name": consortium.name}, directory=ctx.directory,
                        caldav_enabled=ctx.runtime.settings.caldav_configured, reuse_existing=True)
    return Relaunched(consortium, failed)


@use_case("pages.profile_link", schema=SlugSchema, consortium="none")
def renew_profile_link(ctx: Ctx, data: dict) -> ProfileLinkRenewed:
    access.require_admin(ctx.actor)
    consortium = _consortium(ctx, data["slug"])
    consortium.profile_token = new_token()
    audit(ctx.session, ctx.actor, "consortium.profile_link", consortium_id=consortium.id, target_type="consortium",
          target_id=consortium.id)
    return ProfileLinkRenewed(consortium)
