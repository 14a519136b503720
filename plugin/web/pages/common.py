"""What every page shares: the language, CSRF, security headers, the message page, the
``@admin_page`` decorator (an admin page runs one use case through the runner) and the template
helpers."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from functools import lru_cache, wraps
from typing import Callable
from urllib.parse import urlencode

from flask import Response, abort, current_app, g, render_template, request, session

from models import STAGES
from plugin.dates import format_date, format_short
from plugin.features.dialogues import api as dialogues
from plugin.features.registers import api as registers
from plugin.features.consortium.api import stage_label as consortium_stage_label
from plugin.frontdoor.errors import answer
from plugin.frontdoor.pages import AdminsOnly, run_admin, run_public
from plugin.frontdoor.runner import Result
from plugin.i18n import SUPPORTED_LOCALES, _, get_locale, ngettext, normalize_locale, use_locale
from plugin.kernel.errors import NotFound, Refusal
from plugin.kernel.text import aware

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
STAGE_COLOURS = {"emergence": "#8ecae6", "structuration": "#219ebc", "formalise": "#ffb703",
                 "finance": "#fb8500", "clos": "#6c757d"}


def services():
    return current_app.extensions["consortia"]


# --- request set-up: language, CSRF, headers ---------------------------------------------

def choose_locale() -> str:
    asked = request.args.get("lang")
    if asked in SUPPORTED_LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in SUPPORTED_LOCALES:
        return session["lang"]
    # The network's language (French unless configured otherwise), whatever the browser prefers: the
    # pages are the network's, and every page has a visible switch to the other language.
    return normalize_locale(services().settings.locale)


def before():
    manager = use_locale(choose_locale())
    manager.__enter__()
    g.locale_manager = manager
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not hmac.compare_digest(str(sent).encode(), session["csrf"].encode()):
            return render_message(_("This form has expired or did not come from this site. Reload the page and "
                                    "try again."), status=400, title=_("Form expired"))
    return None


def after(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure or services().base_url.startswith("https"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def teardown(_exc):
    manager = g.pop("locale_manager", None)
    if manager is not None:
        try:
            manager.__exit__(None, None, None)
        except ValueError:  # reset from another context: harmless
            pass


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def render_message(message: str, *, status: int = 200, title: str | None = None, link: str | None = None,
                   link_label: str | None = None):
    return render_template("message.html", message=message, title=title or _("Consortia"), link=link,
                           link_label=link_label), status


def status_of(error: Refusal) -> int:
    return answer(error).http


# --- admin pages: one use case each, through the runner -----------------------------------

def sign_in_needed():
    return render_message(_("This page is for the network's facilitators. Type `/consortium admin` in "
                            "Mattermost to receive a personal sign-in link."), status=401, title=_("Sign-in needed"))


def run_as_admin(use_case: str, raw: dict | None = None) -> tuple[Result | None, object]:
    """(the result, None), or (None, a page refusing): nobody signed in, not an admin, or a refusal."""
    result = run_admin(services(), session, use_case, raw or {}, locale=get_locale())
    if result.actor is None:
        return None, sign_in_needed()
    if isinstance(result.refusal, AdminsOnly):
        return None, render_message(result.refusal.text(), status=403, title=_("Access refused"))
    return result, None


def not_done(refusal: Refusal):
    return render_message(refusal.text(), status=status_of(refusal), title=_("Not done"))


def admin_page(use_case: str, *, raw: Callable[..., dict] = lambda **_route: {},
               refused: Callable[[Refusal], object] | None = None):
    """Declare an admin page: ``raw(**route arguments)`` is the use case's input (read from the
    request); the decorated function renders the outcome ``(outcome, **route arguments)``. A page that
    reads turns "not found" into the 404 page; others show the refusal (``refused`` to do otherwise)."""

    def declare(render_page: Callable[..., object]):
        @wraps(render_page)
        def page(**route):
            result, refusal = run_as_admin(use_case, raw(**route))
            if refusal is not None:
                return refusal
            if result.refusal is not None:
                if refused is not None:
                    return refused(result.refusal)
                if isinstance(result.refusal, NotFound):
                    abort(404)
                return not_done(result.refusal)
            return render_page(result.outcome, **route)

        page.use_case = use_case
        return page

    return declare


def public_page(use_case: str, raw: dict) -> Result:
    """A public page's use case, run as the system in the reader's language."""
    return run_public(services(), use_case, raw, locale=get_locale())


# --- template helpers ---------------------------------------------------------------------

def stage_label(stage: str | None) -> str:
    """The consortium feature's ``stage_label``, with the labels translated once per request instead of once per call."""
    labels = g.get("stage_labels")
    if labels is None or labels[0] != get_locale():
        labels = g.stage_labels = (get_locale(), {s: consortium_stage_label(s) for s in STAGES})
    return labels[1].get(stage or "", stage or "")


@lru_cache(maxsize=4096)
def _short(moment, tz, locale: str) -> str:
    return format_short(moment, tz=tz, locale=locale)


def fmt_short(value):
    """``format_short`` in the network's time zone; a datetime shows no seconds, so equal minutes
    share one formatting (a small cache: lists repeat the same moments and days)."""
    if value is None:
        return "—"
    tz = services().settings.tz
    if isinstance(value, datetime):
        value = aware(value).astimezone(tz).replace(second=0, microsecond=0)
    return _short(value, tz, get_locale())


def escape_text(text: str) -> str:
    """What the templates' autoescape writes for a string (markupsafe's five entities), as a plain string
    to join: for the parts of a page written in Python in one pass (the dashboard's rows, the AMI matrix).
    Plain ``str.replace`` calls: 2–3× cheaper than ``markupsafe.escape`` and its ``Markup`` per value."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") \
        .replace("'", "&#39;")


def _capital(text: str) -> str:
    """'chef de file' -> 'Chef de file' (the rest as written: a custom label keeps its capitals)."""
    return text[:1].upper() + text[1:]


def template_helpers() -> dict:
    def fmt_date(value, with_time=None):
        if value is None:
            return "—"
        return format_date(aware(value) if isinstance(value, datetime) else value,
                           tz=services().settings.tz, with_time=with_time)

    def lang_link(lang: str) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("lang", "token")}
        args["lang"] = lang
        return f"{request.path}?{urlencode(args)}"

    # Codes are shown as their labels in the reader's language; amounts and quantities as Babel writes
    # them for that language (7 500,50 € / €7,500.50, 10 jours / 10 days).
    return {"_": _, "ngettext": ngettext, "csrf_token": csrf_token, "fmt_date": fmt_date, "fmt_short": fmt_short,
            "stage_label": stage_label, "lang_link": lang_link, "current_locale": get_locale,
            "stage_colours": STAGE_COLOURS, "role_label": lambda key: _capital(registers.role_label(key)),
            "kind_label": registers.type_label, "status_label": registers.status_label,
            "amount": registers.format_amount, "dialogue_stage_label": dialogues.stage_label}
