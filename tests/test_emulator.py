"""The Mattermost emulator, over real HTTP, validated against the official OpenAPI document."""

from __future__ import annotations

import re
import threading

import pytest
import requests
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from integrations.mattermost.emulator import MattermostEmulator, new_id
from integrations.mattermost.openapi import OpenAPISpec, find_spec_path

SPEC = find_spec_path()
NO_SPEC_REASON = ("Mattermost OpenAPI document not found: set $CONSORTIA_MATTERMOST_SPEC or place it at "
                  "<repo>/../shared/mattermost/openapi-v4.yaml")
needs_spec = pytest.mark.skipif(SPEC is None, reason=NO_SPEC_REASON)
ID_RE = re.compile(r"^[a-z0-9]{26}$")


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mm():
    if SPEC is None:
        pytest.skip(NO_SPEC_REASON)
    with MattermostEmulator(SPEC) as emu:
        team = emu.create_team("acme", "ACME")
        admin = emu.create_user("admin", roles="system_user system_admin", team="acme")
        bot = emu.create_user("consortia-bot", is_bot=True, team="acme")
        alice = emu.create_user("alice", team="acme")
        bob = emu.create_user("bob", team="acme")
        emu.tok = {
            "admin": emu.create_token(admin["id"]), "bot": emu.create_token(bot["id"]),
            "alice": emu.create_token(alice["id"]), "bob": emu.create_token(bob["id"]),
        }
        emu.ids = {"team": team["id"], "admin": admin["id"], "bot": bot["id"], "alice": alice["id"],
                   "bob": bob["id"]}
        yield emu


class Api:
    def __init__(self, mm, who):
        self.base = mm.url + "/api/v4"
        self.headers = {"Authorization": f"Bearer {mm.tok[who]}"} if who else {}

    def __getattr__(self, method):
        def call(path, **kw):
            headers = {**self.headers, **kw.pop("headers", {})}
            return requests.request(method.upper(), self.base + path, headers=headers, timeout=5, **kw)
        return call


def assert_app_error(resp, status):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) >= {"id", "message", "detailed_error", "request_id", "status_code"}
    assert body["status_code"] == status
    assert ID_RE.match(body["request_id"])
    return body


@pytest.fixture(scope="module")
def integration():
    """A tiny integration on another loopback port: echoes what Mattermost sends."""
    app = Flask("fake-integration")
    seen: list[dict] = []

    @app.post("/cmd")
    def cmd():
        form = request.form.to_dict()
        seen.append({"form": form, "auth": request.headers.get("Authorization"),
                     "ctype": request.mimetype, "lists": request.form.to_dict(flat=False)})
        text = form.get("text", "")
        if text.startswith("fail"):
            return "nope", 500
        if text.startswith("public"):
            return jsonify(response_type="in_channel", text=f"echo {text}",
                           attachments=[{"text": "card", "actions": [
                               {"id": "approve", "name": "Approve", "type": "button",
                                "integration": {"url": request.host_url + "action", "context": {"n": 1}}}]}])
        if text.startswith("private-card"):
            return jsonify(response_type="ephemeral", text="card", attachments=[{"text": "card", "actions": [
                {"id": "approve", "name": "Approve", "type": "button",
                 "integration": {"url": request.host_url + "action", "context": {"n": 2}}}]}])
        if text.startswith("dialog"):
            r = requests.post(form["response_url"].split("/hooks/")[0] + "/api/v4/actions/dialogs/open",
                              headers={"Authorization": "Bearer " + app.config["BOT_TOKEN"]},
                              json={"trigger_id": form["trigger_id"], "url": request.host_url + "submit",
                                    "dialog": {"callback_id": "cb", "title": "T", "state": "s1",
                                               "elements": [{"name": "title", "display_name": "Title",
                                                             "type": "text"}]}}, timeout=5)
            return jsonify(text=f"dialog {r.status_code}")
        return jsonify(text=f"private {text}")

    @app.post("/action")
    def action():
        payload = request.get_json()
        seen.append({"action": payload})
        return jsonify(update={"message": "approved by " + payload["user_name"],
                               "props": {"attachments": []}},
                       ephemeral_text="done")

    @app.post("/submit")
    def submit():
        payload = request.get_json()
        seen.append({"dialog": payload})
        if not payload["submission"].get("title"):
            return jsonify(errors={"title": "required"})
        return jsonify({})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.port}"
    app.seen = seen
    yield app
    server.shutdown()
    server.server_close()


