"""What every part of the emulator shares: Mattermost's constants and id format, the
``AppError`` it answers with, the request context handed to REST handlers, and the
``route`` decorator that declares them."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from werkzeug.wrappers import Request, Response

API = "/api/v4"
MAX_POST_MESSAGE = 16383
MAX_POST_FILES = 5
SERVER_VERSION = "9.5.0.9.5.0.emulator.false"
RATE_LIMIT_PER_SECOND = 10
RATE_LIMIT_BURST = 100

_MM_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
_B32_TRANS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _MM_ALPHABET)
ID_RE = re.compile(r"^[a-z0-9]{26}$")
CHANNEL_NAME_RE = re.compile(r"^[a-z0-9]+([a-z0-9\-_]*[a-z0-9]+)?$")
USERNAME_RE = re.compile(r"^[a-z][a-z0-9.\-_]{0,63}$")
TRIGGER_RE = re.compile(r"^[^\s/][^\s]{0,127}$")
_BOOL_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
RETAINED_PROPS = ("from_webhook", "override_username", "override_icon_url", "from_bot", "from_plugin")
BUILTIN_TRIGGERS = (
    "away", "code", "collapse", "dnd", "echo", "expand", "groupmsg", "header", "help",
    "invite", "invite_people", "join", "kick", "leave", "logout", "me", "msg", "mute",
    "offline", "online", "open", "purpose", "remove", "rename", "search", "settings",
    "shortcuts", "shrug", "status",
)


def new_id() -> str:
    """A Mattermost-style id: 26 lowercase alphanumeric characters."""
    return base64.b32encode(uuid.uuid4().bytes).decode("ascii").rstrip("=").translate(_B32_TRANS)


def qbool(value: Any) -> bool:
    """A query-string boolean as Mattermost reads it."""
    return str(value) in _BOOL_TRUE


class EmulatorAppError(Exception):
    """Raised inside handlers; rendered as a Mattermost ``AppError`` response."""

    def __init__(self, status: int, id: str, message: str, detailed_error: str = ""):
        super().__init__(message)
        self.status = status
        self.id = id
        self.message = message
        self.detailed_error = detailed_error


def bad(id: str, message: str, detail: str = "") -> EmulatorAppError:
    return EmulatorAppError(400, id, message, detail)


def forbidden(detail: str = "") -> EmulatorAppError:
    return EmulatorAppError(
        403, "api.context.permissions.app_error",
        "You do not have the appropriate permissions.", detail,
    )


@dataclass
class Ctx:
    """One authenticated API request, as a REST handler sees it."""

    request: Request
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    user: dict | None
    request_id: str
    extra_headers: dict[str, str] = field(default_factory=dict)


def require_object(ctx: Ctx) -> dict:
    if not isinstance(ctx.body, dict):
        raise bad("api.context.invalid_body_param.app_error", "Invalid or missing body in request body.")
    return ctx.body


def require_str(body: dict, name: str, where: str = "") -> str:
    v = body.get(name)
    if not isinstance(v, str) or not v:
        raise bad("api.context.invalid_body_param.app_error", f"Invalid or missing {name} in request body.", where)
    return v


#: (method, path template) -> handler(state, ctx); filled by the ``rest_*`` modules' ``@route``.
Handler = Callable[[Any, Ctx], Any]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    """Declare a REST handler for ``method`` on ``template`` (a path of the API specification)."""

    def deco(fn: Handler) -> Handler:
        ROUTES[(method, template)] = fn
        return fn

    return deco


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def error_response(err: EmulatorAppError, request_id: str, headers: dict | None = None) -> Response:
    """An ``AppError`` body, as Mattermost answers every refusal."""
    return json_response({"id": err.id, "message": err.message, "detailed_error": err.detailed_error,
                          "request_id": request_id, "status_code": err.status, "is_oauth": False},
                         err.status, headers)
