"""The `consortia` command line: provisioning from YAML is idempotent and says what happened."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from models import Consortium
from tests.helpers.cli import run_cli


def test_provision_file_twice_creates_each_consortium_once(net, monkeypatch, tmp_path):
    groups = tmp_path / "groups.yaml"
    groups.write_text("""
consortia:
  - name: Alimentation durable
    theme: Alimentation
    members: [ines, samir]
  - name: Mobilité
    members: [lea]
  - name: ""
""", encoding="utf-8")
    first = run_cli(net, monkeypatch, ["provision", str(groups)])
    assert "Alimentation durable" in first.output and "created" in first.output
    assert "invalid" in first.output and first.exit_code == 1  # the empty name is reported
    groups.write_text(groups.read_text().replace('  - name: ""\n', ""), encoding="utf-8")
    second = run_cli(net, monkeypatch, ["provision", str(groups)])
    assert second.exit_code == 0, second.output
    assert second.output.count("exists") == 2 and "channel:done" in second.output
    with net.db() as session:
        assert session.scalar(select(func.count()).select_from(Consortium)) == 2
    assert net.channel_of("alimentation-durable") and net.channel_of("mobilite")


def test_mattermost_install_registers_commands_and_stores_tokens(net, monkeypatch):
    admin_token = net.emulator.create_token(net.users["root"]["id"])
    monkeypatch.setenv("CONSORTIA_MATTERMOST_TOKEN", admin_token)
    from plugin.cli import _load_commands, cli

    _load_commands()
    settings = net.services.settings
    for key, value in {"CONSORTIA_DATABASE_URL": settings.database_url, "CONSORTIA_SECRET_KEY": settings.secret_key,
                       "CONSORTIA_MATTERMOST_URL": settings.mattermost_url, "CONSORTIA_MATTERMOST_TEAM": "reseau",
                       "CONSORTIA_BASE_URL": "https://consortia.example.org",
                       "CONSORTIA_INSTANCE_DIR": str(settings.instance_dir)}.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, ["mattermost", "install"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    registered = [c for c in net.emulator.commands(net.team["id"])
                  if c["url"] == "https://consortia.example.org/mattermost/command"]
    assert {c["trigger"] for c in registered} >= {"consortium", "checklist", "role", "engagement", "session",
                                                  "dialogue", "ami"}
    from models import RegisteredCommand

    with net.db() as session:
        tokens = dict(session.execute(select(RegisteredCommand.trigger, RegisteredCommand.token)).all())
    assert tokens["consortium"] == next(c["token"] for c in registered if c["trigger"] == "consortium")
    assert any(b["username"] == "consortia" for b in net.emulator.bots()) and "bot: @consortia ready" in result.output
    again = CliRunner().invoke(cli, ["mattermost", "install"], catch_exceptions=False)
    assert again.exit_code == 0 and "updated" in again.output
