"""`consortia sandbox`: the whole module without a Mattermost server.

The service and the built-in Mattermost emulator run in this process; a terminal
prompt sends slash commands as a chosen user in a chosen channel and prints the
replies (private ones marked), the channel's new posts with their files, the forms
(asked field by field, sent to the real form endpoint) and the direct messages.

The emulator's state is saved beside the SQLite database after each action, so a
restart finds its people, channels and posts again; `--reset` starts afresh. A fresh
sandbox has a few organisations and a foundation with its representative, made with
the same slash commands an admin would type.
"""
from __future__ import annotations

import shlex
import sys
import threading
import time
from pathlib import Path

import click

from plugin.cli import cli
from plugin.cli.sandbox_people import Directory as People
from plugin.cli.sandbox_form import fill_form
from plugin.i18n import _, _l, ngettext

HELP = _l("""Type a slash command (e.g. /consortium creer "Alimentation durable" --membres @ines @samir)
or one of:
  :user <name>       act as another user (admin, ines, samir, lea, claire)
  :channel <name>    move to a channel (town-square, or a consortium's slug)
  :posts [n]         show the last posts of the channel
  :click <post> <n>  press the n-th button of post number <post>
  :save <post> [path]  save the files attached to post number <post> (without a path: print them)
  :dm                show your direct messages
  :who               the sandbox's people and their roles
  :quit              stop (everything is kept for the next `consortia run`)""")

# What a fresh sandbox starts with, typed by the network's admin: organisations, and a foundation whose
# representative is claire (a guest account), so that every example of the README works at once.
SEED = (
    '/role organisation ajouter ACI-Lyon "Atelier chantier d\'insertion de Lyon" --siae ACI --departement 69',
    '/role organisation ajouter EI-Recyclage "EI Recyclage Rhône" --siae EI --departement 69',
    '/role organisation ajouter ETTI-Rhone "ETTI du Rhône" --siae ETTI --departement 69',
    '/consortium fondation ajouter FondationX "Fondation X" --themes "Emploi, Alimentation"',
    "/consortium fondation representant FondationX @claire",
)


