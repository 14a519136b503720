"""REST handlers for channels and their members (public, private and direct)."""

from __future__ import annotations

from .base import API, CHANNEL_NAME_RE, Ctx, EmulatorAppError, bad, forbidden, qbool, require_object, require_str, route
from .state import State


# ---------------------------------------------------------------- channels

@route("POST", API + "/channels")
def create_channel(st: State, ctx: Ctx):
    body = require_object(ctx)
    team = st.get_team(require_str(body, "team_id"))
    name = body.get("name") or ""
    ctype = body.get("type") or ""
    display_name = body.get("display_name") or ""
    if ctype not in ("O", "P"):
        raise bad("model.channel.is_valid.type.app_error", "Invalid type.")
    if not isinstance(name, str) or not (1 < len(name) <= 64) or not CHANNEL_NAME_RE.match(name) \
            or len(name) == 26 and "__" in name:
        raise bad("model.channel.is_valid.2_or_more.app_error",
                  "Name must be 2 or more lowercase alphanumeric characters.", f"name={name!r}")
    if not isinstance(display_name, str) or not display_name.strip() or len(display_name) > 64:
        raise bad("model.channel.is_valid.display_name.app_error", "Invalid display name.")
    for k in ("purpose", "header"):
        if k in body and not isinstance(body[k], str):
            raise bad("api.context.invalid_body_param.app_error", f"Invalid {k}.")
    if len(body.get("purpose") or "") > 250:
        raise bad("model.channel.is_valid.purpose.app_error", "Invalid purpose.")
    if len(body.get("header") or "") > 1024:
        raise bad("model.channel.is_valid.header.app_error", "Invalid header.")
    u = ctx.user
    if not (st.is_admin(u) or (st.in_team(u["id"], team["id"]) and "system_guest" not in u["roles"].split())):
        raise forbidden(f"create_{'public' if ctype == 'O' else 'private'}_channel")
    if st.channel_by_name(team["id"], name):
        raise bad("store.sql_channel.save_channel.exists.app_error",
                  "A channel with that name already exists on the same team.")
    ch = st.new_channel(team["id"], name, display_name, ctype, u["id"],
                        purpose=body.get("purpose") or "", header=body.get("header") or "")
    st.add_channel_member(ch["id"], u["id"], admin=True)
    return 201, ch


