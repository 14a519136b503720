"""What the real server does where the emulator used to differ (docs/mattermost-fidelity.md).

Each test states one behaviour of Mattermost 11.4 that the emulator now reproduces; the fast suite
has the emulator's side (tests/test_emulator.py)."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.real_mattermost.conftest import RUN, _parse_exports
from tests.real_mattermost.people import Person
from tests.servers import free_port

pytestmark = pytest.mark.real_mattermost


@pytest.fixture
def as_bot(dep) -> Person:
    bot = Person(dep.server.url, dep.bot_token, team_id=dep.team["id"])
    yield bot
    bot.close()


def test_only_system_admins_may_post_ephemeral_messages(dep, as_bot):
    town = dep.admin.channel("town-square")
    body = {"user_id": dep.person("ines").id, "post": {"channel_id": town["id"], "message": "psst"}}
    refused = as_bot.call("POST", "/posts/ephemeral", json=body)
    assert refused.status_code == 403 and refused.json()["id"] == "api.context.permissions.app_error"
    assert dep.admin.call("POST", "/posts/ephemeral", json=body).status_code == 201


def test_a_private_confirmation_reaches_the_person_by_direct_message(dep):
    """Consortia's answer when the bot may not post an ephemeral message: the same words, privately."""
    from plugin.kernel.outbox import queue

    ines = dep.person("ines")
    town = ines.channel("town-square")
    with dep.services.db.transaction() as session:
        queue(session, "mattermost.ephemeral", {"user_id": ines.id, "channel_id": town["id"],
                                                "message": "Confirmation privée"})
    dep.settle()
    direct = ines.post("/channels/direct", [ines.id, dep.bot["id"]])
    assert any(p["message"] == "Confirmation privée" for p in ines.posts(direct["id"]))
    assert dep.outbox("dead") == [] or all(m[1] != "mattermost.ephemeral" for m in dep.outbox("dead"))


def test_an_unknown_trigger_id_is_refused(as_bot):
    refused = as_bot.call("POST", "/actions/dialogs/open", json={
        "trigger_id": "bogus", "url": "http://127.0.0.1/x", "dialog": {"title": "T", "elements": []}})
    assert refused.status_code == 400
    assert refused.json()["id"] == "interactive_message.decode_trigger_id.base64_decode_failed"


def test_a_post_longer_than_16383_characters_is_refused(dep, as_bot):
    town = dep.admin.channel("town-square")
    refused = as_bot.call("POST", "/posts", json={"channel_id": town["id"], "message": "x" * 16384})
    assert refused.status_code == 400 and refused.json()["id"] == "model.post.is_valid.message_length.app_error"
    assert as_bot.call("POST", "/posts", json={"channel_id": town["id"], "message": "x" * 16383}).status_code == 201


def test_adding_people_to_a_channel_leaves_system_posts(dep):
    channel = dep.create(dep.unique("Messages système"), "@ines")
    kinds = [p["type"] for p in dep.admin.posts(channel["id"])]
    assert "system_join_channel" in kinds and "system_add_to_channel" in kinds


@pytest.fixture(scope="module")
def limited_server(real_server):
    """A second server, with Mattermost's rate limiter on (10 requests/s, bursts of 100: its defaults)."""
    if shutil.which("go") is None:
        pytest.skip("Go is not installed: a second Mattermost server cannot be built")
    port = free_port()
    env = dict(os.environ, MM_PORT=str(port), MM_DB_NAME=f"consortia_mm_{port}", MM_RATELIMITSETTINGS_ENABLE="true")
    up = subprocess.run([str(RUN), "up"], env=env, capture_output=True, text=True, timeout=3600)
    try:
        assert up.returncode == 0, up.stderr[-3000:]
        values = _parse_exports(up.stdout)
        url, token = values["CONSORTIA_TEST_MM_URL"], values["CONSORTIA_TEST_MM_ADMIN_TOKEN"]
        yield url, token, Person(url, token)
    finally:
        subprocess.run([str(RUN), "down"], env=env, capture_output=True, text=True, timeout=300)


def _exhaust(person: Person):
    for _ in range(500):
        answer = person.call("GET", "/users/me")
        if answer.status_code == 429:
            return answer
    raise AssertionError("no 429 after 500 requests")


def test_the_rate_limiter_answers_in_plain_text_with_retry_after(limited_server):
    _url, _token, admin = limited_server
    limited = _exhaust(admin)
    assert limited.text == "limit exceeded\n" and limited.headers["Content-Type"].startswith("text/plain")
    assert limited.headers["Retry-After"] == "1" and limited.headers["X-Ratelimit-Remaining"] == "0"
    assert int(limited.headers["X-Ratelimit-Reset"]) > 1  # the whole bucket: longer than the next request's wait


def test_our_client_waits_what_retry_after_says(limited_server):
    from integrations.mattermost.client import MattermostClient

    url, token, admin = limited_server
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # a real server: really wait, and record it
        waits.append(seconds)
        import time

        time.sleep(seconds)

    client = MattermostClient(url, token, max_retries=3, max_wait=5, sleep=sleep)
    # The bucket gets a request back every 100 ms: on a busy machine the client's request may come after
    # one, and pass without meeting the limit. Exhaust it again until the client does meet it.
    for _attempt in range(5):
        _exhaust(admin)
        assert client.get_user("me")["username"] == "admin"
        if waits:
            break
    assert waits and set(waits) == {1.0}


def test_a_commands_form_carries_root_id_and_mentions(dep):
    """What Mattermost posts to a command URL, seen by a bare receiver."""
    import json
    import threading

    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    received: list[dict] = []

    @Request.application
    def receiver(request):
        received.append(request.form.to_dict(flat=False))
        return Response(json.dumps({"text": "ok"}), content_type="application/json")

    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    trigger = "recepteur" + dep.unique("x")[-6:]
    command = dep.admin.post("/commands", {"team_id": dep.team["id"], "trigger": trigger, "method": "P",
                                           "url": f"http://127.0.0.1:{server.server_port}/"})
    try:
        town = dep.admin.channel("town-square")
        assert dep.person("ines").run(town["id"], f"/{trigger} @samir @personne ~town-square").ok
    finally:
        dep.admin.delete(f"/commands/{command['id']}")
        server.shutdown()
    form = received[-1]
    assert form["root_id"] == [""] and form["user_name"] == ["ines"]
    assert form["user_mentions"] == ["samir"] and form["user_mentions_ids"] == [dep.person("samir").id]
    assert form["channel_mentions"] == ["town-square"] and form["channel_mentions_ids"] == [town["id"]]