class Sandbox:
    def __init__(self, embedded, services, base_url):
        self.embedded, self.services, self.base_url = embedded, services, base_url
        self.emulator = embedded.emulator
        self.user = "admin"
        self.team = embedded.team
        self.channel_id = self.emulator.channel(self.team["name"], "town-square")["id"]
        self.people = People(services, self.emulator)
        self.seen: dict[str, int] = {}   # post id -> the version shown (its update time)
        self._remember_all()
        self.seen_ephemerals = len(self.emulator.ephemerals())
        self.seen_dialogs = len(self.emulator.dialogs())

    def _remember(self, posts: list[dict]) -> None:
        self.seen.update((p["id"], p.get("update_at", 0)) for p in posts)

    def _remember_all(self) -> None:
        for channel in self.emulator.channels():
            self._remember(self.emulator.posts(channel["id"]))

    def _is_new(self, post: dict) -> bool:
        """Never shown, or edited since (a card whose answers changed)."""
        return self.seen.get(post["id"]) != post.get("update_at", 0)

    # --- where and who --------------------------------------------------------------------------

    @property
    def channel_name(self) -> str:
        channel = self.emulator.channel_by_id(self.channel_id)
        return channel["name"] if channel else "?"

    @property
    def user_id(self) -> str:
        return self.emulator.user(self.user)["id"]

    def prompt(self) -> str:
        return f"@{self.user} ({self.people.role_of(self.user, self.channel_id)}) ~{self.channel_name} > "

    # --- what the person sees -------------------------------------------------------------------

    def _author(self, post: dict) -> str:
        return (self.emulator.user_by_id(post["user_id"]) or {}).get("username", "?")

    def show_post(self, number: int | None, post: dict) -> None:
        thread = "  ↳ " if post.get("root_id") else ""
        if number is None:   # an ephemeral post: only its reader sees it, and it is not kept
            click.secho(_("(only you can see this)"), fg="bright_black")
        else:
            edited = " " + _("(edited)") if post["id"] in self.seen and self._is_new(post) else ""
            click.secho(f"{thread}[{number}] @{self._author(post)}:{edited}", fg="cyan")
        if post.get("message"):
            click.echo(post["message"])
        for attachment in (post.get("props") or {}).get("attachments", []) or []:
            if attachment.get("text"):
                click.echo(attachment["text"])
            for index, action in enumerate(attachment.get("actions", []) or [], 1):
                click.secho(f"   ({index}) [{action.get('name')}]", fg="yellow")
        for info in (post.get("metadata") or {}).get("files", []) or []:
            click.secho(f"   📎 {info.get('name')} ({info.get('size', 0)} B) — :save {number}", fg="yellow")

    def print_posts(self, only_new: bool = True, limit: int = 10) -> None:
        posts = self.emulator.posts(self.channel_id)
        numbered = [(n, p) for n, p in enumerate(posts, 1) if not only_new or self._is_new(p)][-limit:]
        for number, post in numbered:
            self.show_post(number, post)
        self._remember(posts)

    def _post_numbered(self, number: str) -> dict | None:
        posts = self.emulator.posts(self.channel_id)
        if number.isdigit() and 0 < int(number) <= len(posts):
            return posts[int(number) - 1]
        return next((p for p in posts if p["id"].startswith(number)), None) if len(number) >= 4 else None

    def _new_ephemerals(self) -> None:
        """Private answers (a command's reply, a notice sent through the API): marked, for this person only."""
        ephemerals = self.emulator.ephemerals()
        for ephemeral in ephemerals[self.seen_ephemerals:]:
            if ephemeral["user_id"] == self.user_id:
                self.show_post(None, ephemeral)
        self.seen_ephemerals = len(ephemerals)

    def deliver(self, *, patience: float = 10.0) -> None:
        """Deliver what is due now (here, or by the background worker that may have claimed it first)."""
        from sqlalchemy import func, or_, select

        from models import OutboxMessage, utcnow
        from plugin.delivery.worker import OutboxWorker

        worker = OutboxWorker(self.services, jobs={})
        deadline = time.monotonic() + patience
        while True:
            worker.run_until_idle()
            with self.services.db.reader() as session:
                # Due now, or being delivered by the background worker (which holds it until its outcome).
                due = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.status == "pending", OutboxMessage.blocked_on.is_(None),
                    or_(OutboxMessage.available_at <= utcnow(), OutboxMessage.locked_by.is_not(None))))
            if not due or time.monotonic() > deadline:
                return
            time.sleep(0.1)

    def settle(self) -> None:
        """Let the outbox deliver what the action queued, then show what changed for this person."""
        self.deliver()
        dialogs = self.emulator.dialogs()
        fresh, self.seen_dialogs = dialogs[self.seen_dialogs:], len(dialogs)
        self._new_ephemerals()
        self.print_posts()
        self._direct_messages(only_new=True)
        self.embedded.save()
        for entry in fresh:
            if entry["user_id"] == self.user_id:
                self.form(entry)

    def _direct_messages(self, *, only_new: bool) -> None:
        found = False
        for channel in self.emulator.direct_channels(self.user_id):
            posts = self.emulator.posts(channel["id"])
            for number, post in [(n, p) for n, p in enumerate(posts, 1) if not only_new or self._is_new(p)]:
                if not found:
                    click.secho(_("📨 Direct messages:") if not only_new else _("📨 New direct message:"), fg="magenta")
                    found = True
                self.show_post(number, post)
            self._remember(posts)
        if not found and not only_new:
            click.echo(_("No direct message."))

    # --- actions ------------------------------------------------------------------------------

    def run_command(self, line: str) -> None:
        result = self.emulator.execute_command(self.user, self.channel_id, line)
        if result.get("status") != 200:
            click.secho(f"(HTTP {result.get('status')}) {result.get('error') or ''}", fg="red")
            return
        self.settle()   # the reply is among the new posts or the private answers

    def form(self, entry: dict) -> None:
        """A form the last action opened: asked in the terminal, sent to the service as Mattermost would."""
        submitted = fill_form(entry["dialog"], lambda submission: self.emulator.submit_dialog(
            entry, self.user, submission))
        if submitted is None:
            self.emulator.submit_dialog(entry, self.user, {}, cancelled=True)
            click.echo(_("Form cancelled."))
        self.settle()

    def click_button(self, args: list[str]) -> None:
        post = self._post_numbered(args[0]) if args else None
        actions = [a for att in ((post or {}).get("props") or {}).get("attachments", []) or []
                   for a in att.get("actions", []) or []]
        if len(args) != 2 or not post or not args[1].isdigit() or not 0 < int(args[1]) <= len(actions):
            click.secho(_("no such post or button"), fg="red")
            return
        result = self.emulator.click(post["id"], actions[int(args[1]) - 1]["id"], self.user)
        if result.get("status") != 200:
            click.secho(f"(HTTP {result.get('status')}) {result.get('error') or ''}", fg="red")
        self.settle()   # its private line is among the private answers

    def save(self, args: list[str]) -> None:
        post = self._post_numbered(args[0]) if args else None
        infos = (post or {}).get("metadata", {}).get("files", []) if post else []
        if not infos:
            click.secho(_("no file attached to that post"), fg="red")
            return
        files = self.emulator.files
        for info in infos:
            data = files[info["id"]]["data"]
            if len(args) < 2:
                click.secho(f"--- {info['name']} ---", fg="yellow")
                click.echo(data.decode("utf-8-sig", errors="replace"))
                continue
            target = Path(args[1]).expanduser()
            if target.is_dir() or len(infos) > 1:
                target.mkdir(parents=True, exist_ok=True)
                target = target / info["name"]
            target.write_bytes(data)
            click.echo(_("Saved {path} ({size} bytes).", path=str(target), size=len(data)))

    def meta(self, line: str) -> bool:
        try:
            parts = shlex.split(line[1:]) or [""]
        except ValueError:
            parts = line[1:].split() or [""]
        verb, args = parts[0], parts[1:]
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "user" and args:
            if self.emulator.user(args[0].lstrip("@")):
                self.user = args[0].lstrip("@").lower()
            else:
                click.secho(_("unknown user"), fg="red")
        elif verb == "channel" and args:
            channel = self.emulator.channel(self.team["name"], args[0].lstrip("~"))
            if channel:
                self.channel_id = channel["id"]
                self.print_posts(only_new=False)
            else:
                click.secho(_("unknown channel"), fg="red")
        elif verb == "posts":
            self.print_posts(only_new=False, limit=int(args[0]) if args and args[0].isdigit() else 10)
        elif verb == "click":
            self.click_button(args)
        elif verb == "save":
            self.save(args)
        elif verb == "dm":
            self._direct_messages(only_new=False)
        elif verb == "who":
            click.echo(self.people.listing())
        else:
            click.echo(str(HELP))
        return True

    def seed(self) -> None:
        """A fresh sandbox's organisations and foundation, typed by the admin (answers not shown)."""
        town_square = self.channel_id
        for line in SEED:
            self.emulator.execute_command("admin", town_square, line)
        self.deliver()
        self._remember_all()
        for user in ("admin", "claire"):
            for channel in self.emulator.direct_channels(self.emulator.user(user)["id"]):
                self._remember(self.emulator.posts(channel["id"]))
        self.seen_ephemerals = len(self.emulator.ephemerals())
        self.embedded.save()

    def loop(self) -> None:
        click.echo(str(HELP))
        while True:
            try:
                line = input(self.prompt()).strip()
            except (EOFError, KeyboardInterrupt):
                click.echo("")
                return
            if not line:
                continue
            if line.startswith(":"):
                if not self.meta(line):
                    return
            elif line.startswith("/"):
                self.run_command(line)
            else:
                click.echo(str(HELP))


