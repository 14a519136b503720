"""The HTTP side: a threaded werkzeug server on a loopback port that can go down and come
back on the same port, and the dispatch of each request as Mattermost's router does it
(injected failure, route, session, body checked against the API specification, handler)."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any, Callable, Iterable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..openapi import OpenAPISpec, PathMatcher
from . import rest_channels, rest_integrations, rest_posts, rest_users  # noqa: F401  (they fill ROUTES)
from .base import (
    API, ID_RE, RATE_LIMIT_BURST, ROUTES, SERVER_VERSION, Ctx, EmulatorAppError, bad, error_response, json_response,
    new_id,
)
from .faults import Faults
from .state import State

#: answers ``POST /hooks/commands/{hook_id}`` (a slash command's delayed responses)
HookHandler = Callable[[Request, str, str], Response]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        pass

    def log_error(self, *args: Any) -> None:  # noqa: D102
        pass


class Server:
    """Serves :class:`State` over HTTP; ``port`` 0 picks a free port on first start and keeps it."""

    def __init__(self, state: State, faults: Faults, spec: OpenAPISpec | None, command_hook: HookHandler,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self.faults = faults
        self.spec = spec
        self.command_hook = command_hook
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._rate: dict[str, tuple[int, int]] = {}
        self._matcher = PathMatcher()
        for _method, template in ROUTES:
            self._matcher.add(template)

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def serve(self) -> None:
        server = make_server(self.host, self.port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        original_get_request = server.get_request

        def get_request():
            conn, addr = original_get_request()
            with self._conns_lock:
                self._conns.add(conn)
            return conn, addr

        original_shutdown_request = server.shutdown_request

        def shutdown_request(request):
            with self._conns_lock:
                self._conns.discard(request)
            original_shutdown_request(request)

        server.get_request = get_request  # type: ignore[method-assign]
        server.shutdown_request = shutdown_request  # type: ignore[method-assign]
        self.port = server.socket.getsockname()[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"mattermost-emulator-{self.port}", daemon=True,
        )
        self._thread.start()

    def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:  # drop keep-alive connections too: the server is *down*
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # ---------------------------------------------------------------- WSGI

    def _wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        req = Request(environ)
        try:
            resp = self._dispatch(req)
        except Exception as exc:  # pragma: no cover - emulator bug, report it as Mattermost would
            resp = error_response(EmulatorAppError(500, "api.emulator.internal_error", "Internal error.",
                                                   repr(exc)), new_id())
        token_key = (req.headers.get("Authorization") or req.remote_addr or "")
        for k, v in self._rate_headers(token_key).items():
            resp.headers.setdefault(k, v)
        resp.headers.setdefault("X-Version-Id", SERVER_VERSION)
        fault, release = self.faults.record(req.method, req.path, resp.status_code)
        if fault is not None and fault.drop:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("emulator: connection dropped after commit")
        if fault is not None and fault.delay:
            release.wait(fault.delay)
        return resp(environ, start_response)

    def _rate_headers(self, key: str) -> dict[str, str]:
        now = int(time.time())
        with self.state.lock:
            window, used = self._rate.get(key, (now, 0))
            if window != now:
                window, used = now, 0
            used += 1
            self._rate[key] = (window, used)
        return {"X-Ratelimit-Limit": str(RATE_LIMIT_BURST + 1),
                "X-Ratelimit-Remaining": str(max(0, RATE_LIMIT_BURST - used)),
                "X-Ratelimit-Reset": "1"}

    def _authenticate(self, req: Request) -> dict | None:
        auth = req.headers.get("Authorization", "")
        token = ""
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in ("bearer", "token"):
            token = parts[1].strip()
        if not token:
            token = req.args.get("access_token", "") or req.cookies.get("MMAUTHTOKEN", "")
        if not token:
            return None
        with self.state.lock:
            uid = self.state.tokens.get(token)
            user = self.state.users.get(uid) if uid else None
            if user is None or user["delete_at"]:
                return None
            return user

    def _dispatch(self, req: Request) -> Response:
        path = req.path
        method = req.method.upper()
        request_id = new_id()
        if path.startswith("/hooks/commands/"):
            return self.command_hook(req, path.rsplit("/", 1)[-1], request_id)
        if not (path == API or path.startswith(API + "/")):
            return error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                   "Sorry, we could not find the page."), request_id)
        rule = self.faults.take_failure(method, path)
        if rule is not None:
            return self.faults.failure_response(rule, request_id)

        # 1. route (404 / 405), as the real router does before anything else
        match = self._matcher.match(path)
        handler = ROUTES.get((method, match.template)) if match else None
        spec_template = None
        if self.spec is not None:
            sm = self.spec.match(path)
            if sm is None:
                return error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                       "Sorry, we could not find the page.",
                                                       f"no route for {path} in the API specification"), request_id)
            if method not in self.spec.methods(sm.template):
                return error_response(EmulatorAppError(405, "api.context.405.app_error", "Method not allowed.",
                                                       f"{method} {sm.template}"), request_id)
            spec_template = sm.template
            if match is not None and match.template != sm.template:
                handler = None
        elif handler is None:
            if match is None:
                return error_response(EmulatorAppError(404, "api.context.404.app_error",
                                                       "Sorry, we could not find the page."), request_id)
            return error_response(EmulatorAppError(405, "api.context.405.app_error", "Method not allowed."),
                                  request_id)

        # 2. session
        user = None
        if (method, spec_template or (match.template if match else "")) != ("GET", API + "/system/ping"):
            user = self._authenticate(req)
            if user is None:
                return error_response(EmulatorAppError(
                    401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.",
                    "token missing or invalid"), request_id)

        # 3. body and spec validation
        ctype = (req.mimetype or "").lower()
        body: Any = None
        has_body = False
        op = self.spec.operation(method, spec_template) if (self.spec and spec_template) else None
        wants_json = ctype != "multipart/form-data" and method in ("POST", "PUT", "PATCH") and (
            op is None or op.json_schema is not None)
        if wants_json:
            raw = req.get_data(cache=True)
            if raw.strip():
                has_body = True
                try:
                    body = json.loads(raw)
                except ValueError as exc:
                    return error_response(bad("api.context.invalid_body_param.app_error",
                                              "Invalid or missing body in request body.", str(exc)), request_id)
        if self.spec is not None and spec_template:
            form_fields: list[str] = []
            if ctype == "multipart/form-data":
                form_fields = list(req.form.keys()) + list(req.files.keys())
            check = self.spec.check(method, path, dict(req.args.items()), body, content_type=ctype,
                                    form_fields=form_fields, has_body=has_body)
            if check.errors:
                return error_response(EmulatorAppError(
                    check.status or 400, "api.context.invalid_body_param.app_error"
                    if check.status in (0, 400) else f"api.context.{check.status}.app_error",
                    "Invalid or missing parameters in request: " + check.errors[0], "; ".join(check.errors)),
                    request_id)
        if handler is None:
            return error_response(EmulatorAppError(501, "api.context.not_implemented.app_error",
                                                   "Not implemented by the Mattermost emulator.",
                                                   f"{method} {spec_template}"), request_id)

        # 4. URL parameters of the form *_id must look like ids
        for name, value in match.params.items():
            if name.endswith("_id") and not (ID_RE.match(value) or (name == "user_id" and value == "me")):
                return error_response(bad("api.context.invalid_url_param.app_error",
                                          f"Invalid or missing {name} parameter in request URL."), request_id)
        ctx = Ctx(req, method, path, dict(match.params), dict(req.args.items()), body, user, request_id)
        try:
            with self.state.lock:
                result = handler(self.state, ctx)
        except EmulatorAppError as err:
            return error_response(err, request_id)
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (200, result)
        return json_response(payload, status, ctx.extra_headers or None)
