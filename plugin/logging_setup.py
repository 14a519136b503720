"""Structured JSON logs with a request id; secrets are scrubbed before anything is written."""
from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("consortia_request_id", default="-")

_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|token)\s+)[^\s\"',]+"),
    re.compile(r"(?i)((?:token|password|secret|passwd)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,]+"),
    re.compile(r"(://[^:/\s]+:)[^@/\s]+(@)"),
]


class SecretScrubber(logging.Filter):
    """Replaces known secret values and secret-looking fragments with ***."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.re.groups > 1 else ""), text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.scrub(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    _SKIP = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._SKIP and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(secrets: tuple[str, ...] = (), level: int = logging.INFO) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_consortia", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._consortia = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SecretScrubber(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]
