"""Mattermost deliveries: posts, updates, pins, direct messages, channel membership.

Creating a post is the one call here that is not idempotent (pins, edits, membership,
channel adoption are). Every post goes through :func:`post_once`: its result is recorded
in the outbox row as soon as it is known, it carries an idempotency key (the message id
and the step), and a message taken over after a crash or a lost answer first looks up
the post its earlier attempt may have created.
"""
from __future__ import annotations

from sqlalchemy import select

from integrations.mattermost.client import MattermostForbidden
from models import Consortium, FoundationDialogue, WorkingSession
from plugin.delivery import Deliverer, DeliveryContext, Permanent, Retry, Waiting

# Where a delivered post's id may be written back: "name" -> (model, column).
POST_REFERENCES = {
    "consortium.welcome_post_id": (Consortium, "welcome_post_id"),
    "session.card_post_id": (WorkingSession, "card_post_id"),
    "dialogue.root_post_id": (FoundationDialogue, "root_post_id"),
}


def client_of(ctx: DeliveryContext):
    client = ctx.services.mattermost()
    if client is None:
        raise Retry("Mattermost is not connected (CONSORTIA_MATTERMOST_URL is not set)", retry_after=3600)
    return client


def channel_of(ctx: DeliveryContext, payload: dict) -> str:
    if payload.get("channel_id"):
        return payload["channel_id"]
    with ctx.services.db.reader() as session:
        consortium = session.get(Consortium, payload.get("consortium_id") or ctx.consortium_id)
        if consortium is None:
            raise Permanent("consortium no longer exists")
        channel = consortium.dialogue_channel_id if payload.get("target") == "dialogue" else consortium.channel_id
    if not channel:
        raise Waiting("the consortium's channel is not created yet")
    return channel


def read_reference(ctx: DeliveryContext, reference: dict) -> str | None:
    model, column = POST_REFERENCES[reference["name"]]
    with ctx.services.db.reader() as session:
        row = session.get(model, reference["id"])
        return getattr(row, column) if row is not None else None


def write_reference(ctx: DeliveryContext, reference: dict, post_id: str) -> None:
    model, column = POST_REFERENCES[reference["name"]]
    with ctx.services.db.transaction() as session:
        row = session.get(model, reference["id"])
        if row is not None:
            setattr(row, column, post_id)


def root_of(ctx: DeliveryContext, payload: dict) -> str | None:
    if payload.get("root_id"):
        return payload["root_id"]
    if payload.get("root_ref"):
        root = read_reference(ctx, payload["root_ref"])
        if not root:
            raise Waiting("the thread's root post is not posted yet")
        return root
    return None


def post_once(ctx: DeliveryContext, step: str, channel_id: str, message: str, *, props: dict | None = None,
              root_id: str | None = None, file_ids: list[str] | None = None) -> str:
    """Create the post of ``step`` of this outbox message at most once; returns its id.

    The id is recorded in the outbox row right away. A message claimed before (a worker
    died, or an earlier attempt ended without knowing whether Mattermost made the post)
    first searches the channel's posts since its first claim for its key; within one
    call, the client does the same before each retry (``MattermostClient.create_post``).
    """
    done = ctx.progress.get(step)
    if done:
        return done
    client = client_of(ctx)
    key = ctx.idempotency_key(step)
    found = None
    if ctx.resumed:
        found = client.find_post_by_key(channel_id, key, ctx.started_at.timestamp() if ctx.started_at else 0.0)
    created = found or client.create_post(channel_id, message, props=props, root_id=root_id, file_ids=file_ids,
                                          idempotency_key=key)
    ctx.record(step, created["id"])
    return created["id"]


def direct_message_once(ctx: DeliveryContext, step: str, user_id: str, message: str, *,
                        props: dict | None = None) -> str:
    """A direct message from the bot, at most once (opening the DM channel is idempotent)."""
    channel = client_of(ctx).direct_channel(user_id)["id"]
    return post_once(ctx, step, channel, message, props=props)


