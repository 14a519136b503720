"""The network's web pages: dashboard, consortium pages, the AMI, public profiles and form.

Server-rendered Jinja2 templates (``plugin/templates``), French and English through
``plugin.i18n``. Admins arrive through the signed, single-use, short-lived link that
``/consortium admin`` gives (no passwords); the link sets a session cookie (Flask's
signed cookie: HttpOnly, SameSite=Lax, Secure when the base URL is https).

Security: every POST carries a per-session CSRF token (``_csrf_check``, constant-time
comparison); every page answers with a strict Content-Security-Policy (no inline script
or style), ``frame-ancestors 'none'``, ``Referrer-Policy: no-referrer`` and
``Cache-Control: no-store`` for private pages; the public AMI form is rate limited
per address (Flask-Limiter) and reachable only with the call's secret token.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlencode

from flask import (
    Blueprint, Flask, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from markupsafe import Markup
from sqlalchemy import select

from models import STAGES, SIAE_TYPES, Consortium, Network, Person, UsedNonce
from plugin.dates import DateError, format_date, format_short, parse_date
from plugin.i18n import SUPPORTED_LOCALES, _, get_locale, ngettext, normalize_locale, use_locale
from plugin.schemas.ami import CallOpenSchema, ResponseSchema
from plugin.schemas.fields import error_text
from plugin.frontdoor import legacy
from plugin.frontdoor.errors import answer
from plugin.frontdoor.pages import AdminsOnly, run_admin
from plugin.security import InvalidSignature
from plugin.services import ami as service
from plugin.features.consortium.api import stage_label as consortium_stage_label
from plugin.kernel.lookup import consortium_by_slug
from plugin.kernel.actor import Actor
from plugin.kernel.errors import Refusal
from plugin.kernel.people import is_admin, is_fresh, look_up, record_lookup

log = logging.getLogger(__name__)

MAGIC_MAX_AGE = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
PER_PAGE = 50
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
STAGE_COLOURS = {"emergence": "#8ecae6", "structuration": "#219ebc", "formalise": "#ffb703",
                 "finance": "#fb8500", "clos": "#6c757d"}


def services():
    return current_app.extensions["consortia"]


# --- request set-up: language, CSRF, headers ---------------------------------------------

def _choose_locale() -> str:
    asked = request.args.get("lang")
    if asked in SUPPORTED_LOCALES:
        session["lang"] = asked
        return asked
    if session.get("lang") in SUPPORTED_LOCALES:
        return session["lang"]
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return normalize_locale(best or services().settings.locale)


def _before():
    manager = use_locale(_choose_locale())
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


def _after(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers.setdefault("Cache-Control", "no-store")
    if request.is_secure or services().base_url.startswith("https"):
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def _teardown(_exc):
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


def _status_of(error: Refusal) -> int:
    return answer(error).http


# --- authentication by magic link ---------------------------------------------------------

def _as_mattermost_says(db, person: Person, *, writer=None) -> Person | None:
    """``person`` with the roles Mattermost gives them now (asked at most once per time-to-live), or None
    when Mattermost no longer knows them. ``writer``: the caller's own write transaction, if any."""
    svc = services()
    if person.erased_at is not None or not person.mattermost_user_id:
        return None
    if is_fresh(person, svc.directory):
        return person
    lookup = look_up(svc.directory, person.mattermost_user_id)
    try:
        if writer is not None:
            return record_lookup(writer, person.network_id, svc.directory, person.mattermost_user_id, lookup)
        with svc.db.transaction() as own:
            fresh = record_lookup(own, person.network_id, svc.directory, person.mattermost_user_id, lookup)
    except Refusal:
        return None
    return db.merge(fresh, load=False)


