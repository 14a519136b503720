"""The Flask app factory and the services container every layer shares."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from integrations.mattermost.verification import verify_command_token
from models.db import Database
from plugin.config import Settings, load_settings
from plugin.kernel.clock import Clock
from plugin.logging_setup import configure_logging, new_request_id, request_id_var
from plugin.security import Signer
from plugin.kernel.people import AdminIds, Directory, NetworkCache, OfflineDirectory

log = logging.getLogger(__name__)

class _JSONProvider(DefaultJSONProvider):
    """JSON nested deeper than Python's recursion limit is malformed input (400), not a crash (500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


class Services:
    """Settings, database, clock and integration clients, built once per process; the runtime that
    the runner hands to use cases (``plugin.kernel.usecase.Runtime``)."""

    def __init__(self, settings: Settings, *, db: Database | None = None, clock: Clock | None = None):
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.signer = Signer(settings.secret_key)
        self.clock = clock or Clock()
        self.worker = None  # set when an in-process outbox worker runs
        self.networks = NetworkCache()
        self.admins = AdminIds()
        self._lock = threading.Lock()
        self._clients: dict[str, object] = {}
        self._command_tokens: tuple[float, dict[str, str]] = (0.0, {})

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    # --- the front door: every table of the application, and the runner ------------------

    @property
    def registry(self):
        from plugin.frontdoor.registry import registry

        return registry()

    @property
    def runner(self):
        runner = self.__dict__.get("_runner")
        if runner is None:
            from plugin.frontdoor.runner import Runner

            runner = self.__dict__["_runner"] = Runner(self, self.registry)
        return runner

    # --- integrations (lazy: nothing is contacted at start-up) ----------------------------

    def _client(self, name: str, factory):
        with self._lock:
            if name not in self._clients:
                self._clients[name] = factory()
            return self._clients[name]

    def mattermost(self, *, interactive: bool = False):
        """The Mattermost client, or None when not connected.

        ``interactive`` clients serve the request path: short timeouts, one retry.
        """
        if not self.settings.mattermost_configured:
            return None
        from integrations.mattermost.client import MattermostClient

        if interactive:
            return self._client("mattermost-interactive", lambda: MattermostClient(
                self.settings.mattermost_url, self.settings.mattermost_token, timeout=3, max_retries=1,
                backoff_base=0.2, max_wait=1))
        return self._client("mattermost", lambda: MattermostClient(
            self.settings.mattermost_url, self.settings.mattermost_token, timeout=10, max_retries=1,
            backoff_base=0.5, max_wait=5))  # the outbox has its own, longer back-off

    @property
    def directory(self) -> Directory:
        ttl = timedelta(seconds=self.settings.directory_ttl_seconds)
        client = self.mattermost(interactive=True)
        if client is None:
            return OfflineDirectory(ttl)
        from plugin.directory import MattermostDirectory

        return MattermostDirectory(client, ttl)

    def admin_ids(self, session: Session) -> frozenset[str]:
        """The Mattermost ids of the network's admins named in ``CONSORTIA_ADMINS``."""
        return self.admins.ids(self.settings.admins, self.directory, session)

    def caldav(self):
        if not self.settings.caldav_configured:
            return None
        from integrations.calendar.caldav_client import CalDAVClient

        return self._client("caldav", lambda: CalDAVClient(
            self.settings.caldav_url, self.settings.caldav_username or "", self.settings.caldav_password or ""))

    def smtp(self):
        if not self.settings.smtp_configured:
            return None
        from integrations.calendar.imip import SMTPSender

        return self._client("smtp", lambda: SMTPSender(self.settings.smtp_url, self.settings.mail_from))

    def reset_clients(self) -> None:
        with self._lock:
            self._clients.clear()

    # --- slash command tokens -------------------------------------------------------------

    def command_token_valid(self, token: str | None, command: str) -> bool:
        """A hand-listed token (``CONSORTIA_COMMAND_TOKENS``) is valid for every trigger; a token
        `consortia mattermost install` stored only for the trigger it was registered for."""
        if verify_command_token(token, self.settings.command_tokens):
            return True
        trigger = command.strip().lstrip("/").lower()
        for fresh in (False, True):  # a command registered a moment ago: read the table again, once
            registered = self._registered_tokens(refresh=fresh)
            if trigger in registered and verify_command_token(token, (registered[trigger],)):
                return True
        return False

    def _registered_tokens(self, *, refresh: bool) -> dict[str, str]:
        fetched_at, tokens = self._command_tokens
        age = time.monotonic() - fetched_at
        # However many wrong tokens arrive, the table is read at most once every two seconds.
        if age > 30 or (refresh and age > 2):
            from models import RegisteredCommand

            with self.db.reader() as session:
                tokens = dict(session.execute(select(RegisteredCommand.trigger, RegisteredCommand.token)).all())
            self._command_tokens = (time.monotonic(), tokens)
        return tokens

    def notify_outbox(self) -> None:
        if self.worker is not None:
            self.worker.wake()


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> Flask:
    """Build the Flask app; ``settings`` default to the environment (PRODUCT.md §3)."""
    if services is None:
        settings = settings or load_settings()
        services = Services(settings)
    settings = services.settings
    if not settings.testing:
        from urllib.parse import urlparse

        configure_logging(secrets=tuple(filter(None, (
            settings.secret_key, settings.mattermost_token, settings.caldav_password,
            urlparse(settings.redis_url).password if settings.redis_url else None,
            *settings.command_tokens, *settings.api_tokens))))

    app = Flask(__name__, instance_path=str(settings.instance_dir.resolve()))
    app.json = _JSONProvider(app)
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=2 * 1024 * 1024,
                      SESSION_COOKIE_SECURE=settings.base_url.startswith("https"),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.extensions["consortia"] = services
    if settings.proxies:
        # The client's address as the nearest trusted proxies saw it (rate limits, logs); with no proxy
        # configured, a forged X-Forwarded-For changes nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies)
    app.extensions["consortia_limiter"] = _limiter(app, settings)

    from plugin.web import register_blueprints

    services.registry  # every feature's tables, built once: a declaration error fails at start-up
    register_blueprints(app)
    _limit_callbacks(app, settings.callback_rate_limit)

    @app.before_request
    def _request_id():
        rid = (request.headers.get("X-Request-Id") or "")[:64] or new_request_id()
        g.request_id = rid
        g.request_id_token = request_id_var.set(rid)
        g.started = time.perf_counter()

    @app.after_request
    def _headers(response):
        response.headers["X-Request-Id"] = g.get("request_id", "-")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        from plugin.metrics import observe

        observe(request.endpoint or "unknown", response.status_code, time.perf_counter() - g.get("started", 0))
        return response

    @app.errorhandler(HTTPException)
    def _machine_errors(error: HTTPException):
        # Machines (the API, Mattermost) get JSON with a code, never an HTML page; people keep the pages.
        if not request.path.startswith(("/api/", "/mattermost/")):
            return error
        from plugin.frontdoor.errors import http_code

        code = http_code(error.code or 500)
        response = jsonify(error=code)
        response.status_code = error.code or 500
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)

    return app


