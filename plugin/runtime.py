"""Putting the pieces together for `serve` and `sandbox`: database, emulator, worker."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from plugin.config import Settings

log = logging.getLogger(__name__)

SANDBOX_TEAM = "reseau"
SANDBOX_PEOPLE = (
    # username, first name, last name, e-mail, roles
    ("admin", "Alice", "Martin", "alice.martin@reseau-inclusion.example", "system_user"),
    ("ines", "Inès", "Benali", "ines.benali@aci-lyon.example", "system_user"),
    ("samir", "Samir", "Haddad", "samir.haddad@ei-recyclage.example", "system_user"),
    ("lea", "Léa", "Roux", "lea.roux@etti-rhone.example", "system_user"),
    ("claire", "Claire", "Dubois", "claire.dubois@fondation-solidaire.example", "system_guest"),
)
TRIGGER_WORDS = ("consortium", "checklist", "role", "engagement", "commitment", "session", "dialogue", "ami",
                 "eoi")


class DatabaseNotReady(Exception):
    pass


def prepare_database(settings: Settings) -> None:
    """SQLite upgrades itself; PostgreSQL must be upgraded explicitly (`consortia db upgrade`)."""
    from models.db import make_engine
    from models.migrate import current_revision, head_revision, upgrade

    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
        return
    engine = make_engine(settings.database_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    if current != head_revision():
        raise DatabaseNotReady(f"the database is at revision {current or 'none'}, the code expects "
                               f"{head_revision()}: run `consortia db upgrade`")


@dataclass
class EmbeddedMattermost:
    emulator: object
    team: dict
    users: dict
    command_token: str
    state_path: Path | None = None   # where its state is kept between runs (the sandbox)
    restored: bool = False           # started from a saved state (people and channels already there)

    def save(self) -> None:
        if self.state_path is not None:
            self.emulator.save(self.state_path)


def sandbox_state_path(settings: Settings) -> Path:
    """The emulator's state, beside the SQLite database (in the instance directory otherwise)."""
    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///")).parent / "sandbox-mattermost.json"
    return settings.instance_dir / "sandbox-mattermost.json"


def start_embedded_mattermost(base_url_holder: dict, state_path: Path | None = None) -> EmbeddedMattermost:
    """The built-in Mattermost emulator, seeded with a team, an admin, members and a bot — or, with a
    ``state_path`` already written, as it was when it was last saved."""
    from integrations.mattermost.emulator import MattermostEmulator

    emulator = MattermostEmulator(spec_path=None).start()
    if state_path is not None and state_path.exists():
        emulator.load(state_path)
        team = emulator.team(SANDBOX_TEAM)
        users = {username: emulator.user(username) for username, *_rest in SANDBOX_PEOPLE}
        users["consortia"] = emulator.user("consortia")
        return EmbeddedMattermost(emulator, team, users, emulator.create_token(users["consortia"]["id"]),
                                  state_path, restored=True)
    team = emulator.create_team(SANDBOX_TEAM, "Réseau inclusion (sandbox)")
    users = {}
    for username, first, last, email, roles in SANDBOX_PEOPLE:
        users[username] = emulator.create_user(username, email, first_name=first, last_name=last,
                                               roles=roles, guest=roles == "system_guest", team=SANDBOX_TEAM)
    bot = emulator.create_user("consortia", "consortia@reseau-inclusion.example", is_bot=True, team=SANDBOX_TEAM)
    users["consortia"] = bot
    token = emulator.create_token(bot["id"])
    return EmbeddedMattermost(emulator, team, users, token, state_path)


def _move_buttons(embedded: EmbeddedMattermost, base_url: str) -> None:
    """A restored sandbox may listen on another port than last time: its buttons follow."""
    emulator = embedded.emulator
    old = {action["integration"]["url"].rsplit("/mattermost/", 1)[0]
           for channel in emulator.channels() for post in emulator.posts(channel["id"])
           for attachment in (post.get("props") or {}).get("attachments") or []
           for action in attachment.get("actions") or []
           if "/mattermost/" in ((action.get("integration") or {}).get("url") or "")}
    for previous in old - {base_url.rstrip("/")}:
        emulator.move_integration(previous, base_url)


def register_sandbox_commands(embedded: EmbeddedMattermost, base_url: str) -> str:
    if embedded.restored:
        _move_buttons(embedded, base_url)
    command_token = secrets.token_hex(13)
    for word in TRIGGER_WORDS:
        embedded.emulator.register_command(embedded.team["id"], word, f"{base_url}/mattermost/command",
                                           token=command_token, creator=embedded.users["consortia"]["id"])
    return command_token
