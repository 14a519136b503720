"""Signing in by magic link (the signed, single-use, short-lived link `/consortium admin` gives; no
passwords) and signing out. The link sets Flask's signed session cookie (HttpOnly, SameSite=Lax,
Secure when the base URL is https)."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import redirect, render_template, request, session, url_for
from sqlalchemy import select

from models import Person, UsedNonce
from plugin.i18n import SUPPORTED_LOCALES, _
from plugin.kernel.errors import Refusal
from plugin.kernel.people import is_admin, is_fresh, look_up, record_lookup
from plugin.security import InvalidSignature

from plugin.web.pages.common import render_message, services

log = logging.getLogger(__name__)

MAGIC_MAX_AGE = timedelta(minutes=10)


def _as_mattermost_says(db, person: Person) -> Person | None:
    """``person`` with the roles Mattermost gives them now (asked at most once per time-to-live, stored in
    the caller's transaction ``db``), or None when Mattermost no longer knows them."""
    svc = services()
    if person.erased_at is not None or not person.mattermost_user_id:
        return None
    if is_fresh(person, svc.directory):
        return person
    lookup = look_up(svc.directory, person.mattermost_user_id)
    try:
        return record_lookup(db, person.network_id, svc.directory, person.mattermost_user_id, lookup)
    except Refusal:
        return None


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
        person = _as_mattermost_says(db, person) if person is not None else None
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
