"""Installing Consortia into a real Mattermost: commands, tokens, bot."""
import pytest

from tests.real_mattermost.conftest import BOT_ROLES

pytestmark = pytest.mark.real_mattermost


def test_install_registers_every_command_with_its_own_token(deployment):
    from models import RegisteredCommand
    from sqlalchemy import select

    commands = deployment.admin.get("/commands", team_id=deployment.team["id"], custom_only="true")
    ours = {c["trigger"]: c for c in commands if c["url"].startswith(deployment.app_url)}
    assert set(ours) >= {"consortium", "checklist", "role", "engagement", "session", "dialogue", "ami"}
    with deployment.services.db.reader() as session:
        stored = {r.trigger: r.token for r in session.scalars(select(RegisteredCommand))}
    assert {t: c["token"] for t, c in ours.items()} == stored
    assert len(set(stored.values())) == len(stored)


def test_install_again_updates_and_creates_nothing(deployment):
    before = deployment.admin.get("/commands", team_id=deployment.team["id"], custom_only="true")
    done = deployment.cli("mattermost", "install", CONSORTIA_MATTERMOST_TOKEN=deployment.server.admin_token)
    assert "updated" in done.stdout and "created" not in done.stdout.replace("Connected", ""), done.stdout
    after = deployment.admin.get("/commands", team_id=deployment.team["id"], custom_only="true")
    assert sorted(c["id"] for c in after) == sorted(c["id"] for c in before)
    # commands keep working with the tokens stored the first time
    town = deployment.admin.channel("town-square")
    assert deployment.person("ines").run(town["id"], "/consortium aide").ok


def test_install_created_the_bot_the_admin_then_equipped(deployment):
    bot = deployment.admin.get(f"/bots/{deployment.bot['id']}")
    assert bot["username"] == "consortia" and bot["display_name"] == "Consortia"
    assert "created" in deployment.install_output or "ready" in deployment.install_output
    me = deployment.admin.get(f"/users/{deployment.bot['id']}")
    assert me["is_bot"] and me["roles"].split() == BOT_ROLES.split()
    teams = deployment.admin.get(f"/users/{deployment.bot['id']}/teams")
    assert deployment.team["id"] in {t["id"] for t in teams}
