"""The admin's session cookie: signed (Flask's own), sliding over 8 hours, re-signed at most every few
minutes rather than on every page (signing and sending it back is a tenth of a cached page's cost).
A request without the cookie (Mattermost, the API, calendar clients) gets an empty session at once."""
from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface

# How stale the cookie's expiry may get before a page sends it again: the session ends between
# 8 hours minus this and 8 hours after the admin's last page.
REFRESH_AFTER_SECONDS = 300


class SlidingSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()   # what Flask returns too, without making a signer first
        return super().open_session(app, request)

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
