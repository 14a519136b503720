"""Core commands: serve, sandbox, worker, db, outbox, provision, mattermost install, manifest."""
from __future__ import annotations

import sys
import time

import click

from plugin.cli import cli, load_settings_or_exit, ready_settings


# A thread per connection being read: a client that sends its request slowly (or a slowloris
# attack) holds one until it has sent everything. With 64 threads per worker, 50 such clients
# all landing on one worker still leave it threads for everyone else; behind a buffering reverse
# proxy (see the README) none ever reach gunicorn.
SERVE_THREADS = 64


def gunicorn_settings(workers: int, threads: int) -> dict:
    """gunicorn's settings for `consortia serve` (threaded workers, bounded requests)."""
    return {
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "worker_connections": 1000,       # connections a worker holds at once (slow ones included)
        "timeout": 60,                    # a worker silent that long is restarted
        "graceful_timeout": 30,
        "keepalive": 5,                   # idle keep-alive connections wait in the poller, not in a thread
        "limit_request_line": 4094,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,
    }


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=SERVE_THREADS, show_default=True, type=click.IntRange(2, 1000),
              help="threads per worker (each slow client holds one while its request arrives)")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Run the service under gunicorn, with the outbox worker (and the emulator without Mattermost)."""
    from gunicorn.app.base import BaseApplication

    from plugin.app import Services, create_app

    settings, embedded = ready_settings(embedded_ok=True, host=host, port=port)
    services = Services(settings)
    app = create_app(services=services)
    if embedded is not None:
        click.echo(f"No Mattermost configured: the built-in emulator runs at {settings.mattermost_url} "
                   f"(team '{embedded.team['name']}', users admin, ines, samir, lea). "
                   f"Try `consortia sandbox` to type commands.")
    click.echo(f"Consortia listening on http://{host}:{port} (database: {settings.database_url.split(':')[0]})")

    def post_worker_init(_worker):
        services.db.dispose()  # never share a connection across fork
        if settings.run_worker:
            from plugin.delivery.worker import OutboxWorker

            services.worker = OutboxWorker(services).start()

    class Server(BaseApplication):
        def load_config(self):
            for name, value in gunicorn_settings(workers, threads).items():
                self.cfg.set(name, value)
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("post_worker_init", post_worker_init)

        def load(self):
            return app

    Server().run()


@cli.command()
@click.option("--once", is_flag=True, help="deliver what is due, then stop")
@click.option("--lease", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="seconds a claim survives without renewal (the worker renews it while it works): "
                   "how long the messages of a crashed worker wait before another takes them over")
def worker(once: bool, lease: float) -> None:
    """Deliver the outbox and run scheduled jobs (digests, reminders) in this process."""
    from plugin.app import Services
    from plugin.delivery.worker import OutboxWorker
    from plugin.logging_setup import configure_logging

    settings, _ = ready_settings(embedded_ok=False)
    configure_logging(secrets=tuple(filter(None, (settings.mattermost_token, settings.caldav_password))))
    services = Services(settings)
    outbox = OutboxWorker(services, lease=lease)
    services.worker = outbox
    if once:
        outbox.run_periodic()
        click.echo(f"{outbox.run_until_idle()} message(s) processed")
        return
    click.echo("Outbox worker running (Ctrl-C to stop)")
    outbox.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        outbox.stop()


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations (needed for PostgreSQL deployments; SQLite upgrades itself in serve)."""
    from models.migrate import upgrade

    settings = load_settings_or_exit()
    upgrade(settings.database_url, revision)
    click.echo(f"Database upgraded to {revision}.")


@db.command("current")
def db_current() -> None:
    from models.db import make_engine
    from models.migrate import current_revision, head_revision

    settings = load_settings_or_exit()
    engine = make_engine(settings.database_url)
    click.echo(f"current: {current_revision(engine) or 'none'} / head: {head_revision()}")
    engine.dispose()


@cli.command()
@click.option("--write/--check", default=True, help="write manifest.json, or only check it is up to date")
def manifest(write: bool) -> None:
    """Generate manifest.json from the declared command grammar."""
    from plugin.manifest import MANIFEST_PATH, render_manifest, write_manifest

    if write:
        write_manifest()
        click.echo(f"Wrote {MANIFEST_PATH}")
    elif not MANIFEST_PATH.exists() or MANIFEST_PATH.read_text(encoding="utf-8") != render_manifest():
        click.echo("manifest.json is out of date: run `consortia manifest`", err=True)
        sys.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.pass_context
def run(ctx, host: str, port: int) -> None:
    """Start Consortia: `serve` when a Mattermost server is configured, else the `sandbox`."""
    settings = load_settings_or_exit()
    if settings.mattermost_configured:
        ctx.invoke(serve, host=host, port=port)
    else:
        from plugin.cli.sandbox import sandbox

        ctx.invoke(sandbox, host=host, port=port)
