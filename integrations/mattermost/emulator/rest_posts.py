"""REST handlers for posts (threads, pins, ephemeral posts) and files."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from .base import API, ID_RE, Ctx, EmulatorAppError, bad, forbidden, new_id, qbool, require_object, require_str, route
from .state import State


# ---------------------------------------------------------------- posts

@route("POST", API + "/posts")
def create_post(st: State, ctx: Ctx):
    body = require_object(ctx)
    channel_id = require_str(body, "channel_id")
    if "message" not in body or not isinstance(body["message"], str):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing message in request body.")
    ch = st.get_channel(channel_id)
    if not st.can_post(ctx.user, ch):
        raise forbidden("create_post")
    props = body.get("props") or {}
    if not isinstance(props, dict):
        raise bad("api.context.invalid_body_param.app_error", "Invalid props.")
    file_ids = body.get("file_ids") or []
    if not body["message"] and not file_ids and not props.get("attachments"):
        raise bad("api.post.create_post.empty.app_error", "Message, file or attachment is required.")
    pending = body.get("pending_post_id") or ""
    if not isinstance(pending, str):
        raise bad("api.context.invalid_body_param.app_error", "Invalid pending_post_id.")
    seen = st.pending_posts.get(pending) if pending else None
    if seen is not None and seen[1] > st.clock() and seen[0] in st.posts:
        first = st.posts[seen[0]]
        if st.can_read_channel(ctx.user, st.channels[first["channel_id"]]):
            return 201, dict(first, pending_post_id=pending)  # the post made the first time
    post = st.create_post(ctx.user["id"], ch["id"], body["message"], props=props,
                          root_id=body.get("root_id") or "", file_ids=file_ids)
    if pending and st.pending_post_ttl > 0:
        if len(st.pending_posts) >= 25000:  # the server's cache size (PendingPostIDsCacheSize)
            st.pending_posts.pop(next(iter(st.pending_posts)))
        st.pending_posts[pending] = (post["id"], st.clock() + st.pending_post_ttl)
    return 201, dict(post, pending_post_id=pending)


def _check_post_read(st: State, ctx: Ctx, post: dict) -> dict:
    if not st.can_read_channel(ctx.user, st.channels[post["channel_id"]]):
        raise forbidden("read_channel")
    return post


def _check_post_edit(st: State, ctx: Ctx, post: dict) -> None:
    ch = st.channels[post["channel_id"]]
    if ch["delete_at"]:
        raise bad("api.post.update_post.can_not_update_post_in_deleted.error",
                  "Can not update a post in a deleted channel.")
    if post["user_id"] != ctx.user["id"] and not st.is_admin(ctx.user):
        raise forbidden("edit_others_posts")
    if post["user_id"] == ctx.user["id"] and not (st.is_member(ctx.user["id"], ch["id"]) or st.can_post(ctx.user, ch)):
        raise forbidden("edit_post")


@route("GET", API + "/posts/{post_id}")
def get_post(st: State, ctx: Ctx):
    include_deleted = qbool(ctx.query.get("include_deleted", "false"))
    if include_deleted and not st.is_admin(ctx.user):
        raise forbidden("read_deleted_posts")
    return _check_post_read(st, ctx, st.get_post(ctx.params["post_id"], include_deleted))


@route("PUT", API + "/posts/{post_id}/patch")
def patch_post(st: State, ctx: Ctx):
    body = require_object(ctx)
    post = st.get_post(ctx.params["post_id"])
    _check_post_edit(st, ctx, post)
    return st.apply_post_update(post, body, full=False)


@route("PUT", API + "/posts/{post_id}")
def update_post(st: State, ctx: Ctx):
    body = require_object(ctx)
    if body.get("id") != ctx.params["post_id"]:
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing id in request body.")
    post = st.get_post(ctx.params["post_id"])
    _check_post_edit(st, ctx, post)
    return st.apply_post_update(post, body, full=True)


@route("DELETE", API + "/posts/{post_id}")
def delete_post(st: State, ctx: Ctx):
    post = st.get_post(ctx.params["post_id"])
    if post["user_id"] != ctx.user["id"] and not st.is_admin(ctx.user):
        raise forbidden("delete_others_posts")
    ts = st.ts()
    for p in st.posts.values():
        if p["id"] == post["id"] or p["root_id"] == post["id"]:
            p["delete_at"] = p["update_at"] = ts
    return {"status": "OK"}


def _pin(st: State, ctx: Ctx, value: bool):
    post = st.get_post(ctx.params["post_id"])
    ch = st.channels[post["channel_id"]]
    if not (st.is_admin(ctx.user) or st.is_member(ctx.user["id"], ch["id"])):
        raise forbidden("read_channel")
    if ch["delete_at"]:
        raise bad("api.post.update_post.can_not_update_post_in_deleted.error", "Can not update a post in a deleted channel.")
    post["is_pinned"] = value
    post["update_at"] = st.ts()
    return {"status": "OK"}


@route("POST", API + "/posts/{post_id}/pin")
def pin(st: State, ctx: Ctx):
    return _pin(st, ctx, True)


@route("POST", API + "/posts/{post_id}/unpin")
def unpin(st: State, ctx: Ctx):
    return _pin(st, ctx, False)


@route("GET", API + "/channels/{channel_id}/posts")
def channel_posts(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    include_deleted = qbool(ctx.query.get("include_deleted", "false"))
    posts = [p for p in st.posts.values() if p["channel_id"] == ch["id"]]
    if "since" in ctx.query:
        since = int(ctx.query["since"])
        return st.post_list([p for p in posts if p["update_at"] >= since])
    posts = [p for p in posts if include_deleted or not p["delete_at"]]
    posts.sort(key=lambda p: p["create_at"], reverse=True)
    if ctx.query.get("before"):
        ids = [p["id"] for p in posts]
        posts = posts[ids.index(ctx.query["before"]) + 1:] if ctx.query["before"] in ids else []
    if ctx.query.get("after"):
        ids = [p["id"] for p in posts]
        posts = posts[:ids.index(ctx.query["after"])] if ctx.query["after"] in ids else []
    page = int(ctx.query.get("page", 0) or 0)
    per_page = min(int(ctx.query.get("per_page", 60) or 60), 200)
    chunk = posts[page * per_page:(page + 1) * per_page]
    result = st.post_list(chunk)
    if len(posts) > (page + 1) * per_page:
        result["prev_post_id"] = posts[(page + 1) * per_page]["id"]
    return result


@route("GET", API + "/channels/{channel_id}/pinned")
def channel_pinned(st: State, ctx: Ctx):
    ch = st.get_channel(ctx.params["channel_id"])
    if not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    return st.post_list([p for p in st.posts.values()
                         if p["channel_id"] == ch["id"] and p["is_pinned"] and not p["delete_at"]])


@route("GET", API + "/posts/{post_id}/thread")
def thread(st: State, ctx: Ctx):
    post = _check_post_read(st, ctx, st.get_post(ctx.params["post_id"]))
    root_id = post["root_id"] or post["id"]
    return st.post_list([p for p in st.posts.values()
                         if (p["id"] == root_id or p["root_id"] == root_id) and not p["delete_at"]])


@route("POST", API + "/posts/ephemeral")
def ephemeral(st: State, ctx: Ctx):
    body = require_object(ctx)
    user_id = require_str(body, "user_id")
    post = body.get("post")
    if not isinstance(post, dict):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
    channel_id = require_str(post, "channel_id")
    message = post.get("message")
    st.validate_message(message)
    # create_post_ephemeral belongs to system admins only (no other built-in role has it, bots neither).
    if not st.is_admin(ctx.user):
        raise forbidden("create_post_ephemeral")
    if user_id not in st.users:
        raise EmulatorAppError(404, "app.user.missing_account.const", "Unable to find the user.")
    ch = st.get_channel(channel_id)
    props = post.get("props") or {}
    if not isinstance(props, dict):
        raise bad("api.context.invalid_body_param.app_error", "Invalid props.")
    eph = st.add_ephemeral(user_id, ch["id"], message, props=props, root_id=post.get("root_id") or "",
                           sender_id=ctx.user["id"], source="api")
    out = {k: v for k, v in eph.items() if k not in ("sender_id", "source")}
    out["user_id"] = ctx.user["id"]
    return 201, out


# ---------------------------------------------------------------- files

@route("POST", API + "/files")
def upload(st: State, ctx: Ctx):
    req = ctx.request
    channel_id = req.form.get("channel_id") or ctx.query.get("channel_id") or ""
    if not channel_id:
        raise bad("api.file.upload_file.missing_channel_id.app_error", "Invalid or missing channel_id in request.")
    if not ID_RE.match(channel_id):
        raise bad("api.context.invalid_param.app_error", "Invalid channel_id.")
    ch = st.get_channel(channel_id)
    if not st.can_post(ctx.user, ch):
        raise forbidden("upload_file")
    uploads: list[FileStorage] = req.files.getlist("files")
    if not uploads and ctx.query.get("filename"):
        uploads = [FileStorage(stream=None, filename=ctx.query["filename"])]
        data_override = req.get_data()
    else:
        data_override = None
    if not uploads:
        raise bad("api.file.upload_file.read_request.app_error", "Unable to upload file(s). No file in request.")
    infos = []
    for up in uploads:
        data = data_override if data_override is not None else up.read()
        name = up.filename or "file"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        ts = st.ts()
        info = {
            "id": new_id(), "user_id": ctx.user["id"], "channel_id": ch["id"], "post_id": "",
            "create_at": ts, "update_at": ts, "delete_at": 0, "name": name, "extension": ext,
            "size": len(data), "mime_type": up.mimetype or "application/octet-stream",
            "width": 0, "height": 0, "has_preview_image": False, "mini_preview": None,
        }
        st.files[info["id"]] = {"info": info, "data": data}
        infos.append(info)
    return 201, {"file_infos": infos, "client_ids": req.form.getlist("client_ids")}


@route("GET", API + "/files/{file_id}")
def get_file(st: State, ctx: Ctx):
    f = st.files.get(ctx.params["file_id"])
    if f is None:
        raise EmulatorAppError(404, "app.file_info.get.app_error", "Unable to get the file info.")
    ch = st.channels.get(f["info"]["channel_id"])
    if ch is not None and not st.can_read_channel(ctx.user, ch):
        raise forbidden("read_channel")
    return Response(f["data"], status=200, mimetype=f["info"]["mime_type"],
                    headers={"Content-Disposition": f'attachment;filename="{f["info"]["name"]}"'})
