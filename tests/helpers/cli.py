"""The `consortia` command line, run in this process against the test network's database and Mattermost."""
from __future__ import annotations

from click.testing import CliRunner


def run_cli(net, monkeypatch, args):
    from plugin.cli import _load_commands, cli

    _load_commands()
    settings = net.services.settings
    env = {"CONSORTIA_DATABASE_URL": settings.database_url, "CONSORTIA_SECRET_KEY": settings.secret_key,
           "CONSORTIA_MATTERMOST_URL": settings.mattermost_url, "CONSORTIA_MATTERMOST_TOKEN": settings.mattermost_token,
           "CONSORTIA_MATTERMOST_TEAM": "reseau", "CONSORTIA_BASE_URL": settings.base_url,
           "CONSORTIA_INSTANCE_DIR": str(settings.instance_dir)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(cli, args, catch_exceptions=False)