@route("GET", API + "/channels/{channel_id}")
def get_channel(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    return ch


def _channel_by_name_for(st: State, ctx: Ctx, team: dict, name: str) -> dict:
    ch = st.channel_by_name(team["id"], name)
    missing = EmulatorAppError(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.",
                               f"teamId={team['id']}, name={name}")
    if ch is None or (ch["delete_at"] and not qbool(ctx.query.get("include_deleted", "false"))):
        raise missing
    if ch["type"] == "O":
        if not (st.is_admin(ctx.user) or st.in_team(ctx.user["id"], team["id"])):
            raise forbidden("read_public_channel")
    elif not st.can_read_channel(ctx.user, ch):
        raise missing
    return ch


@route("GET", API + "/teams/{team_id}/channels/name/{channel_name}")
def channel_by_name(st: State, ctx: Ctx):
    team = st.get_team(ctx.params["team_id"])
    return _channel_by_name_for(st, ctx, team, ctx.params["channel_name"])


@route("GET", API + "/teams/name/{team_name}/channels/name/{channel_name}")
def channel_by_team_and_name(st: State, ctx: Ctx):
    team = st.team_by_name(ctx.params["team_name"])
    if team is None:
        raise EmulatorAppError(404, "app.team.get_by_name.missing.app_error", "Unable to find the existing team.")
    return _channel_by_name_for(st, ctx, team, ctx.params["channel_name"])


@route("PUT", API + "/channels/{channel_id}/patch")
def patch_channel(st: State, ctx: Ctx):
    body = require_object(ctx)
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_manage_channel(ctx.user, ch):
        raise forbidden("manage_channel_properties")
    if ch["delete_at"]:
        raise bad("api.channel.patch_update_channel.restricted_dm.app_error", "Cannot update an archived channel.")
    if "name" in body:
        name = body["name"]
        if ch["type"] in ("D", "G"):
            raise bad("api.channel.update_channel.tried.app_error", "Cannot rename a direct or group channel.")
        if not CHANNEL_NAME_RE.match(name or "") or len(name) > 64 or len(name) < 2:
            raise bad("model.channel.is_valid.2_or_more.app_error",
                      "Name must be 2 or more lowercase alphanumeric characters.")
        other = st.channel_by_name(ch["team_id"], name)
        if other is not None and other["id"] != ch["id"]:
            raise bad("store.sql_channel.update.exists.app_error", "A channel with that handle already exists.")
    if "display_name" in body and (not str(body["display_name"]).strip() or len(body["display_name"]) > 64):
        raise bad("model.channel.is_valid.display_name.app_error", "Invalid display name.")
    if len(body.get("purpose") or "") > 250:
        raise bad("model.channel.is_valid.purpose.app_error", "Invalid purpose.")
    if len(body.get("header") or "") > 1024:
        raise bad("model.channel.is_valid.header.app_error", "Invalid header.")
    for k in ("name", "display_name", "purpose", "header"):
        if k in body and body[k] is not None:
            ch[k] = body[k]
    ch["update_at"] = st.ts()
    return ch


@route("DELETE", API + "/channels/{channel_id}")
def delete_channel(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if ch["type"] in ("D", "G"):
        raise bad("api.channel.delete_channel.type.invalid", "Could not delete channel")
    if not st.can_manage_channel(ctx.user, ch):
        raise forbidden("delete_channel")
    if ch["name"] == "town-square":
        raise bad("api.channel.delete_channel.cannot.app_error", "Unable to delete the default channel town-square.")
    if ch["delete_at"]:
        raise bad("api.channel.delete_channel.deleted.app_error",
                  "The channel has been archived or deleted.")
    ch["delete_at"] = ch["update_at"] = st.ts()
    return {"status": "OK"}


@route("POST", API + "/channels/{channel_id}/restore")
def restore_channel(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not (ch["team_id"] and st.can_manage_team(ctx.user, ch["team_id"])) and not st.is_admin(ctx.user):
        raise forbidden("manage_team")
    if not ch["delete_at"]:
        raise bad("api.channel.restore_channel.restored.app_error", "Unable to unarchive channel. The channel is not archived.")
    ch["delete_at"] = 0
    ch["update_at"] = st.ts()
    return ch


@route("POST", API + "/channels/{channel_id}/members")
def add_channel_member(st: State, ctx: Ctx):
    body = require_object(ctx)
    ch = st.get_channel(ctx.params["channel_id"])
    user_id = require_str(body, "user_id")
    target = st.users.get(user_id)
    if target is None:
        raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
    if ch["type"] in ("D", "G"):
        raise bad("api.channel.add_user_to_channel.type.app_error", "Can not add user to this channel type.")
    me = ctx.user
    if user_id == me["id"] and ch["type"] == "O":
        allowed = st.is_admin(me) or (st.in_team(me["id"], ch["team_id"]) and "system_guest" not in me["roles"].split())
    else:
        allowed = st.can_manage_channel(me, ch)
    if not allowed:
        raise forbidden("manage_channel_members")
    if ch["delete_at"]:
        raise bad("api.channel.add_user.to.channel.failed.deleted.app_error",
                  "Failed to add user to channel because the channel has been archived.")
    if not st.in_team(user_id, ch["team_id"]):
        raise EmulatorAppError(403, "api.channel.add_members.user_denied",
                               "Channel membership denied to the following users because they are not members of the team.",
                               f"user_id={user_id}")
    return 201, st.add_channel_member(ch["id"], user_id)


@route("GET", API + "/channels/{channel_id}/members")
def channel_members(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    page = int(ctx.query.get("page", 0) or 0)
    per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
    members = list(st.channel_members.get(ch["id"], {}).values())
    return members[page * per_page:(page + 1) * per_page]


@route("GET", API + "/channels/{channel_id}/members/{user_id}")
def channel_member(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
    m = st.channel_members.get(ch["id"], {}).get(uid)
    if m is None:
        raise EmulatorAppError(404, "app.channel.get_member.missing.app_error",
                               "No channel member found for that user ID and channel ID.")
    return m


@route("DELETE", API + "/channels/{channel_id}/members/{user_id}")
def remove_channel_member(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
    if ch["type"] in ("D",):
        raise bad("api.channel.remove_user_from_channel.direct.app_error", "Cannot remove user from a direct message channel.")
    if uid != ctx.user["id"] and not st.can_manage_channel(ctx.user, ch):
        raise forbidden("manage_channel_members")
    if ch["name"] == "town-square":
        raise bad("api.channel.remove.default.app_error", "Unable to remove user from the default channel town-square.")
    if uid not in st.channel_members.get(ch["id"], {}):
        raise EmulatorAppError(404, "app.channel.get_member.missing.app_error",
                               "No channel member found for that user ID and channel ID.")
    del st.channel_members[ch["id"]][uid]
    return {"status": "OK"}


@route("POST", API + "/channels/direct")
def direct_channel(st: State, ctx: Ctx):
    ids = ctx.body
    if not isinstance(ids, list) or len(ids) != 2 or not all(isinstance(i, str) for i in ids):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
    for i in ids:
        if i not in st.users:
            raise bad("api.channel.create_direct_channel.invalid_user.app_error", "Invalid user ID for direct channel creation.", i)
    if ctx.user["id"] not in ids and not st.is_admin(ctx.user):
        raise forbidden("manage_system")
    name = "__".join(sorted(ids))
    ch = st.channel_by_name("", name)
    if ch is None:
        ch = st.new_channel("", name, "", "D", ctx.user["id"])
        for i in set(ids):
            st.add_channel_member(ch["id"], i)
    return 201, ch


@route("GET", API + "/users/{user_id}/teams/{team_id}/channels")
def user_team_channels(st: State, ctx: Ctx):
    user = st.get_user(ctx, ctx.params["user_id"])
    team = st.get_team(ctx.params["team_id"])
    if user["id"] != ctx.user["id"] and not st.is_admin(ctx.user):
        raise forbidden("edit_other_users")
    if not st.in_team(user["id"], team["id"]):
        raise forbidden("view_team")
    include_deleted = qbool(ctx.query.get("include_deleted", "false"))
    return [c for c in st.channels.values()
            if c["team_id"] in (team["id"], "") and user["id"] in st.channel_members.get(c["id"], {})
            and (include_deleted or not c["delete_at"])]