def _load_admin(db) -> tuple[Actor, Network] | None:
    person_id, network_id = session.get("uid"), session.get("nid")
    if not person_id or not network_id:
        return None
    person = db.get(Person, person_id)
    network = db.get(Network, network_id)
    if person is None or network is None:
        return None
    if session.get("sv") != person.web_session_version:  # signed out since this cookie was issued
        return None
    person = _as_mattermost_says(db, person)
    if person is None:
        return None
    return Actor(person=person, is_admin=is_admin(person, services().admin_ids(db)),
                 locale=get_locale()), network


def _sign_in_needed():
    return render_message(_("This page is for the network's facilitators. Type `/consortium admin` in "
                            "Mattermost to receive a personal sign-in link."), status=401, title=_("Sign-in needed"))


def _require_admin(db):
    """(actor, network) of the signed-in admin, or a response refusing politely."""
    loaded = _load_admin(db)
    if loaded is None:
        return None, _sign_in_needed()
    actor, network = loaded
    if not actor.is_admin:
        return None, render_message(_("Only the network's facilitators (admins) can see this page."), status=403,
                                    title=_("Access refused"))
    return (actor, network), None


def _magic_error(reason: str):
    messages = {
        "expired": _("This sign-in link has expired (links are valid 10 minutes). Type `/consortium admin` in "
                     "Mattermost for a new one."),
        "replayed": _("This sign-in link has already been used (links work once). Type `/consortium admin` in "
                      "Mattermost for a new one."),
    }
    text = messages.get(reason, _("This sign-in link is not valid. Type `/consortium admin` in Mattermost for a "
                                  "new one."))
    return render_message(text, status=410 if reason in messages else 400, title=_("Link refused"))


def login_page():
    token = request.args.get("token", "")
    try:
        data = services().signer.load("magic", token, max_age=MAGIC_MAX_AGE)
    except InvalidSignature as error:
        return _magic_error(error.reason)
    with services().db.reader() as db:
        if db.scalar(select(UsedNonce.nonce).where(UsedNonce.nonce == str(data.get("_n")))) is not None:
            return _magic_error("replayed")
    if data.get("l") in SUPPORTED_LOCALES and "lang" not in request.args:
        session["lang"] = data["l"]
    return render_template("login.html", token=token)


def login_submit():
    token = request.form.get("token", "")
    with services().db.transaction() as db:
        try:
            data = services().signer.consume(db, "magic", token, max_age=MAGIC_MAX_AGE)
        except InvalidSignature as error:
            return _magic_error(error.reason)
        person = db.get(Person, int(data.get("p") or 0))
        person = _as_mattermost_says(db, person, writer=db) if person is not None else None
        if person is None or not is_admin(person, services().admin_ids(db)):
            return render_message(_("Only the network's facilitators (admins) can see this page."), status=403,
                                  title=_("Access refused"))
        lang = data.get("l") if data.get("l") in SUPPORTED_LOCALES else session.get("lang")
        session.clear()  # no session fixation: a fresh session for the signed-in admin
        session.permanent = True
        session.update(uid=person.id, nid=int(data.get("n") or 0), csrf=secrets.token_urlsafe(32),
                       lang=lang or services().settings.locale, sv=person.web_session_version)
    log.info("web sign-in", extra={"person_id": data.get("p")})
    return redirect(url_for("web.dashboard"), code=303)


def logout():
    # The cookie is signed, not stored: a copy of it would stay valid until it expires. Signing
    # out moves the person's session version on, which every earlier cookie carries, so none of
    # them opens a page again (on any device: signing out signs out everywhere).
    person_id = session.get("uid")
    if person_id:
        with services().db.transaction() as db:
            person = db.get(Person, int(person_id))
            if person is not None and session.get("sv") == person.web_session_version:
                person.web_session_version += 1
    session.clear()
    return render_message(_("You are signed out."), title=_("Signed out"))


# --- dashboard and consortium pages ------------------------------------------------------

def _int_arg(name: str, default: int = 1) -> int:
    try:
        return max(1, min(int(request.args.get(name, default)), 100_000))
    except (TypeError, ValueError):
        return default