# ----------------------------------------------------------------------------- openapi


@needs_spec
def test_spec_matching_and_validation():
    spec = OpenAPISpec.load(SPEC)
    assert spec is OpenAPISpec.load(SPEC)  # cached
    assert spec.match("/api/v4/users/me").template == "/api/v4/users/{user_id}"
    assert spec.match("/api/v4/users/usernames").template == "/api/v4/users/usernames"
    assert spec.validate("GET", "/api/v4/nope") == ["unknown path: /api/v4/nope"]
    assert "not allowed" in spec.validate("PATCH", "/api/v4/posts")[0]
    assert spec.validate("POST", "/api/v4/posts", {}, {"channel_id": "x", "message": "m"}) == []
    assert spec.validate("POST", "/api/v4/posts", {}, {"message": "m"})
    assert spec.validate("POST", "/api/v4/channels/direct", {}, ["a"])
    assert spec.validate("GET", "/api/v4/channels/x/posts", {"page": "x"})


def test_without_spec_handlers_still_validate():
    with MattermostEmulator(None) as emu:
        assert emu.spec is None
        emu.create_team("t")
        u = emu.create_user("u", team="t")
        h = {"Authorization": "Bearer " + emu.create_token(u["id"])}
        base = emu.url + "/api/v4"
        ch = emu.channel("t", "town-square")
        r = requests.post(base + "/posts", json={"channel_id": ch["id"]}, headers=h, timeout=5)
        assert r.status_code == 400 and r.json()["status_code"] == 400
        r = requests.post(base + "/posts", json={"channel_id": ch["id"], "message": "m"}, headers=h, timeout=5)
        assert r.status_code == 201 and emu.posts(ch["id"])[0]["message"] == "m"
        assert requests.get(base + "/nope", headers=h, timeout=5).status_code == 404


# ----------------------------------------------------------------------------- REST API


def test_ids_and_channel_create_and_find(mm):
    api = Api(mm, "alice")
    r = api.post("/channels", json={"team_id": mm.ids["team"], "name": "projet-a", "display_name": "Projet A",
                                    "type": "P"})
    assert r.status_code == 201, r.text
    ch = r.json()
    assert ID_RE.match(ch["id"]) and ch["type"] == "P" and ch["creator_id"] == mm.ids["alice"]
    assert r.headers["X-Ratelimit-Limit"] and r.headers["X-Ratelimit-Remaining"] and r.headers["X-Ratelimit-Reset"]
    r = api.get(f"/teams/{mm.ids['team']}/channels/name/projet-a")
    assert r.status_code == 200 and r.json()["id"] == ch["id"]
    r = api.get("/teams/name/acme/channels/name/projet-a")
    assert r.status_code == 200 and r.json()["id"] == ch["id"]
    assert mm.channel("acme", "projet-a")["id"] == ch["id"]
    assert mm.members(ch["id"]) == {mm.ids["alice"]}
    # duplicate name
    assert_app_error(api.post("/channels", json={"team_id": mm.ids["team"], "name": "projet-a",
                                                 "display_name": "X", "type": "O"}), 400)
    # private: bob cannot see it (404 by name, like Mattermost), cannot post (403)
    bob = Api(mm, "bob")
    assert_app_error(bob.get("/teams/name/acme/channels/name/projet-a"), 404)
    assert_app_error(bob.post("/posts", json={"channel_id": ch["id"], "message": "hi"}), 403)
    # add bob, idempotent, then he can post
    r1 = api.post(f"/channels/{ch['id']}/members", json={"user_id": mm.ids["bob"]})
    r2 = api.post(f"/channels/{ch['id']}/members", json={"user_id": mm.ids["bob"]})
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    assert bob.post("/posts", json={"channel_id": ch["id"], "message": "hi"}).status_code == 201
    assert [p["message"] for p in mm.posts(ch["id"])] == ["hi"]
    # archive / restore
    adm = Api(mm, "admin")
    assert api.delete(f"/channels/{ch['id']}").json() == {"status": "OK"}
    assert_app_error(api.get(f"/teams/{mm.ids['team']}/channels/name/projet-a"), 404)
    r = api.get(f"/teams/{mm.ids['team']}/channels/name/projet-a", params={"include_deleted": "true"})
    assert r.status_code == 200 and r.json()["delete_at"] > 0
    assert_app_error(bob.post("/posts", json={"channel_id": ch["id"], "message": "x"}), 400)
    assert adm.post(f"/channels/{ch['id']}/restore").json()["delete_at"] == 0


