"""`consortia sandbox`: the whole module without a Mattermost server.

The service and the built-in Mattermost emulator run in this process; a terminal
prompt sends slash commands as a chosen user in a chosen channel and prints the
replies and the channel's new posts.
"""
from __future__ import annotations

import shlex
import sys
import threading
import time

import click

from plugin.cli import cli

from plugin.i18n import _, _l

HELP = _l("""Type a slash command (e.g. /consortium creer "Alimentation durable" --membres @ines @samir)
or one of:
  :user <name>       act as another user (admin, ines, samir, lea, claire)
  :channel <name>    move to a channel (town-square, or a consortium's slug)
  :posts [n]         show the last posts of the channel
  :click <post> <n>  press the n-th button of a post (post id prefix)
  :quit              stop""")


class Sandbox:
    def __init__(self, embedded, services, base_url):
        self.embedded, self.services, self.base_url = embedded, services, base_url
        self.emulator = embedded.emulator
        self.user = "admin"
        self.team = embedded.team
        self.channel_id = self.emulator.channel(self.team["name"], "town-square")["id"]
        self.seen: set[str] = set()

    @property
    def channel_name(self) -> str:
        channel = self.emulator.channel_by_id(self.channel_id)
        return channel["name"] if channel else "?"

    def print_posts(self, only_new: bool = True, limit: int = 10) -> None:
        posts = self.emulator.posts(self.channel_id)
        shown = [p for p in posts if not (only_new and p["id"] in self.seen)][-limit:]
        for post in shown:
            author = (self.emulator.user_by_id(post["user_id"]) or {}).get("username", "?")
            click.secho(f"[{post['id'][:6]}] @{author}:", fg="cyan")
            click.echo(post.get("message", ""))
            for attachment in (post.get("props") or {}).get("attachments", []) or []:
                if attachment.get("text"):
                    click.echo(attachment["text"])
                for index, action in enumerate(attachment.get("actions", []) or [], 1):
                    click.secho(f"   ({index}) [{action.get('name')}]", fg="yellow")
        self.seen.update(p["id"] for p in posts)

    def run_command(self, line: str) -> None:
        result = self.emulator.execute_command(self.user, self.channel_id, line)
        if result.get("status") != 200:
            click.secho(f"(HTTP {result.get('status')}) {result.get('error') or ''}", fg="red")
            return
        response = result.get("response") or {}
        if response.get("response_type") != "in_channel" and response.get("text"):
            click.secho(_("(only you can see this)"), fg="bright_black")
            click.echo(response["text"])
        time.sleep(0.3)  # let the outbox deliver what the command queued
        self.print_posts()

    def meta(self, line: str) -> bool:
        parts = shlex.split(line[1:]) or [""]
        verb, args = parts[0], parts[1:]
        if verb in ("quit", "q", "exit"):
            return False
        if verb == "user" and args:
            if self.emulator.user(args[0].lstrip("@")):
                self.user = args[0].lstrip("@")
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
        elif verb == "click" and len(args) == 2:
            post = next((p for p in self.emulator.posts(self.channel_id) if p["id"].startswith(args[0])), None)
            actions = [a for att in ((post or {}).get("props") or {}).get("attachments", []) or []
                       for a in att.get("actions", []) or []]
            if not post or not args[1].isdigit() or not 0 < int(args[1]) <= len(actions):
                click.secho(_("no such post or button"), fg="red")
            else:
                result = self.emulator.click(post["id"], actions[int(args[1]) - 1]["id"], self.user)
                text = (result.get("response") or {}).get("ephemeral_text")
                if text:
                    click.echo(text)
                time.sleep(0.3)
                self.print_posts()
        else:
            click.echo(str(HELP))
        return True

    def loop(self) -> None:
        click.echo(str(HELP))
        while True:
            try:
                line = input(f"@{self.user} ~{self.channel_name} > ").strip()
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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def sandbox(host: str, port: int) -> None:
    """Try Consortia without Mattermost: service + built-in emulator + a terminal chat."""
    from werkzeug.serving import make_server

    from plugin.app import Services, create_app
    from plugin.cli import ready_settings
    from plugin.delivery.worker import OutboxWorker

    settings, embedded = ready_settings(embedded_ok=True, host=host, port=port)
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
    try:
        if sys.stdin.isatty():
            from plugin.i18n import use_locale

            with use_locale(settings.locale):
                Sandbox(embedded, services, settings.base_url).loop()
        else:
            click.echo("No terminal attached: serving until interrupted (Ctrl-C).")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        services.worker.stop()
        server.shutdown()
        embedded.emulator.stop()