def dashboard():
    with services().db.reader() as db:
        admin, refusal = _require_admin(db)
        if refusal:
            return refusal
        actor, network = admin
        theme = (request.args.get("theme") or "")[:200]
        stage = request.args.get("stage") or ""
        stage = stage if stage in STAGES else ""
        board = service.dashboard(db, network, theme=theme, stage=stage, page=_int_arg("page"), per_page=PER_PAGE)
        chart = [(_month_label(label), counts)
                 for label, counts in service.stage_chart(db, network, current=board.stage_counts)]
        call = service.latest_call(db, network)
        from plugin.features.ideas.api import ideas_with_supports

        return render_template("dashboard.html", board=board, chart=chart, chart_svg=_chart_svg(chart),
                               theme=theme, stage=stage, stages=STAGES, call=call, rows=_dashboard_rows(board),
                               ideas=ideas_with_supports(db, network.id),
                               page_link=lambda n: url_for("web.dashboard", **{k: v for k, v in
                                                                               (("theme", theme), ("stage", stage),
                                                                                ("page", n)) if v}))


def _month_label(label: str) -> str:
    """'2026-11' -> 'nov. 2026' / 'Nov 2026', in the reader's language."""
    from datetime import date

    from babel.dates import format_date

    from plugin.i18n import get_locale

    try:
        year, month = (int(part) for part in label.split("-"))
    except ValueError:
        return label
    return format_date(date(year, month, 1), "MMM y", locale="fr_FR" if get_locale() == "fr" else "en_GB")


_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")


def consortium_href(slug: str) -> str:
    """``url_for("web.consortium", slug=slug)`` without the routing work per row: a slug
    (lowercase letters, digits, dashes) needs no quoting, so the link is a known prefix."""
    if not _PLAIN_SLUG.fullmatch(slug or ""):
        return url_for("web.consortium", slug=slug)
    prefix = g.get("consortium_href_prefix")
    if prefix is None:
        prefix = g.consortium_href_prefix = url_for("web.consortium", slug="slug")[:-len("slug")]
    return prefix + slug


@dataclass(frozen=True)
class _BoardRow:
    """One dashboard row with every label ready: the template only places them."""

    href: str
    name: str
    theme: str
    failed: bool
    stage: str
    stage_label: str
    members: int
    checklist_max: int
    checklist_done: int
    checklist_total: int
    commitments: str
    next_session: str
    open_dialogues: int
    last_activity: str


def _dashboard_rows(board) -> list[_BoardRow]:
    days = _("days")
    rows = []
    for row in board.rows:
        c = row.consortium
        commitments = str(row.commitments)
        if row.commitments_money:
            commitments += f" · {row.commitments_money:.0f} €"
        if row.commitments_days:
            commitments += f" · {row.commitments_days:.1f} {days}"
        rows.append(_BoardRow(
            href=consortium_href(c.slug), name=c.name, theme=c.theme, failed=bool(row.failed_steps), stage=c.stage,
            stage_label=stage_label(c.stage), members=row.member_count, checklist_max=row.checklist_total or 1,
            checklist_done=row.checklist_done, checklist_total=row.checklist_total, commitments=commitments,
            next_session=fmt_short(row.next_session), open_dialogues=row.open_dialogues,
            last_activity=fmt_short(c.last_activity_at)))
    return rows


def _chart_svg(series) -> dict:
    """Geometry of a stacked bar chart (rendered as inline SVG with attributes only)."""
    width, height, bar, gap = 560, 200, 56, 30
    peak = max((sum(counts.values()) for _label, counts in series), default=0) or 1
    bars = []
    for index, (label, counts) in enumerate(series):
        x = 40 + index * (bar + gap)
        y = height
        parts = []
        for stage in STAGES:
            value = counts.get(stage, 0)
            h = round(value / peak * (height - 20))
            if value:
                y -= h
                parts.append({"stage": stage, "value": value, "y": y, "h": h, "colour": STAGE_COLOURS[stage]})
        bars.append({"label": label, "x": x, "parts": parts, "total": sum(counts.values())})
    return {"width": width, "height": height + 30, "bar": bar, "bars": bars, "base": height}


