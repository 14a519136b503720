"""Bad input through the real server: outsiders, forgeries, repeated provisioning, a bot losing its rights."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from tests.real_mattermost.people import wait_until

pytestmark = pytest.mark.real_mattermost


def test_a_non_member_cannot_run_a_command_in_a_consortium_channel(dep):
    channel = dep.create(dep.unique("Réservé"), "@ines")
    marc = dep.person("marc")
    reply = marc.run(channel["id"], "/checklist liste")
    # Mattermost itself refuses: marc cannot read the private channel, Consortia is never called
    assert reply.status == 403 and reply.body["id"] == "api.context.permissions.app_error", reply.body
    # from a channel he can read, naming the consortium, Consortia refuses him politely
    town = marc.channel("town-square")
    answer = marc.say(town["id"], f"/checklist liste --consortium {channel['name']}")
    assert "membre" in answer and "Pourquoi nous regrouper" not in answer, answer


def test_a_command_registered_by_someone_else_is_refused(dep):
    """Another command pointing at Consortia carries its own token: Consortia answers 401, Mattermost says so."""
    trigger = "intrus" + dep.unique("x")[-6:]
    command = dep.admin.post("/commands", {"team_id": dep.team["id"], "trigger": trigger, "method": "P",
                                           "url": f"{dep.app_url}/mattermost/command"})
    try:
        reply = dep.person("ines").run(dep.admin.channel("town-square")["id"], f"/{trigger} consortium info")
        assert reply.status == 500 and reply.body["id"] == "api.command.execute_command.failed_resp.app_error"
        assert "401" in reply.body["message"], reply.body
    finally:
        dep.admin.delete(f"/commands/{command['id']}")


def test_a_forged_button_posted_by_a_user_is_refused(dep):
    """Anyone may post attachments whose buttons point at Consortia: only our signed context counts."""
    ines = dep.person("ines")
    channel = dep.create(dep.unique("Contrefaçon"), "@ines")
    post = ines.post("/posts", {"channel_id": channel["id"], "message": "piège", "props": {"attachments": [{
        "text": "Cocher", "actions": [{"id": "forged", "name": "Cocher 1", "type": "button", "integration": {
            "url": f"{dep.app_url}/mattermost/action",
            "context": {"t": "eyJhIjoiY2hlY2tsaXN0LnRvZ2dsZSJ9.forged"}}}]}]}})
    action = post["props"]["attachments"][0]["actions"][0]
    mark = ines.events.mark()
    assert ines.click(post, action).status_code == 200
    refusal = ines.ephemeral_after(mark, channel_id=channel["id"])
    assert "n’a pas pu être vérifiée" in refusal["message"] or "vérifi" in refusal["message"], refusal
    assert "0/26" in ines.say(channel["id"], "/checklist liste")


def test_a_forged_dialog_submission_is_refused(dep):
    ines = dep.person("ines")
    channel = dep.create(dep.unique("Formulaire forgé"), "@ines")
    sent = ines.call("POST", "/actions/dialogs/submit", json={
        "url": f"{dep.app_url}/mattermost/dialog", "callback_id": "commitment.add", "state": "forged.state",
        "channel_id": channel["id"], "team_id": dep.team["id"],
        "submission": {"target": "@ines", "kind": "temps", "description": "Forgé"}})
    assert sent.status_code == 200 and sent.json().get("error"), sent.text
    assert "Forgé" not in ines.say(channel["id"], "/engagement liste")


def test_provisioning_twice_creates_nothing_twice(dep, tmp_path):
    name = dep.unique("Réseau vélo")
    groups = tmp_path / "groups.yaml"
    groups.write_text(f"consortia:\n  - name: {name}\n    members: [ines, samir]\n", encoding="utf-8")
    first = dep.cli("provision", str(groups))
    second = dep.cli("provision", str(groups))
    assert "created" in first.stdout and "exists" in second.stdout, (first.stdout, second.stdout)
    dep.settle()
    slug = name.lower().replace(" ", "-").replace("é", "e")
    channel = dep.admin.channel(slug)
    channels = [c for c in dep.admin.post("/channels/search", {"term": slug, "include_deleted": True})
                if c["display_name"].startswith(name)]
    assert len(channels) == 1
    assert len(dep.admin.pinned(channel["id"])) == 1
    welcomes = [p for p in dep.admin.posts(channel["id"]) if p["message"].startswith("### Bienvenue")]
    assert len(welcomes) == 1
    joined = [p for p in dep.admin.posts(channel["id"]) if p["type"] == "system_add_to_channel"]
    assert len(joined) == len({p["props"].get("addedUserId") for p in joined})  # nobody added twice


def test_the_bot_losing_its_rights_midway_loses_nothing(dep):
    """The bot is taken out of the team: new work waits and finishes once it is back; work in a channel it
    lost (Mattermost takes a person out of every channel of a team they leave) is buried with a clear
    error and delivered by `consortia outbox retry` once an admin has put the bot back in the channel."""
    admin, bot, marc = dep.admin, dep.bot, dep.person("marc")
    earlier = dep.create(dep.unique("Avant la panne"), "@ines")
    town = admin.channel("town-square")
    admin.delete(f"/teams/{dep.team['id']}/members/{bot['id']}")
    try:
        assert bot["id"] not in admin.member_ids(earlier["id"])
        name = dep.unique("Interrompu")
        reply = admin.say(town["id"], f'/consortium creer "{name}" --membres @ines')
        slug = reply.split("identifiant `")[1].split("`")[0]
        admin.say(earlier["id"], "/consortium ajouter @marc")
        # the delivery records why it will try again; the admin sees the step that failed
        provisioning = wait_until(lambda: [m for m in dep.outbox() if m[1] == "provision.run" and "channel" in m[4]],
                                  what="the failed provisioning step")[-1]
        assert provisioning[2] == "pending", provisioning
        info = admin.say(town["id"], f"/consortium info --consortium {slug}")
        assert name in info and "canal ⚠️" in info, info
        assert admin.call("GET", f"/teams/{dep.team['id']}/channels/name/{slug}").status_code == 404
        # adding marc to the earlier channel is refused for good: a dead message that says why
        dead = wait_until(lambda: [m for m in dep.outbox("dead") if m[1] == "mattermost.add_member"],
                          what="the refused member addition")[-1]
        assert "403" in dead[4] or "404" in dead[4], dead
        assert "mattermost.add_member" in dep.cli("outbox").stdout
    finally:
        admin.post(f"/teams/{dep.team['id']}/members", {"team_id": dep.team["id"], "user_id": bot["id"]})
    # back in the team: the outbox's next attempt finishes the new consortium, without anyone typing anything
    channel = wait_until(lambda: (r := admin.call("GET", f"/teams/{dep.team['id']}/channels/name/{slug}")).ok
                         and r.json(), what="the channel after the retry")
    dep.settle()
    assert dep.person("ines").id in admin.member_ids(channel["id"])
    assert len(admin.pinned(channel["id"])) == 1
    assert "⚠️" not in admin.say(town["id"], f"/consortium info --consortium {slug}")
    # the earlier channel: the admin puts the bot back in it, then retries what was refused
    assert marc.id not in admin.member_ids(earlier["id"])
    admin.post(f"/channels/{earlier['id']}/members", {"user_id": bot["id"]})
    assert "queued again" in dep.cli("outbox", "retry").stdout
    dep.settle()
    assert marc.id in admin.member_ids(earlier["id"])
    assert [m for m in dep.outbox("dead") if m[1] == "mattermost.add_member"] == []


def test_consortia_refuses_a_request_without_a_token(dep):
    """Straight to Consortia, not through Mattermost: nothing is said."""
    import requests

    answer = requests.post(f"{dep.app_url}/mattermost/command", data={
        "command": "/consortium", "text": "info", "user_id": dep.person("ines").id}, timeout=10)
    assert answer.status_code == 401 and not answer.content
