"""The sandbox's pieces, fast: the emulator's state survives a save and a load (ids, channels, posts,
files), and a form is asked in the terminal field by field, with what the service refuses asked again."""
from __future__ import annotations

import builtins

import pytest
import requests

from integrations.mattermost.emulator import MattermostEmulator
from plugin.cli.sandbox_form import fill_form


def test_the_emulator_comes_back_as_it_was_saved(tmp_path):
    path = tmp_path / "instance" / "sandbox-mattermost.json"
    with MattermostEmulator(spec_path=None) as first:
        team = first.create_team("reseau")
        ines = first.create_user("ines", "ines@example.org", team="reseau")
        bot = first.create_user("consortia", "bot@example.org", is_bot=True, team="reseau")
        channel = first.create_channel(team["id"], "alimentation-durable", type="P", members=["ines"])
        token = first.create_token(bot["id"])
        first.add_to_channel(channel["id"], bot["id"])
        auth = {"Authorization": f"Bearer {token}"}
        uploaded = requests.post(f"{first.url}/api/v4/files", headers=auth, timeout=10,
                                 params={"channel_id": channel["id"]},
                                 files={"files": ("export.csv", b"a;b\n1;2\n")}).json()
        file_id = uploaded["file_infos"][0]["id"]
        post = requests.post(f"{first.url}/api/v4/posts", headers=auth, timeout=10, json={
            "channel_id": channel["id"], "message": "Bienvenue", "file_ids": [file_id]}).json()
        first.save(path)
    with MattermostEmulator(spec_path=None) as second:
        second.load(path)
        assert second.user("ines")["id"] == ines["id"]
        assert second.channel("reseau", "alimentation-durable")["id"] == channel["id"]
        assert second.members(channel["id"]) == {ines["id"], bot["id"]}
        [kept] = second.posts(channel["id"])
        assert kept["id"] == post["id"] and kept["metadata"]["files"][0]["name"] == "export.csv"
        assert second.files[file_id]["data"] == b"a;b\n1;2\n"
        # It keeps working: a new token, a new post after the old one.
        auth = {"Authorization": f"Bearer {second.create_token(bot['id'])}"}
        later = requests.post(f"{second.url}/api/v4/posts", headers=auth, timeout=10, json={
            "channel_id": channel["id"], "message": "Encore là"}).json()
        assert later["create_at"] > kept["create_at"]
        assert [p["message"] for p in second.posts(channel["id"])] == ["Bienvenue", "Encore là"]


def _typing(monkeypatch, *lines: str) -> tuple[list[str], list[str]]:
    """The person types ``lines``; returns (what is left to type, the prompts shown)."""
    left, prompts = list(lines), []

    def read(prompt: str = "") -> str:
        prompts.append(prompt)
        return left.pop(0)

    monkeypatch.setattr(builtins, "input", read)
    return left, prompts


DIALOG = {"title": "Ajouter un engagement", "elements": [
    {"name": "what", "display_name": "Quoi", "type": "text"},
    {"name": "kind", "display_name": "Type", "type": "select", "default": "time",
     "options": [{"text": "Temps", "value": "time"}, {"text": "Argent", "value": "money"}]},
    {"name": "note", "display_name": "Note", "type": "textarea", "optional": True},
    {"name": "public", "display_name": "Public", "type": "bool"},
]}


def test_a_form_is_asked_field_by_field_and_the_refused_field_again(monkeypatch, capsys):
    sent = []

    def submit(values: dict) -> dict:
        sent.append(values)
        if len(sent) == 1:
            return {"status": 200, "response": {"errors": {"what": "Trop court."}}}
        return {"status": 200, "response": {}}

    left, prompts = _typing(monkeypatch, "", "x", "2", "", "peut-être", "oui", "Deux jours de mécénat")
    assert fill_form(DIALOG, submit) == {"status": 200, "response": {}}
    assert left == [] and "  > [Temps] " in prompts
    assert sent == [{"what": "x", "kind": "money", "public": True},
                    {"what": "Deux jours de mécénat", "kind": "money", "public": True}]
    shown = capsys.readouterr().out
    assert "Ajouter un engagement" in shown and "1) Temps" in shown
    assert shown.count("⚠️") == 3 and "Trop court." in shown


def test_a_form_can_be_cancelled(monkeypatch):
    _typing(monkeypatch, "quelque chose", ":cancel")
    assert fill_form(DIALOG, lambda values: pytest.fail("nothing is sent")) is None