def _consortium_or_404(db, network, slug) -> Consortium:
    consortium = consortium_by_slug(db, slug[:64])
    if consortium is None or consortium.network_id != network.id:
        abort(404)
    return consortium


def consortium_page(slug: str):
    with services().db.reader() as db:
        admin, refusal = _require_admin(db)
        if refusal:
            return refusal
        _actor, network = admin
        consortium = _consortium_or_404(db, network, slug)
        page = service.consortium_page(db, consortium)
        profile_url = _profile_url(consortium)
        return render_template("consortium.html", c=consortium, page=page, profile_url=profile_url,
                               feed_url=f"{services().base_url}/calendars/{consortium.slug}/{consortium.feed_token}.ics")


def _profile_url(consortium: Consortium) -> str | None:
    if not consortium.profile_token:
        return None
    return f"{services().base_url}/profil/{consortium.slug}/{consortium.profile_token}"


def _admin_write(action):
    """Run ``action(db, actor, network)`` through the runner as the signed-in admin (LEGACY shape: the
    page renders what the action returns)."""
    body = legacy.body(f"page.{request.endpoint}", lambda ctx, data: action(ctx.session, ctx.actor, ctx.network))
    result = run_admin(services(), session, body, locale=get_locale())
    if result.actor is None:
        return None, _sign_in_needed()
    if isinstance(result.refusal, AdminsOnly):
        return None, render_message(result.refusal.text(), status=403, title=_("Access refused"))
    if result.refusal is not None:
        return None, render_message(result.refusal.text(), status=_status_of(result.refusal), title=_("Not done"))
    return result.outcome.answer, None


def consortium_retry(slug: str):
    def act(db, actor, network):
        consortium = _consortium_or_404(db, network, slug)
        return service.retry_provisioning(db, network, actor, consortium, directory=services().directory,
                                          caldav_enabled=services().settings.caldav_configured)

    result, refusal = _admin_write(act)
    if refusal:
        return refusal
    services().notify_outbox()
    flash(result.message)
    return redirect(url_for("web.consortium", slug=slug), code=303)


def consortium_profile_link(slug: str):
    def act(db, actor, network):
        return service.regenerate_profile_token(db, actor, _consortium_or_404(db, network, slug))

    result, refusal = _admin_write(act)
    if refusal:
        return refusal
    flash(result.message)
    return redirect(url_for("web.consortium", slug=slug), code=303)


# --- AMI pages (admin) --------------------------------------------------------------------

def ami_admin():
    with services().db.reader() as db:
        admin, refusal = _require_admin(db)
        if refusal:
            return refusal
        _actor, network = admin
        call = service.open_call_of(db, network)
        answers = service.responses(db, call, limit=500) if call else []
        return render_template("ami_admin.html", call=call, answers=answers, calls=service.calls_of(db, network),
                               form_url=_public_form_url(call) if call else None, values={}, errors={})


def _public_form_url(call) -> str:
    return f"{services().base_url}/ami/{call.form_token}"


