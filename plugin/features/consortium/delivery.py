"""Where the consortium's outbox rows go: provisioning a consortium step by step (each step records
its outcome, PRODUCT.md §5), refreshing its channel texts, the goodbye of an archived consortium."""
from __future__ import annotations

import logging

from sqlalchemy import select

from models import Consortium, Membership, Person, ProvisioningStep, utcnow
from plugin.delivery import DeliveryContext, Permanent, Retry
from plugin.delivery.mattermost import channel_of, client_of, post_once, team_id
from plugin.i18n import _, use_locale
from plugin.kernel.events import decode
from plugin.kernel.languages import channel_locale

from plugin.features.consortium.events import ConsortiumArchived
from plugin.features.consortium.render import archived_notice, channel_header, channel_purpose, welcome_message

log = logging.getLogger(__name__)

ORDER = ("channel", "members", "caldav", "welcome")
NEEDS_CHANNEL = {"members", "welcome"}


def _set(ctx: DeliveryContext, consortium_id: int, step: str, status: str, detail: str = "") -> None:
    with ctx.services.db.transaction() as session:
        row = session.scalar(select(ProvisioningStep).where(ProvisioningStep.consortium_id == consortium_id,
                                                            ProvisioningStep.step == step))
        if row is not None:
            row.status, row.detail, row.attempts = status, detail[:2000], row.attempts + 1
            row.updated_at = utcnow()


def _step_channel(ctx: DeliveryContext, consortium_id: int) -> str:
    client = client_of(ctx)
    with ctx.services.db.transaction() as session:
        consortium = session.get(Consortium, consortium_id)
        team = team_id(ctx, session, consortium)
        with use_locale(ctx.services.settings.locale):
            header = channel_header(consortium, ctx.services.base_url)
            purpose = channel_purpose(consortium)
        name, display, private = consortium.slug, consortium.name, not consortium.is_public
    channel, created = client.ensure_channel(team, name, display[:64], purpose=purpose, header=header,
                                             private=private)
    if not created:  # adopted an existing channel: bring its header up to date
        client.patch_channel(channel["id"], header=header, purpose=purpose)
    with ctx.services.db.transaction() as session:
        consortium = session.get(Consortium, consortium_id)
        consortium.channel_id = channel["id"]
    return _("created") if created else _("adopted the existing channel")


def _step_members(ctx: DeliveryContext, consortium_id: int) -> str:
    client = client_of(ctx)
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        channel = consortium.channel_id
        users = list(session.execute(
            select(Person.username, Person.mattermost_user_id).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == consortium_id, Membership.left_at.is_(None),
                   Person.mattermost_user_id.is_not(None))))
        # The facilitator who created it follows the channel, without being a member organisation.
        creator = session.get(Person, consortium.created_by_id) if consortium.created_by_id else None
        if creator is not None and creator.mattermost_user_id:
            users.append((creator.username, creator.mattermost_user_id))
    present = client.channel_member_ids(channel)
    refused = []
    for username, user_id in users:
        if user_id in present:
            continue
        try:
            client.add_channel_member(channel, user_id)
        except Exception as error:
            if type(error).__name__ in ("MattermostForbidden", "MattermostNotFound", "MattermostBadRequest"):
                refused.append(f"@{username}")  # reported; the others are still added
                continue
            raise
    if refused:
        return _("Mattermost refused to add: {names}", names=", ".join(refused))
    return _("{n} members in the channel", n=len(users))


def _step_caldav(ctx: DeliveryContext, consortium_id: int) -> str:
    caldav = ctx.services.caldav()
    if caldav is None:
        return _("no CalDAV server configured")
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        slug, name, theme = consortium.slug, consortium.name, consortium.theme
        sharees = list(session.scalars(
            select(Person.username).join(Membership, Membership.person_id == Person.id)
            .where(Membership.consortium_id == consortium_id, Membership.left_at.is_(None))))
    url = caldav.ensure_calendar(f"consortia-{slug}", name, description=theme)
    shared = caldav.share_calendar(f"consortia-{slug}", sharees) if sharees else False
    with ctx.services.db.transaction() as session:
        session.get(Consortium, consortium_id).caldav_calendar_url = url
    return _("calendar ready, shared with the members") if shared else _("calendar ready")


def _step_welcome(ctx: DeliveryContext, consortium_id: int) -> str:
    client = client_of(ctx)
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, consortium_id)
        if consortium.welcome_post_id:
            return _("already posted")
        channel = consortium.channel_id
        with use_locale(ctx.services.settings.locale):
            message = welcome_message(consortium, ctx.services.base_url)
    post_id = post_once(ctx, "welcome", channel, message)
    with ctx.services.db.transaction() as session:
        session.get(Consortium, consortium_id).welcome_post_id = post_id
    client.pin_post(post_id)
    return _("posted and pinned")


STEPS = {"channel": _step_channel, "members": _step_members, "caldav": _step_caldav, "welcome": _step_welcome}


def run_steps(ctx: DeliveryContext, consortium_id: int) -> dict[str, str]:
    """Run every unfinished step; independent steps go on when one fails."""
    with ctx.services.db.reader() as session:
        if session.get(Consortium, consortium_id) is None:
            raise Permanent("consortium no longer exists")
        status = {row.step: row.status for row in session.scalars(
            select(ProvisioningStep).where(ProvisioningStep.consortium_id == consortium_id))}
    failures: list[str] = []
    retry_after = None
    for step in ORDER:
        if status.get(step) in ("done", "skipped", None):
            continue
        if step in NEEDS_CHANNEL and status.get("channel") != "done":
            failures.append(step)
            continue
        try:
            with use_locale(ctx.services.settings.locale):
                detail = STEPS[step](ctx, consortium_id)
            _set(ctx, consortium_id, step, "done", detail)
            status[step] = "done"
        except Exception as error:
            log.warning("provisioning step %s of consortium %s failed: %s", step, consortium_id, error)
            _set(ctx, consortium_id, step, "failed", f"{type(error).__name__}: {error}")
            status[step] = "failed"
            failures.append(step)
            retry_after = getattr(error, "retry_after", None) or retry_after
    if failures:
        raise Retry(f"provisioning steps not finished: {', '.join(failures)}", retry_after=retry_after)
    return status


def provision_run(ctx: DeliveryContext, payload: dict) -> None:
    run_steps(ctx, payload["consortium_id"])


def refresh_texts(ctx: DeliveryContext, payload: dict) -> None:
    """Re-render the channel header and the welcome post (queued by migration 0012: they held a feed link)."""
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, payload["consortium_id"])
        if consortium is None or not consortium.channel_id or consortium.archived_at is not None:
            return
        with use_locale(ctx.services.settings.locale):
            header = channel_header(consortium, ctx.services.base_url)
            welcome = welcome_message(consortium, ctx.services.base_url)
        channel, post = consortium.channel_id, consortium.welcome_post_id
    client = client_of(ctx)
    client.patch_channel(channel, header=header)
    if post:
        client.update_post(post, message=welcome)


def archived(ctx: DeliveryContext, payload: dict) -> None:
    """The goodbye in the channel (its language), then the channel archived: one row keeps the order."""
    event = decode(payload, (ConsortiumArchived,))
    channel = channel_of(ctx, {"consortium_id": event.consortium_id, "target": "channel"})
    with use_locale(channel_locale(ctx.services.settings)):
        post_once(ctx, "goodbye", channel, archived_notice(event.actor))
    client_of(ctx).archive_channel(channel)


DELIVERERS = {"provision.run": provision_run, "provision.refresh_texts": refresh_texts,
              "consortium.archived": archived}
