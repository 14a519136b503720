"""Installing Consortia into a real Mattermost: commands, tokens, bot."""
import pytest

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
