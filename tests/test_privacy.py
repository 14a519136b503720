"""GDPR: a person's data can be exported and erased; the group's work stays, unattributed."""
from __future__ import annotations

import json

import requests
from click.testing import CliRunner
from sqlalchemy import select

from models import ChecklistItem, ChecklistNote, Membership, Person
from tests.conftest import API_TOKEN


def setup_consortium(net) -> dict:
    net.reply("admin", '/consortium creer "Alimentation durable" --membres @ines @samir')
    net.deliver()
    channel = net.channel_of("alimentation-durable")
    net.reply("ines", "/checklist assigner 3 @ines", channel=channel["id"])
    net.reply("ines", '/checklist note 3 "Chef de file : ACI Lyon"', channel=channel["id"])
    net.reply("ines", '/engagement ajouter @ines "Animer les ateliers" --type temps --montant 2 jours',
              channel=channel["id"])
    net.deliver()
    return channel


def api(net, method, path):
    return requests.request(method, f"{net.server.url}/api/v1{path}",
                            headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=10)


def test_export_holds_everything_about_the_person(net):
    setup_consortium(net)
    response = api(net, "GET", "/people/ines/export")
    assert response.status_code == 200
    data = response.json()
    assert data["person"]["username"] == "ines" and data["person"]["email"] == "ines@example.org"
    assert [m["consortium"] for m in data["memberships"]] == ["alimentation-durable"]
    assert any(i["number"] == 3 and i["assigned"] for i in data["checklist_items"])
    assert [n["text"] for n in data["checklist_notes"]] == ["Chef de file : ACI Lyon"]
    assert [c["what"] for c in data["commitments"]] == ["Animer les ateliers"]
    assert api(net, "GET", "/people/nobody/export").status_code == 404


def test_erasure_forgets_the_person_and_keeps_the_groups_work(net):
    channel = setup_consortium(net)
    ines_id = net.users["ines"]["id"]
    assert ines_id in net.emulator.members(channel["id"])
    response = api(net, "DELETE", "/people/ines")
    assert response.status_code == 200 and response.json()["memberships_ended"] == 1
    net.deliver()
    assert ines_id not in net.emulator.members(channel["id"])
    with net.db() as session:
        erased = session.scalar(select(Person).where(Person.username.like("erased-%")))
        assert erased.email is None and erased.mattermost_user_id is None and erased.erased_at is not None
        assert session.scalar(select(ChecklistItem.assignee_id).where(ChecklistItem.number == 3)) is None
        assert session.scalar(select(Membership.left_at).where(Membership.person_id == erased.id)) is not None
        # the group's answer stays, attributed to a person nobody can name any more
        assert session.scalar(select(ChecklistNote.text).where(ChecklistNote.author_id == erased.id)) == \
            "Chef de file : ACI Lyon"
    # Neither her name (Mattermost still knows it) nor her id leads to the erased row
    assert api(net, "DELETE", "/people/ines").status_code == 404
    assert api(net, "GET", f"/people/{ines_id}/export").status_code == 404
    # the same Mattermost account coming back is a new person, not the erased one
    reply = net.reply("ines", "/consortium membres --consortium alimentation-durable")
    assert "réservé aux membres" in reply
    members = net.reply("samir", "/consortium membres", channel=channel["id"])
    assert "@ines" not in members and "@samir" in members


def test_cli_exports_and_erases(net, monkeypatch):
    from plugin.cli import _load_commands, cli

    setup_consortium(net)
    _load_commands()
    settings = net.services.settings
    for key, value in {"CONSORTIA_DATABASE_URL": settings.database_url, "CONSORTIA_SECRET_KEY": settings.secret_key,
                       "CONSORTIA_MATTERMOST_URL": settings.mattermost_url,
                       "CONSORTIA_MATTERMOST_TOKEN": settings.mattermost_token, "CONSORTIA_MATTERMOST_TEAM": "reseau",
                       "CONSORTIA_INSTANCE_DIR": str(settings.instance_dir)}.items():
        monkeypatch.setenv(key, value)
    exported = CliRunner().invoke(cli, ["privacy", "export", "@samir"], catch_exceptions=False)
    assert exported.exit_code == 0 and json.loads(exported.output)["person"]["username"] == "samir"
    erased = CliRunner().invoke(cli, ["privacy", "erase", "samir", "--yes"], catch_exceptions=False)
    assert erased.exit_code == 0 and "memberships_ended" in erased.output
    again = CliRunner().invoke(cli, ["privacy", "erase", "samir", "--yes"])
    assert again.exit_code == 1


def test_anyone_gets_a_copy_of_their_data_by_direct_message(net):
    setup_consortium(net)
    reply = net.reply("samir", "/consortium mes-donnees")
    assert "message direct" in reply
    net.deliver()
    samir = net.users["samir"]["id"]
    direct = net.emulator.direct_channels(samir)
    posts = [p for c in direct for p in net.emulator.posts(c["id"])]
    assert len(posts) == 1 and posts[0]["file_ids"]
    content = json.loads(net.emulator.files[posts[0]["file_ids"][0]]["data"])
    assert content["person"]["username"] == "samir"
    assert [m["consortium"] for m in content["memberships"]] == ["alimentation-durable"]
