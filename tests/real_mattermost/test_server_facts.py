"""What the real server does where the emulator used to differ (docs/mattermost-fidelity.md).

Each test states one behaviour of Mattermost 11.4 that the emulator now reproduces; the fast suite
has the emulator's side (tests/test_emulator.py)."""
from __future__ import annotations

import pytest

from tests.real_mattermost.people import Person

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
    from plugin.services.base import queue

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