def ami_open():
    form = request.form
    values = {k: form.get(k, "") for k in ("title", "themes", "deadline", "min_group_size")}
    errors: dict[str, str] = {}
    deadline = None
    try:
        tz = services().settings.tz
        day = parse_date(values["deadline"], now=datetime.now(timezone.utc), tz=tz)
        deadline = datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)
    except DateError as error:
        errors["deadline"] = error.message
    try:
        size = int(values["min_group_size"] or 3)
    except ValueError:
        size, errors["min_group_size"] = 3, _("A whole number, please.")
    raw = {"title": values["title"], "themes": values["themes"], "deadline": deadline, "min_group_size": size}
    schema = CallOpenSchema()
    found = schema.validate(raw)
    errors.update({k: error_text(v) for k, v in found.items() if k != "deadline"})
    if errors:
        with services().db.reader() as db:
            admin, refusal = _require_admin(db)
            if refusal:
                return refusal
            return render_template("ami_admin.html", call=None, answers=[], calls=service.calls_of(db, admin[1]),
                                   form_url=None, values=values, errors=errors), 400
    data = schema.load(raw)
    result, refusal = _admin_write(lambda db, actor, network: service.open_call(db, network, actor, data))
    if refusal:
        return refusal
    flash(result.message)
    return redirect(url_for("web.ami"), code=303)


def ami_close(call_id: int):
    def act(db, actor, network):
        return service.close_call(db, actor, service.call_by_id(db, network, call_id))

    result, refusal = _admin_write(act)
    if refusal:
        return refusal
    flash(result.message)
    return redirect(url_for("web.ami_results", call_id=call_id), code=303)


def ami_results(call_id: int):
    with services().db.reader() as db:
        admin, refusal = _require_admin(db)
        if refusal:
            return refusal
        _actor, network = admin
        try:
            call = service.call_by_id(db, network, call_id)
        except Refusal:
            abort(404)
        view = service.matrix(db, call)
        slugs = {}
        ids = [c.formed_id for c in view.themes if c.formed_id]
        if ids:
            slugs = dict(db.execute(select(Consortium.id, Consortium.slug).where(Consortium.id.in_(ids))).all())
        return render_template("ami_results.html", call=call, view=view, slugs=slugs, cells=_rank_cells(view),
                               form_url=_public_form_url(call))


def _rank_cells(view) -> list[Markup]:
    """The theme cells of each matrix row as one piece of HTML (ranks are integers: nothing to
    escape), built in one pass instead of a template loop per cell."""
    made: dict[int, str] = {}
    cells = []
    for ranks in view.rank_lists:
        parts = []
        for rank in ranks:
            cell = made.get(rank)
            if cell is None:
                cell = made[rank] = f'<td class="rank rank-{rank}">{rank if rank else ""}</td>'
            parts.append(cell)
        cells.append(Markup("".join(parts)))
    return cells


def ami_results_csv(call_id: int):
    with services().db.reader() as db:
        admin, refusal = _require_admin(db)
        if refusal:
            return refusal
        try:
            call = service.call_by_id(db, admin[1], call_id)
        except Refusal:
            abort(404)
        body = service.results_csv(db, call)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="ami-{call_id}.csv"'
    return response


def ami_form_consortium(call_id: int):
    theme = (request.form.get("theme") or "")[:200]

    def act(db, actor, network):
        from plugin.commands.handlers.ami import _email_lookup

        call = service.call_by_id(db, network, call_id)
        client = services().mattermost(interactive=True)
        return service.form_consortium(db, network, actor, call, theme, directory=services().directory,
                                       caldav_enabled=services().settings.caldav_configured,
                                       lookup_email=_email_lookup(client) if client is not None else None)

    outcome, refusal = _admin_write(act)
    if refusal:
        return refusal
    services().notify_outbox()
    flash(_("Consortium “{name}” formed with {n} members.", name=outcome.consortium.name, n=len(outcome.members))
          if outcome.created else
          _("Consortium “{name}” completed: {n} members.", name=outcome.consortium.name, n=len(outcome.members)))
    if outcome.without_account:
        flash(_("Without a chat account yet (invite them, then form again): {people}.",
                people="; ".join(f"{a.contact_name} <{a.contact_email}> ({a.structure_name})"
                                 for a in outcome.without_account)), "warning")
    return redirect(url_for("web.ami_results", call_id=call_id), code=303)