def test_auth_and_permission_errors(mm):
    anon = Api(mm, None)
    assert_app_error(anon.get("/users/me"), 401)
    r = requests.get(mm.url + "/api/v4/users/me", headers={"Authorization": "Bearer " + new_id()}, timeout=5)
    assert_app_error(r, 401)
    assert requests.get(mm.url + "/api/v4/system/ping", timeout=5).json()["status"] == "OK"
    me = Api(mm, "alice").get("/users/me").json()
    assert me["username"] == "alice" and ID_RE.match(me["id"])
    # non-admin creating a command
    body = {"team_id": mm.ids["team"], "method": "P", "trigger": "x1", "url": "http://127.0.0.1:1/x"}
    assert_app_error(Api(mm, "alice").post("/commands", json=body), 403)
    r = Api(mm, "bot").post("/commands", json=body)
    assert r.status_code == 201 and ID_RE.match(r.json()["token"])
    # guests cannot be added to a channel of a team they are not in
    guest = mm.create_user("guest1", guest=True)
    ch = mm.create_channel(mm.ids["team"], "guest-test", members=["alice"])
    assert_app_error(Api(mm, "alice").post(f"/channels/{ch['id']}/members", json={"user_id": guest["id"]}), 403)
    # unknown and malformed ids
    assert_app_error(Api(mm, "alice").get(f"/channels/{new_id()}"), 404)
    assert_app_error(Api(mm, "alice").get(f"/posts/{new_id()}"), 404)
    assert_app_error(Api(mm, "alice").get("/channels/not-an-id"), 400)


def test_spec_rejections(mm):
    api = Api(mm, "admin")
    err = assert_app_error(api.post("/channels", json={"team_id": mm.ids["team"], "name": "abc",
                                                       "display_name": "A", "type": 1}), 400)
    assert "type" in err["detailed_error"]
    assert_app_error(api.post("/posts", json={"message": "no channel"}), 400)
    assert_app_error(api.post("/posts", json=["not", "an", "object"]), 400)
    assert_app_error(api.post("/posts", data="{bad json",
                              headers={"Content-Type": "application/json"}), 400)
    assert_app_error(api.get("/definitely/not/a/route"), 404)
    assert_app_error(api.get("/emoji"), 501)  # in the spec, not emulated


def test_message_length(mm):
    api = Api(mm, "alice")
    ch = mm.channel("acme", "town-square")
    assert api.post("/posts", json={"channel_id": ch["id"], "message": "é" * 16383}).status_code == 201
    err = assert_app_error(api.post("/posts", json={"channel_id": ch["id"], "message": "x" * 16384}), 400)
    assert err["id"] == "model.post.is_valid.message_length.app_error"


