"""The admin's session cookie: signed (Flask's own), sliding over 8 hours, re-signed at most every few
minutes rather than on every page (signing and sending it back is a tenth of a cached page's cost).
A request without the cookie (Mattermost, the API, calendar clients) gets an empty session at once.
A cookie already verified is not verified again until it is re-signed (≈ 0.1 ms a page): the process
keeps what it read from it and when it was signed, so that it still expires on time."""
from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from plugin.kernel.lru import Lru

# How stale the cookie's expiry may get before a page sends it again: the session ends between
# 8 hours minus this and 8 hours after the admin's last page.
REFRESH_AFTER_SECONDS = 300


class SlidingSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        # A verified cookie, exactly as sent -> (its values, when it was signed). Only cookies of plain
        # values are kept: each request gets a copy, which a mutable value (a flashed message's list)
        # would share.
        self._verified: Lru[tuple[dict, float]] = Lru(512)

    def open_session(self, app, request):
        if not app.secret_key:
            return super().open_session(app, request)   # Flask's answer: no session at all
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()   # what Flask returns too, without making a signer first
        max_age = app.permanent_session_lifetime.total_seconds()
        kept = self._verified.get(value)
        if kept is not None and time.time() - kept[1] <= max_age:
            return self.session_class(kept[0])
        try:
            data, signed_at = self.get_signing_serializer(app).loads(value, max_age=int(max_age),
                                                                    return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(item, (str, int, float, bool, type(None))) for item in data.values()):
            self._verified.put(value, (dict(data), signed_at.timestamp()))
        return self.session_class(data)

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        now = int(time.time())
        if now - int(session.get("refreshed", 0)) < REFRESH_AFTER_SECONDS:
            return False
        session["refreshed"] = now
        return True
