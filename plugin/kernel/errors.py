"""Refusals: a use case's explicit, user-facing "no".

A refusal's message is lazy (``_l(...)``, or any object with ``in_locale``) and is rendered in the
language of whoever reads it; a plain string (already translated) is shown as it is. What a refusal
becomes on each way in (an HTTP status, a CLI exit code, a ⚠️ reply) is decided in one table,
``plugin/frontdoor/errors.py``.
"""
from __future__ import annotations

from typing import Any

from plugin.i18n import Text, get_locale, render


class Refusal(Exception):
    """Nothing was done, and here is why. ``usage`` (optional) shows how to ask correctly."""

    code = "error"

    def __init__(self, message: Text, *, usage: Text | None = None, fields: dict[str, Text] | None = None,
                 data: Any = None):
        super().__init__(str(message) if not isinstance(message, str) else message)
        self.lazy_message = message
        self.lazy_usage = usage
        self.lazy_fields = dict(fields or {})
        self.data = data

    @property
    def undoes_all(self) -> bool:
        """Field errors roll back the whole unit of work (a form's state is not burnt: it can be sent
        again, corrected); other refusals only undo what the use case did."""
        return bool(self.lazy_fields)

    def text(self, locale: str | None = None) -> str:
        return render(self.lazy_message, locale or get_locale())

    def usage_text(self, locale: str | None = None) -> str | None:
        return render(self.lazy_usage, locale or get_locale()) if self.lazy_usage is not None else None

    def field_texts(self, locale: str | None = None) -> dict[str, str]:
        return {key: render(value, locale or get_locale()) for key, value in self.lazy_fields.items()}

    # The current locale's rendering, for callers that read attributes.
    @property
    def message(self) -> str:
        return self.text()

    @property
    def usage(self) -> str | None:
        return self.usage_text()

    @property
    def fields(self) -> dict[str, str]:
        return self.field_texts()


class Invalid(Refusal):
    code = "invalid"


class NotFound(Refusal):
    code = "not_found"


class Forbidden(Refusal):
    code = "forbidden"


class Conflict(Refusal):
    code = "conflict"


class Unavailable(Refusal):
    code = "unavailable"