def test_posts_patch_pin_thread_ephemeral(mm):
    bot = Api(mm, "bot")
    ch = mm.channel("acme", "off-topic")
    root = bot.post("/posts", json={"channel_id": ch["id"], "message": "root",
                                    "props": {"attachments": [{"text": "a"}]}}).json()
    reply = bot.post("/posts", json={"channel_id": ch["id"], "message": "reply", "root_id": root["id"]}).json()
    assert reply["root_id"] == root["id"]
    assert bot.put(f"/posts/{root['id']}/patch", json={"message": "root2"}).json()["message"] == "root2"
    assert_app_error(Api(mm, "alice").put(f"/posts/{root['id']}/patch", json={"message": "x"}), 403)
    assert bot.post(f"/posts/{root['id']}/pin").json() == {"status": "OK"}
    assert [p["id"] for p in mm.pinned(ch["id"])] == [root["id"]]
    assert bot.get(f"/channels/{ch['id']}/pinned").json()["order"] == [root["id"]]
    thread = bot.get(f"/posts/{reply['id']}/thread").json()
    assert set(thread["order"]) == {root["id"], reply["id"]}
    # create_post_ephemeral is a system admin's permission: a bot is refused, as on Mattermost 11.4
    body = {"user_id": mm.ids["alice"], "post": {"channel_id": ch["id"], "message": "psst"}}
    assert assert_app_error(bot.post("/posts/ephemeral", json=body), 403)["id"] == "api.context.permissions.app_error"
    r = Api(mm, "admin").post("/posts/ephemeral", json=body)
    assert r.status_code == 201
    assert [e["message"] for e in mm.ephemerals(mm.ids["alice"], ch["id"])][-1] == "psst"
    assert bot.delete(f"/posts/{root['id']}").json() == {"status": "OK"}
    assert root["id"] not in [p["id"] for p in mm.posts(ch["id"])]
    assert reply["id"] not in [p["id"] for p in mm.posts(ch["id"])]


def test_direct_channel_is_idempotent(mm):
    api = Api(mm, "bot")
    a = api.post("/channels/direct", json=[mm.ids["bot"], mm.ids["alice"]])
    b = api.post("/channels/direct", json=[mm.ids["alice"], mm.ids["bot"]])
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert a.json()["type"] == "D"
    assert_app_error(api.post("/channels/direct", json=[mm.ids["bot"]]), 400)
    # What a test sees of it, through the public API
    assert mm.direct_channel(mm.ids["alice"], mm.ids["bot"])["id"] == a.json()["id"]
    assert a.json()["id"] in [c["id"] for c in mm.direct_channels(mm.ids["alice"])]
    assert mm.direct_channel(mm.ids["alice"], mm.ids["bob"]) is None
    assert a.json()["id"] not in [c["id"] for c in mm.direct_channels(mm.ids["bob"])]
    assert {c["name"] for c in mm.channels(mm.ids["team"])} >= {"town-square", "off-topic"}
    assert a.json()["id"] in [c["id"] for c in mm.channels()] and a.json()["id"] not in [
        c["id"] for c in mm.channels(mm.ids["team"])]


def test_go_down_and_come_up_keep_state(mm):
    api = Api(mm, "alice")
    port = mm.port
    before = api.get("/users/me").json()
    session = requests.Session()  # keep-alive connection must be cut as well
    session.get(mm.url + "/api/v4/system/ping", timeout=5)
    mm.go_down()
    try:
        with pytest.raises(requests.ConnectionError):
            requests.get(mm.url + "/api/v4/system/ping", timeout=2)
        with pytest.raises(requests.ConnectionError):
            session.get(mm.url + "/api/v4/system/ping", timeout=2)
    finally:
        mm.come_up()
    assert mm.port == port
    assert api.get("/users/me").json() == before


def test_fail_next(mm):
    api = Api(mm, "alice")
    mm.fail_next(429, headers={"X-Ratelimit-Reset": "1"})
    r = api.get("/users/me")
    assert r.status_code == 429 and r.headers["X-Ratelimit-Reset"] == "1"
    assert r.headers["X-Ratelimit-Remaining"] == "0"
    # as Mattermost 11.4's limiter words it: plain text, and when the next request passes
    assert r.text == "limit exceeded\n" and r.headers["Content-Type"].startswith("text/plain")
    assert r.headers["Retry-After"] == "1"
    mm.fail_next(429)
    assert api.get("/users/me").headers["X-Ratelimit-Reset"] == "11"
    assert api.get("/users/me").status_code == 200
    mm.fail_next(500, count=2)
    assert [api.get("/users/me").status_code for _ in range(3)] == [500, 500, 200]
    mm.fail_next(403, path_contains="/members", method="POST")
    assert api.get("/users/me").status_code == 200
    ch = mm.channel("acme", "off-topic")
    assert api.post(f"/channels/{ch['id']}/members", json={"user_id": mm.ids["alice"]}).status_code == 403
    assert ("GET", "/api/v4/users/me", 429) in mm.requests_log