# --- the public AMI form ------------------------------------------------------------------

def _form_values(form) -> dict:
    values = {k: (form.get(k) or "") for k in ("structure_name", "siae_type", "departement", "contact_name",
                                              "contact_email", "can_bring", "needs", "comment")}
    return values


def _ranked_themes(call, form) -> list[str]:
    ranked = []
    for index, theme in enumerate(call.themes):
        raw = form.get(f"rank_{index}", "")
        if raw.isdigit() and 1 <= int(raw) <= len(call.themes):
            ranked.append((int(raw), index, theme))
    return [theme for _r, _i, theme in sorted(ranked)]


def _answer_values(answer) -> dict:
    """The form's fields, filled with an existing answer."""
    return {k: getattr(answer, k) or "" for k in ("structure_name", "siae_type", "departement", "contact_name",
                                                  "contact_email", "can_bring", "needs", "comment")}


def _edited_answer(db, call, token: str):
    """The answer an edit link names, or None when the link is forged, expired or outdated."""
    try:
        data = services().signer.load("ami-edit", token, max_age=service.EDIT_LINK_MAX_AGE)
    except InvalidSignature:
        return None
    return service.answer_for_edit(db, call, data)


def _edit_link_refused():
    return render_message(_("This link to change an answer has expired or is no longer valid. Send the form again "
                            "with the structure's name to receive a new one at its contact address."),
                          status=410, title=_("Link expired"))


def public_form(token: str):
    with services().db.transaction() as db:
        call = service.call_by_form_token(db, token)
        if call is None:
            return render_message(_("This form does not exist, or its link has changed. Ask the network for the "
                                    "current link."), status=404, title=_("Form not found"))
        accepting = service.is_accepting(call)
        edit = (request.values.get("edit") or "")[:2000]
        edited = _edited_answer(db, call, edit) if edit else None
        if edit and edited is None:
            return _edit_link_refused()
        page = {"call": call, "values": {}, "ranks": {}, "errors": {}, "accepting": accepting,
                "siae_types": SIAE_TYPES, "edit": edit if edited else "", "edited": edited}
        if request.method == "GET":
            if edited is not None:
                page["values"] = _answer_values(edited)
                page["ranks"] = {i: str(edited.themes.index(t) + 1) for i, t in enumerate(call.themes)
                                 if t in (edited.themes or [])}
            return render_template("ami_form.html", **page)
        form = request.form
        values = _form_values(form)
        page["values"] = values
        page["ranks"] = {i: form.get(f"rank_{i}", "") for i in range(len(call.themes))}
        if not accepting:
            return render_template("ami_form.html", **page), 403
        raw = {"structure_name": values["structure_name"], "contact_name": values["contact_name"],
               "contact_email": values["contact_email"], "themes": _ranked_themes(call, form)}
        for key in ("siae_type", "departement", "can_bring", "needs", "comment"):
            if values[key].strip():
                raw[key] = values[key]
        schema = ResponseSchema()
        errors = {k: error_text(v) for k, v in schema.validate(raw).items()}
        if errors:
            page["errors"] = errors
            return render_template("ami_form.html", **page), 400
        data = schema.load(raw)
        try:
            with db.begin_nested():
                answer, created = service.respond(db, call, data, source="web",
                                                  editing=edited.id if edited is not None else None)
        except service.EditLinkNeeded as needed:
            return _send_edit_link(db, needed.existing, page)
        except Refusal as error:
            page["errors"] = {**error.fields, "_": error.message}
            page["accepting"] = service.is_accepting(call)
            return render_template("ami_form.html", **page), _status_of(error)
        return render_template("ami_thanks.html", call=call, name=answer.structure_name, created=created,
                               themes=data["themes"], contact=service.masked_email(answer.contact_email))