def _logs_to_file(settings) -> Path:
    """The chat is the terminal: the service's log lines go to a file beside the database instead."""
    import logging

    from plugin.runtime import sandbox_state_path

    path = sandbox_state_path(settings).with_name("sandbox.log")
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    if root.handlers:   # the same format and filters (secrets are masked)
        handler.setFormatter(root.handlers[0].formatter)
        for log_filter in root.handlers[0].filters:
            handler.addFilter(log_filter)
    for previous in list(root.handlers):
        root.removeHandler(previous)
    root.addHandler(handler)
    return path


def _reset(settings) -> None:
    """Forget the sandbox: its SQLite database and the emulator's saved state."""
    from plugin.runtime import sandbox_state_path

    if not settings.database_url.startswith("sqlite:///"):
        click.echo("--reset starts afresh an SQLite sandbox only; this database is not SQLite (nothing removed).",
                   err=True)
        sys.exit(2)
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm"),
                 sandbox_state_path(settings)):
        path.unlink(missing_ok=True)
    click.echo(f"Sandbox reset: {database} and the emulator's state removed.")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="start afresh: forget the sandbox's database and people")
def sandbox(host: str, port: int, reset: bool = False) -> None:
    """Try Consortia without Mattermost: service + built-in emulator + a terminal chat."""
    from werkzeug.serving import make_server

    from plugin.app import Services, create_app
    from plugin.cli import load_settings_or_exit, ready_settings
    from plugin.delivery.worker import OutboxWorker

    if reset:
        _reset(load_settings_or_exit())
    settings, embedded = ready_settings(embedded_ok=True, host=host, port=port, keep_state=True)
    if embedded is None:
        click.echo("A Mattermost server is configured (CONSORTIA_MATTERMOST_URL): the sandbox uses the built-in "
                   "emulator only; unset it to try the sandbox.", err=True)
        sys.exit(2)
    services = Services(settings.with_overrides(worker_poll_seconds=0.2))
    app = create_app(services=services)
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    services.worker = OutboxWorker(services).start()
    click.echo(f"Consortia on {settings.base_url} — Mattermost emulator on {settings.mattermost_url}")
    if sys.stdin.isatty():
        click.echo(f"Log: {_logs_to_file(settings)}")
    try:
        from plugin.i18n import use_locale

        with use_locale(settings.locale):
            shell = Sandbox(embedded, services, settings.base_url)
            if not embedded.restored:
                shell.seed()
            else:
                count = len(shell.people.consortia())
                click.echo(ngettext("Welcome back: {n} consortium, as you left it.",
                                    "Welcome back: {n} consortiums, as you left them.", count))
            if sys.stdin.isatty():
                shell.loop()
            else:
                click.echo("No terminal attached: serving until interrupted (Ctrl-C).")
                while True:
                    time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        embedded.save()
        services.worker.stop()
        server.shutdown()
        embedded.emulator.stop()