def test_a_repeated_pending_post_id_gets_the_first_post_back_for_a_while(mm):
    """As the real server (app/post.go): 30 s, in memory; then, or after a restart, a new post."""
    bot = Api(mm, "bot")
    ch = mm.channel("acme", "off-topic")
    body = {"channel_id": ch["id"], "message": "une fois", "pending_post_id": "k-1"}
    first, again = bot.post("/posts", json=body), bot.post("/posts", json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again.json()["pending_post_id"] == "k-1"
    mm.forget_pending_posts()
    assert bot.post("/posts", json=body).json()["id"] != first.json()["id"]
    assert [p["message"] for p in mm.posts(ch["id"])].count("une fois") == 2


def test_drop_after_commit_and_delay(mm):
    api = Api(mm, "alice")
    ch = mm.channel("acme", "off-topic")
    mm.drop_after_commit(method="POST", path_contains="/posts")
    with pytest.raises(requests.ConnectionError):
        api.post("/posts", json={"channel_id": ch["id"], "message": "perdu"})
    assert [p["message"] for p in mm.posts(ch["id"])].count("perdu") == 1  # made, though unanswered
    served = len(mm.requests_log)
    mm.delay_next(30, method="GET", path_contains="/users/me")
    with pytest.raises(requests.Timeout):  # served and logged, the answer held back
        requests.get(mm.url + "/api/v4/users/me", headers=api.headers, timeout=0.5)
    assert mm.requests_log[served:] == [("GET", "/api/v4/users/me", 200)]
    mm.release_delayed()
    assert api.get("/users/me").status_code == 200


def test_files(mm):
    api = Api(mm, "alice")
    ch = mm.channel("acme", "town-square")
    r = api.post("/files", data={"channel_id": ch["id"]}, files={"files": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 201, r.text
    info = r.json()["file_infos"][0]
    assert api.get(f"/files/{info['id']}").content == b"hello"
    post = api.post("/posts", json={"channel_id": ch["id"], "message": "", "file_ids": [info["id"]]}).json()
    assert post["file_ids"] == [info["id"]]
    assert mm.files[info["id"]]["data"] == b"hello"


def test_mattermostdriver_login(mm):
    from mattermostdriver import Driver

    d = Driver({"url": "127.0.0.1", "port": mm.port, "scheme": "http", "token": mm.tok["bot"],
                "basepath": "/api/v4", "verify": False})
    me = d.login()
    assert me["username"] == "consortia-bot"
    team = d.teams.get_team_by_name("acme")
    assert team["id"] == mm.ids["team"]
    ch = d.channels.get_channel_by_name_and_team_name("acme", "town-square")
    post = d.posts.create_post({"channel_id": ch["id"], "message": "from the driver"})
    assert mm.post(post["id"])["message"] == "from the driver"


# ----------------------------------------------------------------------------- acting as Mattermost


def test_execute_command(mm, integration):
    integration.config["BOT_TOKEN"] = mm.tok["bot"]
    cmd = mm.register_command(mm.ids["team"], "consortium", integration.url + "/cmd", creator="admin")
    ch = mm.channel("acme", "town-square")
    n_posts = len(mm.posts(ch["id"]))

    res = mm.execute_command("alice", ch["id"], '/consortium creer "X"')
    assert res["status"] == 200 and res["post"] is None
    assert res["ephemeral"]["message"] == 'private creer "X"'
    form = integration.seen[-1]["form"]
    assert integration.seen[-1]["auth"] == f"Token {cmd['token']}"
    assert integration.seen[-1]["ctype"] == "application/x-www-form-urlencoded"
    assert form["command"] == "/consortium" and form["text"] == 'creer "X"'
    assert form["token"] == cmd["token"] and form["team_domain"] == "acme" and form["team_id"] == mm.ids["team"]
    assert form["channel_name"] == "town-square" and form["user_name"] == "alice"
    assert form["user_id"] == mm.ids["alice"] and ID_RE.match(form["trigger_id"])
    assert form["response_url"].startswith(mm.url)
    assert len(mm.posts(ch["id"])) == n_posts

    # as Mattermost 11.4 sends it: root_id always, mentions of team members and public channels
    assert form["root_id"] == "" and "user_mentions" not in form
    mm.execute_command("alice", ch["id"], "/consortium x @bob @nobody ~town-square ~nowhere")
    sent = integration.seen[-1]["lists"]
    assert sent["user_mentions"] == ["bob"] and sent["user_mentions_ids"] == [mm.ids["bob"]]
    assert sent["channel_mentions"] == ["town-square"] and sent["channel_mentions_ids"] == [ch["id"]]

    res = mm.execute_command("alice", ch["id"], "/consortium public hello")
    assert res["status"] == 200 and res["post"]["message"] == "echo public hello"
    assert mm.posts(ch["id"])[-1]["id"] == res["post"]["id"]
    assert res["post"]["props"]["attachments"][0]["actions"][0]["id"] == "approve"

    res = mm.execute_command("alice", ch["id"], "/consortium fail")
    assert res["status"] == 500 and res["post"] is None and res["ephemeral"] is None
    assert mm.execute_command("alice", ch["id"], "/unknown x")["status"] == 404


def test_click_updates_post(mm, integration):
    ch = mm.channel("acme", "town-square")
    if not any(c["trigger"] == "consortium" for c in mm.commands(mm.ids["team"])):
        mm.register_command(mm.ids["team"], "consortium", integration.url + "/cmd")
    post = mm.execute_command("alice", ch["id"], "/consortium public card")["post"]
    res = mm.click(post["id"], "approve", "bob")
    assert res["status"] == 200
    sent = integration.seen[-1]["action"]
    assert sent["context"] == {"n": 1} and sent["user_name"] == "bob" and sent["post_id"] == post["id"]
    assert sent["team_domain"] == "acme" and sent["channel_name"] == "town-square"
    updated = mm.post(post["id"])
    assert updated["message"] == "approved by bob" and updated["props"]["attachments"] == []
    assert mm.ephemerals(mm.ids["bob"])[-1]["message"] == "done"


def test_click_on_an_ephemeral_post_cannot_update_it(mm, integration):
    """Mattermost 11.4 applies an action's ``update`` with UpdatePost: for an ephemeral post (not stored)
    the click fails with 404 "Unable to get the post." and the ``ephemeral_text`` is not sent either."""
    ch = mm.channel("acme", "town-square")
    if not any(c["trigger"] == "consortium" for c in mm.commands(mm.ids["team"])):
        mm.register_command(mm.ids["team"], "consortium", integration.url + "/cmd")
    card = mm.execute_command("bob", ch["id"], "/consortium private-card")["ephemeral"]
    before = len(mm.ephemerals(mm.ids["bob"]))
    res = mm.click(card["id"], "approve", "bob")
    assert integration.seen[-1]["action"]["context"] == {"n": 2}  # the integration was called
    assert res["status"] == 404 and res["error"] == "Unable to get the post."
    assert res["post"]["message"] == "card" and len(mm.ephemerals(mm.ids["bob"])) == before


def test_trigger_ids_live_as_long_as_the_integration_timeout(mm):
    """Mattermost 11.4 checks a trigger id against OutgoingIntegrationRequestsTimeout (30 s by default)."""
    assert MattermostEmulator(None).trigger_ttl == 30.0


def test_dialogs(mm, integration):
    integration.config["BOT_TOKEN"] = mm.tok["bot"]
    ch = mm.channel("acme", "town-square")
    if not any(c["trigger"] == "consortium" for c in mm.commands(mm.ids["team"])):
        mm.register_command(mm.ids["team"], "consortium", integration.url + "/cmd")
    res = mm.execute_command("alice", ch["id"], "/consortium dialog")
    assert res["ephemeral"]["message"] == "dialog 200"
    opened = mm.dialogs()[-1]
    assert opened["dialog"]["callback_id"] == "cb" and opened["channel_id"] == ch["id"]

    # an expired and an unknown trigger id are refused
    bot = Api(mm, "bot")
    body = {"url": integration.url + "/submit", "dialog": {"title": "T", "elements": []}}
    now = [1000.0]
    real_clock, mm.clock = mm.clock, lambda: now[0]
    try:
        trig = mm.issue_trigger(mm.ids["alice"], ch["id"], mm.ids["team"])
        now[0] += mm.trigger_ttl + 0.001
        err = assert_app_error(bot.post("/actions/dialogs/open", json={**body, "trigger_id": trig}), 400)
        assert "expired" in err["id"]
    finally:
        mm.clock = real_clock
    assert_app_error(bot.post("/actions/dialogs/open", json={**body, "trigger_id": new_id()}), 400)

    res = mm.submit_dialog(-1, "alice", {"title": ""})
    assert res == {"status": 200, "response": {"errors": {"title": "required"}}}
    res = mm.submit_dialog(opened, "alice", {"title": "Hello"})
    assert res == {"status": 200, "response": {}}
    sent = integration.seen[-1]["dialog"]
    assert sent["type"] == "dialog_submission" and sent["state"] == "s1" and sent["callback_id"] == "cb"
    assert sent["user_id"] == mm.ids["alice"] and sent["team_id"] == mm.ids["team"]
    assert sent["submission"] == {"title": "Hello"} and sent["cancelled"] is False


def test_a_failing_command_is_reported_as_mattermost_words_it(mm, integration):
    """Mattermost 11.4: 500 api.command.execute_command.failed_resp.app_error, naming the integration's status."""
    ch = mm.channel("acme", "town-square")
    if not any(c["trigger"] == "consortium" for c in mm.commands(mm.ids["team"])):
        mm.register_command(mm.ids["team"], "consortium", integration.url + "/cmd")
    res = mm.execute_command("alice", ch["id"], "/consortium fail")
    assert res["error"].lower() == "command with a trigger of 'consortium' returned response 500 internal server error."


def test_an_unknown_trigger_id_is_refused_as_mattermost_does(mm):
    bot = Api(mm, "bot")
    body = {"trigger_id": "bogus", "url": "http://127.0.0.1/x", "dialog": {"title": "T", "elements": []}}
    refused = assert_app_error(bot.post("/actions/dialogs/open", json=body), 400)
    assert refused["id"] == "interactive_message.decode_trigger_id.base64_decode_failed"


def test_leaving_a_team_leaves_its_channels_for_good(mm):
    """Mattermost 11.4: a person taken out of a team leaves every channel of it; coming back restores none
    (seen through the real server: tests/real_mattermost/test_bad_input.py)."""
    admin, bob = Api(mm, "admin"), Api(mm, "bob")
    team = mm.ids["team"]
    ch = bob.post("/channels", json={"team_id": team, "name": "bob-private", "display_name": "Bob", "type": "P"}).json()
    assert assert_app_error(Api(mm, "alice").delete(f"/teams/{team}/members/{mm.ids['bob']}"), 403)
    assert admin.delete(f"/teams/{team}/members/{mm.ids['bob']}").json() == {"status": "OK"}
    assert mm.ids["bob"] not in mm.members(ch["id"])
    refused = bob.post("/channels", json={"team_id": team, "name": "bob-again", "display_name": "B", "type": "P"})
    assert refused.status_code == 403
    assert admin.post(f"/teams/{team}/members", json={"team_id": team, "user_id": mm.ids["bob"]}).status_code == 201
    assert mm.ids["bob"] not in mm.members(ch["id"])
    assert_app_error(bob.get(f"/teams/{team}/channels/name/bob-private"), 404)
    assert mm.ids["bob"] in mm.members(mm.channel("acme", "town-square")["id"])