def _send_edit_link(db, existing, page: dict):
    """Someone answered for a structure that has answered: its contact address gets a link; nothing changes."""
    if not services().settings.smtp_configured:
        page["errors"] = {"_": _("“{name}” has already answered this call. To change its answer, its contact can "
                                 "answer again from the chat (`/ami repondre`) or ask the network's facilitators.",
                                 name=existing.structure_name)}
        return render_template("ami_form.html", **page), 409
    masked = service.send_edit_link(db, existing, locale=get_locale())
    return render_message(_("“{name}” has already answered this call, so its answer can only be changed by its "
                            "contact. We have sent a link to change it to {email}: open it within {days} days. "
                            "Nothing has changed yet.", name=existing.structure_name, email=masked,
                            days=service.EDIT_LINK_MAX_AGE.days),
                          status=202, title=_("Check the contact's e-mail"))


def _rate_limited(limit):
    with use_locale(_choose_locale()):
        body, _status = render_message(_("Too many submissions from your address. Please wait a few minutes before "
                                         "trying again."), status=429, title=_("Please wait"))
    response = current_app.make_response((body, 429))
    response.headers["Retry-After"] = "60"
    return _after(response)


# --- the public profile -------------------------------------------------------------------

def profile(slug: str, token: str, printable: bool = False):
    with services().db.reader() as db:
        consortium = service.consortium_by_profile_token(db, slug, token)
        if consortium is None:
            return render_message(_("This profile link is not valid, or it has been withdrawn. Ask the network for "
                                    "the current link."), status=404, title=_("Profile not found"))
        page = service.consortium_page(db, consortium, private=False)
        from plugin.features.decisions.api import decisions_taken

        response = current_app.make_response(render_template("profile.html", c=consortium, page=page,
                                                             printable=printable,
                                                             decisions=decisions_taken(db, consortium.id)))
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response


def profile_print(slug: str, token: str):
    return profile(slug, token, printable=True)


# --- wiring -------------------------------------------------------------------------------

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
        value = service.aware(value).astimezone(tz).replace(second=0, microsecond=0)
    return _short(value, tz, get_locale())


def _template_helpers() -> dict:
    def fmt_date(value, with_time=None):
        if value is None:
            return "—"
        return format_date(service.aware(value) if isinstance(value, datetime) else value,
                           tz=services().settings.tz, with_time=with_time)

    def lang_link(lang: str) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("lang", "token")}
        args["lang"] = lang
        return f"{request.path}?{urlencode(args)}"

    return {"_": _, "ngettext": ngettext, "csrf_token": csrf_token, "fmt_date": fmt_date, "fmt_short": fmt_short,
            "stage_label": stage_label, "lang_link": lang_link, "current_locale": get_locale,
            "stage_colours": STAGE_COLOURS}


def register(app: Flask) -> None:
    # Only the admin's signed-in session is permanent (8 hours); other sessions end with the browser.
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    app.jinja_env.globals.update(_template_helpers())
    app.jinja_env.autoescape = True
    limiter = app.extensions["consortia_limiter"]
    limit = app.extensions["consortia"].settings.form_rate_limit

    web = Blueprint("web", __name__, url_prefix="/web")
    public = Blueprint("public", __name__)
    for blueprint in (web, public):
        blueprint.before_request(_before)
        blueprint.after_request(_after)
        blueprint.teardown_request(_teardown)

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

    limited_form = limiter.limit(limit, methods=["POST"], on_breach=_rate_limited)(public_form)
    public.add_url_rule("/ami/<token>", "ami_form", limited_form, methods=["GET", "POST"])
    public.add_url_rule("/profil/<slug>/<token>", "profile", profile)
    public.add_url_rule("/profil/<slug>/<token>/print", "profile_print", profile_print)

    def _not_found(_error):
        return render_message(_("This page does not exist."), status=404, title=_("Not found"))

    web.register_error_handler(404, _not_found)
    public.register_error_handler(404, _not_found)

    app.register_blueprint(web)
    app.register_blueprint(public)
