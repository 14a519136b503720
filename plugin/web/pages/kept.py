"""Admin pages kept whole as HTML, between two changes to what they show.

A page that depends only on what its key names (plus the language, the time zone, the address and its
arguments, which every key gets) is written once and kept split where the reader's CSRF token goes: the
one per-admin part, filled in on each request. It is kept encoded: encoding a 200 KB results page was
the largest single cost of its request. A page with flashed messages is written for its reader
alone. ``docs/ARCHITECTURE.md`` ("Integrity rules worth knowing", the dashboard) says what moves a page's key.
"""
from __future__ import annotations

import secrets
from typing import Callable, Hashable

from flask import request, session
from markupsafe import escape

from plugin.i18n import get_locale
from plugin.kernel.lru import Lru

from plugin.web.pages.common import csrf_token, services

# Not guessable, so no text a user wrote can split a page where a token goes.
_CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_CSRF_SLOT_BYTES = _CSRF_SLOT.encode()

Write = Callable[[Callable[[], str]], str]   # write(csrf_token) -> the page's HTML


class KeptPages:
    def __init__(self, size: int):
        self._pages: Lru[tuple[object, list[bytes]]] = Lru(size)

    def page(self, key: Hashable, source: object, write: Write) -> str | bytes:
        """The page ``write`` writes, or the one kept for ``key``. ``source`` is the memo entry the page
        is written from, compared by identity (its values may be costly to compare): a page kept beside
        another entry is written again."""
        if session.get("_flashes"):
            return write(csrf_token)
        key = (key, get_locale(), str(services().settings.tz), request.script_root, request.path,
               tuple(request.args.items(multi=True)))
        kept = self._pages.get(key)
        if kept is None or kept[0] is not source:
            kept = self._pages.put(key, (source, write(lambda: _CSRF_SLOT).encode().split(_CSRF_SLOT_BYTES)))
        return str(escape(csrf_token())).encode().join(kept[1])
