"""Admin pages kept whole as HTML, between two changes to what they show.

A page that depends only on what its key names (plus the language, the time zone, the address and its
arguments, which every key gets) is written once and kept split where the reader's CSRF token goes: the
one per-admin part, filled in on each request. It is kept encoded: encoding a 200 KB results page was
the largest single cost of its request; and, once a client asks for gzip, deflated too (``web/coding.py``):
the results page then goes out as a tenth of its size, compressed once. A page with flashed messages is
written for its reader alone. ``docs/ARCHITECTURE.md`` ("Integrity rules worth knowing", the dashboard) says what moves a page's key.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Callable, Hashable

from flask import Response, request, session
from markupsafe import escape

from plugin.i18n import get_locale
from plugin.kernel.lru import Lru

from plugin.web.coding import GzipParts, gzip_accepted
from plugin.web.pages.common import csrf_token, services

# Not guessable, so no text a user wrote can split a page where a token goes.
_CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_CSRF_SLOT_BYTES = _CSRF_SLOT.encode()

Write = Callable[[Callable[[], str]], str]   # write(csrf_token) -> the page's HTML


@dataclass
class _Kept:
    source: object
    parts: list[bytes]                           # the page's bytes, split where the token goes
    gzip: GzipParts | None = field(default=None)  # deflated when a client first asks for gzip


class KeptPages:
    def __init__(self, size: int):
        self._pages: Lru[_Kept] = Lru(size)

    def page(self, key: Hashable, source: object, write: Write) -> Response:
        """The page ``write`` writes, or the one kept for ``key``. ``source`` is the memo entry the page
        is written from, compared by identity (its values may be costly to compare): a page kept beside
        another entry is written again."""
        if session.get("_flashes"):
            return _html(write(csrf_token))
        key = (key, get_locale(), str(services().settings.tz), request.script_root, request.path,
               tuple(request.args.items(multi=True)))
        kept = self._pages.get(key)
        if kept is None or kept.source is not source:
            kept = self._pages.put(key, _Kept(source, write(lambda: _CSRF_SLOT).encode().split(_CSRF_SLOT_BYTES)))
        token = str(escape(csrf_token())).encode()
        if not gzip_accepted():
            return _html(token.join(kept.parts))
        if kept.gzip is None:
            kept.gzip = GzipParts(kept.parts)
        response = _html(kept.gzip.join(token))
        response.headers["Content-Encoding"] = "gzip"
        return response


def _html(body: str | bytes) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Vary"] = "Accept-Encoding"
    return response