def post(ctx: DeliveryContext, payload: dict) -> None:
    """Post in a channel; ``store`` writes the post id back to its row (the card of a session...)."""
    store = payload.get("store")
    if store and read_reference(ctx, store):
        return
    post_id = post_once(ctx, "post", channel_of(ctx, payload), payload["message"], props=payload.get("props"),
                        root_id=root_of(ctx, payload), file_ids=payload.get("file_ids"))
    if store:
        write_reference(ctx, store, post_id)
    if payload.get("pin"):
        client_of(ctx).pin_post(post_id)  # pinning twice is harmless


def update_post(ctx: DeliveryContext, payload: dict) -> None:
    post_id = payload.get("post_id") or (read_reference(ctx, payload["ref"]) if payload.get("ref") else None)
    if not post_id:
        raise Waiting("the post to update is not posted yet")
    client_of(ctx).update_post(post_id, message=payload.get("message"), props=payload.get("props"))


def direct_message(ctx: DeliveryContext, payload: dict) -> None:
    direct_message_once(ctx, "dm", payload["user_id"], payload["message"], props=payload.get("props"))


def ephemeral(ctx: DeliveryContext, payload: dict) -> None:
    client = client_of(ctx)
    try:
        client.create_ephemeral_post(payload["user_id"], channel_of(ctx, payload), payload["message"])
    except MattermostForbidden:
        # Only system admins may post ephemeral messages through the API (create_post_ephemeral):
        # a bot without that right tells the person in a direct message instead.
        direct_message_once(ctx, "ephemeral-dm", payload["user_id"], payload["message"])


def add_member(ctx: DeliveryContext, payload: dict) -> None:
    client_of(ctx).add_channel_member(channel_of(ctx, payload), payload["user_id"])


def remove_member(ctx: DeliveryContext, payload: dict) -> None:
    client_of(ctx).remove_channel_member(channel_of(ctx, payload), payload["user_id"])


def archive_channel(ctx: DeliveryContext, payload: dict) -> None:
    client_of(ctx).archive_channel(channel_of(ctx, payload))


def upload(ctx: DeliveryContext, payload: dict) -> None:
    """Attach a file (exports) in a channel, or in a direct message when ``direct_to`` names a user."""
    import base64

    client = client_of(ctx)
    channel = client.direct_channel(payload["direct_to"])["id"] if payload.get("direct_to") else \
        channel_of(ctx, payload)
    attach_once(ctx, channel, lambda: [(f["name"], base64.b64decode(f["content"])) for f in payload["files"]],
                payload.get("message", ""), root_id=payload.get("root_id"))


def attach_once(ctx: DeliveryContext, channel: str, files, message: str, *, root_id: str | None = None) -> str:
    """Upload ``files()`` ((name, bytes) pairs) and post them with ``message``, each at most once."""
    file_ids = ctx.progress.get("files")
    if not file_ids:  # an upload without its post is an orphan file, never a visible duplicate
        client = client_of(ctx)
        file_ids = [client.upload_file(channel, name, content) for name, content in files()]
        ctx.record("files", file_ids)
    return post_once(ctx, "post", channel, message, file_ids=file_ids, root_id=root_id)


def team_id(ctx: DeliveryContext, session, consortium: Consortium) -> str:
    from models import Network

    network = session.get(Network, consortium.network_id)
    if network.team_id:
        return network.team_id
    team_name = ctx.services.settings.mattermost_team or network.team_name
    team = client_of(ctx).get_team_by_name(team_name)
    network.team_id = team["id"]
    return team["id"]


__all__ = ["POST_REFERENCES", "select"]


# The generic deliverers, for the rows any feature queues (the registry adds them to the features').
DELIVERERS: dict[str, Deliverer] = {
    "mattermost.post": post,
    "mattermost.update_post": update_post,
    "mattermost.dm": direct_message,
    "mattermost.ephemeral": ephemeral,
    "mattermost.add_member": add_member,
    "mattermost.remove_member": remove_member,
    "mattermost.archive_channel": archive_channel,
    "mattermost.upload": upload,
}
