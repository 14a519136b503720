"""The network's web pages: server-rendered Jinja2 templates (``plugin/templates``), French and English
through ``plugin.i18n``.

- ``auth``: signing in by magic link, signing out; ``dashboard``; ``consortium`` (a consortium's
  page and its actions); ``ami`` (the AMI's admin pages); ``public`` (the AMI form, public profiles);
  ``common``: what they share — among it ``@admin_page``, which runs an admin page's use case
  through the runner as the signed-in admin.

Security: every POST carries a per-session CSRF token (``common.before``, constant-time comparison);
every page answers with a strict Content-Security-Policy (no inline script or style),
``frame-ancestors 'none'``, ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store`` for
private pages; the public AMI form is rate limited per address (Flask-Limiter) and reachable only
with the call's secret token.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask

from plugin.i18n import _

from plugin.web.pages.ami import (
    ami_admin, ami_close, ami_form_consortium, ami_open, ami_results, ami_results_csv,
)
from plugin.web.pages.auth import login_page, login_submit, logout
from plugin.web.pages.common import after, before, render_message, teardown, template_helpers
from plugin.web.pages.cookie import SlidingSessionInterface
from plugin.web.pages.consortium import consortium_page, consortium_profile_link, consortium_retry
from plugin.web.pages.dashboard import dashboard
from plugin.web.pages.public import profile, profile_print, public_form, rate_limited

SESSION_LIFETIME = timedelta(hours=8)


def register(app: Flask) -> None:
    # Only the admin's signed-in session is permanent (8 hours); other sessions end with the browser.
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.session_interface = SlidingSessionInterface()
    app.jinja_env.globals.update(template_helpers())
    app.jinja_env.autoescape = True
    limiter = app.extensions["consortia_limiter"]
    limit = app.extensions["consortia"].settings.form_rate_limit

    web = Blueprint("web", __name__, url_prefix="/web")
    public = Blueprint("public", __name__)
    for blueprint in (web, public):
        blueprint.before_request(before)
        blueprint.after_request(after)
        blueprint.teardown_request(teardown)

    web.add_url_rule("/login", "login", login_page, methods=["GET"])
    web.add_url_rule("/login", "login_submit", login_submit, methods=["POST"])
    web.add_url_rule("/logout", "logout", logout, methods=["POST"])
    web.add_url_rule("/", "dashboard", dashboard)
    web.add_url_rule("/c/<slug>", "consortium", consortium_page)
    web.add_url_rule("/c/<slug>/retry", "consortium_retry", consortium_retry, methods=["POST"])
    web.add_url_rule("/c/<slug>/profile-link", "consortium_profile_link", consortium_profile_link, methods=["POST"])
    web.add_url_rule("/ami", "ami", ami_admin)
    web.add_url_rule("/ami/open", "ami_open", ami_open, methods=["POST"])
    web.add_url_rule("/ami/<int:call_id>", "ami_results", ami_results)
    web.add_url_rule("/ami/<int:call_id>/results.csv", "ami_results_csv", ami_results_csv)
    web.add_url_rule("/ami/<int:call_id>/close", "ami_close", ami_close, methods=["POST"])
    web.add_url_rule("/ami/<int:call_id>/form", "ami_form_consortium", ami_form_consortium, methods=["POST"])

    limited_form = limiter.limit_endpoint("public.ami_form", public_form,
                                          limiter.limit(limit, methods=["POST"], on_breach=rate_limited))
    public.add_url_rule("/ami/<token>", "ami_form", limited_form, methods=["GET", "POST"])
    public.add_url_rule("/profil/<slug>/<token>", "profile", profile)
    public.add_url_rule("/profil/<slug>/<token>/print", "profile_print", profile_print)

    def _not_found(_error):
        return render_message(_("This page does not exist."), status=404, title=_("Not found"))

    web.register_error_handler(404, _not_found)
    public.register_error_handler(404, _not_found)

    app.register_blueprint(web)
    app.register_blueprint(public)
