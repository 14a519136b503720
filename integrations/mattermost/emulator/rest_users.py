"""REST handlers for users, access tokens, teams, bots and the system ping."""

from __future__ import annotations

from .base import (
    API, USERNAME_RE, Ctx, EmulatorAppError, bad, forbidden, new_id, qbool, require_object, require_str, route,
)
from .state import State


# ---------------------------------------------------------------- users

@route("GET", API + "/users/{user_id}")
def get_user(st: State, ctx: Ctx):
    return st.get_user(ctx, ctx.params["user_id"])


@route("GET", API + "/users/username/{username}")
def get_user_by_username(st: State, ctx: Ctx):
    u = st.user_by_name(ctx.params["username"].lower())
    if u is None:
        raise EmulatorAppError(404, "app.user.get_by_username.app_error", "Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.")
    return u


@route("GET", API + "/users/email/{email}")
def get_user_by_email(st: State, ctx: Ctx):
    email = ctx.params["email"].lower()
    for u in st.users.values():
        if u["email"].lower() == email:
            return u
    raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")


@route("POST", API + "/users/usernames")
def users_by_usernames(st: State, ctx: Ctx):
    if not isinstance(ctx.body, list):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing usernames in request body.")
    names = {str(n).lower() for n in ctx.body}
    return [u for u in st.users.values() if u["username"] in names]


@route("POST", API + "/users/ids")
def users_by_ids(st: State, ctx: Ctx):
    if not isinstance(ctx.body, list) or not ctx.body:
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing user_ids in request body.")
    return [st.users[i] for i in dict.fromkeys(ctx.body) if i in st.users]


@route("POST", API + "/users/{user_id}/tokens")
def create_access_token(st: State, ctx: Ctx):
    body = require_object(ctx)
    target = st.get_user(ctx, ctx.params["user_id"])
    if not st.is_admin(ctx.user):
        raise forbidden("create_user_access_token")
    description = require_str(body, "description")
    token = new_id()
    st.tokens[token] = target["id"]
    at = {"id": new_id(), "token": token, "user_id": target["id"], "description": description, "is_active": True}
    st.access_tokens[at["id"]] = at
    return 201, at


# ---------------------------------------------------------------- teams

@route("GET", API + "/teams/{team_id}")
def get_team(st: State, ctx: Ctx):
    t = st.get_team(ctx.params["team_id"])
    if not (st.is_admin(ctx.user) or st.in_team(ctx.user["id"], t["id"]) or t["allow_open_invite"]):
        raise forbidden("view_team")
    return t


@route("GET", API + "/teams/name/{name}")
def get_team_by_name(st: State, ctx: Ctx):
    t = st.team_by_name(ctx.params["name"])
    if t is None or t["delete_at"]:
        raise EmulatorAppError(404, "app.team.get_by_name.missing.app_error", "Unable to find the existing team.")
    if not (st.is_admin(ctx.user) or st.in_team(ctx.user["id"], t["id"]) or t["allow_open_invite"]):
        raise forbidden("view_team")
    return t


@route("POST", API + "/teams/{team_id}/members")
def add_team_member(st: State, ctx: Ctx):
    body = require_object(ctx)
    team = st.get_team(ctx.params["team_id"])
    if body.get("team_id") and body["team_id"] != team["id"]:
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing team_id in request body.")
    user_id = require_str(body, "user_id")
    user = st.users.get(user_id)
    if user is None:
        raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
    if not (st.can_manage_team(ctx.user, team["id"]) or (
            st.in_team(ctx.user["id"], team["id"]) and "system_guest" not in ctx.user["roles"].split()
            and "system_guest" not in user["roles"].split())):
        raise forbidden("add_user_to_team")
    return 201, st.add_team_member(team["id"], user_id)


@route("DELETE", API + "/teams/{team_id}/members/{user_id}")
def remove_team_member(st: State, ctx: Ctx):
    team = st.get_team(ctx.params["team_id"])
    uid = ctx.user["id"] if ctx.params["user_id"] == "me" else ctx.params["user_id"]
    if uid != ctx.user["id"] and not st.can_manage_team(ctx.user, team["id"]):
        raise forbidden("remove_user_from_team")
    member = st.team_members.get((team["id"], uid))
    if member is None or member["delete_at"]:
        raise EmulatorAppError(404, "app.team.get_member.missing.app_error",
                               "No team member found for that user ID and team ID.")
    member["delete_at"] = st.ts()
    # As Mattermost does: leaving a team leaves every channel of it (coming back restores none).
    for ch in st.channels.values():
        if ch["team_id"] == team["id"]:
            st.channel_members.get(ch["id"], {}).pop(uid, None)
    return {"status": "OK"}


@route("GET", API + "/users/{user_id}/teams")
def user_teams(st: State, ctx: Ctx):
    user = st.get_user(ctx, ctx.params["user_id"])
    if user["id"] != ctx.user["id"] and not st.is_admin(ctx.user):
        raise forbidden("read_other_users_teams")
    return [st.teams[tid] for (tid, uid), m in st.team_members.items()
            if uid == user["id"] and not m["delete_at"] and not st.teams[tid]["delete_at"]]


# ---------------------------------------------------------------- bots

@route("POST", API + "/bots")
def create_bot(st: State, ctx: Ctx):
    body = require_object(ctx)
    if not st.is_admin(ctx.user):
        raise forbidden("create_bot")
    username = require_str(body, "username").lower()
    if not USERNAME_RE.match(username):
        raise bad("model.user.is_valid.username.app_error", "Invalid username.")
    if st.user_by_name(username):
        raise bad("app.user.save.username_exists.app_error", "An account with that username already exists.")
    user = st.new_user(username, f"{username}@localhost", is_bot=True,
                       first_name=body.get("display_name") or "")
    bot = st.bots[user["id"]]
    bot.update(display_name=body.get("display_name") or "", description=body.get("description") or "",
               owner_id=ctx.user["id"])
    st.users[user["id"]]["bot_description"] = bot["description"]
    return 201, bot


@route("GET", API + "/bots")
def list_bots(st: State, ctx: Ctx):
    if not st.is_admin(ctx.user):
        raise forbidden("read_bots")
    include_deleted = qbool(ctx.query.get("include_deleted", "false"))
    page = int(ctx.query.get("page", 0) or 0)
    per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
    bots = [b for b in st.bots.values() if include_deleted or not b["delete_at"]]
    return bots[page * per_page:(page + 1) * per_page]


@route("GET", API + "/bots/{bot_user_id}")
def get_bot(st: State, ctx: Ctx):
    bot = st.bots.get(ctx.params["bot_user_id"])
    if bot is None or (bot["delete_at"] and not qbool(ctx.query.get("include_deleted", "false"))):
        raise EmulatorAppError(404, "store.sql_bot.get.missing.app_error", "Bot does not exist.")
    if not (st.is_admin(ctx.user) or bot["user_id"] == ctx.user["id"] or bot["owner_id"] == ctx.user["id"]):
        raise forbidden("read_bots")
    return bot


# ---------------------------------------------------------------- system

@route("GET", API + "/system/ping")
def ping(st: State, ctx: Ctx):
    return {"status": "OK", "ActiveSearchBackend": "database", "AndroidLatestVersion": "",
            "AndroidMinVersion": "", "IosLatestVersion": "", "IosMinVersion": ""}