def _limiter(app: Flask, settings: Settings):
    """Rate limits per client address, counted in Redis when configured so that every worker process
    (and machine) shares the counts; in this process's memory otherwise. If Redis fails, requests are
    let through on per-process counts rather than refused."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    class _Limiter(Limiter):
        """Limits are given per endpoint, with ``limit_endpoint``: only those endpoints run the limiter's
        per-request work of finding which limits apply. Every other request (commands, pages, the API,
        calendar polls) carries none and skips it."""
        limited_endpoints: frozenset[str] = frozenset()

        def limit_endpoint(self, endpoint: str, view, decorator):
            """``view`` limited by ``decorator`` (this limiter's ``limit(...)`` or ``shared_limit(...)``)."""
            self.limited_endpoints = self.limited_endpoints | {endpoint}
            return decorator(view)

        def _check_request_limit(self, callable_name=None, in_middleware=True):
            if request.endpoint in self.limited_endpoints:
                super()._check_request_limit(callable_name, in_middleware)

    limiter = _Limiter(get_remote_address, app=app, storage_uri=settings.redis_url or "memory://",
                      storage_options={"socket_connect_timeout": 1, "socket_timeout": 1} if settings.redis_url else {},
                      default_limits=[], key_prefix="consortia", swallow_errors=True, headers_enabled=True,
                      in_memory_fallback_enabled=bool(settings.redis_url))
    return limiter


def _limit_callbacks(app: Flask, limit: str) -> None:
    """Buttons and dialogs (the callbacks anyone can POST to) share one budget per address."""
    limiter = app.extensions["consortia_limiter"]
    for endpoint in ("mattermost.action", "mattermost.dialog"):
        app.view_functions[endpoint] = limiter.limit_endpoint(
            endpoint, app.view_functions[endpoint], limiter.shared_limit(limit, scope="mattermost-callbacks"))


def services_of(app: Flask) -> Services:
    return app.extensions["consortia"]
