"""The public pages: the AMI form (reachable only with the call's secret token, rate limited per
address) and a consortium's public profile (with its secret link), both run as the system."""
from __future__ import annotations

from flask import current_app, render_template, request

from models import SIAE_TYPES
from plugin.features.ami.calls import EDIT_LINK_MAX_AGE
from plugin.features.ami.outcomes import (
    EditLinkRefused, FormNotFound, PublicEditLinkSent, PublicForm, PublicThanks,
)
from plugin.features.pages.outcomes import Profile
from plugin.i18n import _, use_locale
from plugin.i18n import render as in_reader_language

from plugin.web.pages.common import after, choose_locale, not_done, public_page, render_message, services


def public_form(token: str):
    raw = {"token": token, "edit": (request.values.get("edit") or "")[:2000],
           "submitted": request.form.to_dict() if request.method == "POST" else None}
    result = public_page("ami.public_form", raw)
    if result.refusal is not None:
        return not_done(result.refusal)
    outcome = result.outcome
    if isinstance(outcome, FormNotFound):
        return render_message(_("This form does not exist, or its link has changed. Ask the network for the "
                                "current link."), status=404, title=_("Form not found"))
    if isinstance(outcome, EditLinkRefused):
        return render_message(_("This link to change an answer has expired or is no longer valid. Send the form "
                                "again with the structure's name to receive a new one at its contact address."),
                              status=410, title=_("Link expired"))
    if isinstance(outcome, PublicEditLinkSent):
        return render_message(_("“{name}” has already answered this call, so its answer can only be changed by its "
                                "contact. We have sent a link to change it to {email}: open it within {days} days. "
                                "Nothing has changed yet.", name=outcome.existing.structure_name,
                                email=outcome.masked, days=EDIT_LINK_MAX_AGE.days),
                              status=202, title=_("Check the contact's e-mail"))
    if isinstance(outcome, PublicThanks):
        return render_template("ami_thanks.html", call=outcome.call, name=outcome.answer.structure_name,
                               created=outcome.created, themes=outcome.themes, contact=outcome.masked)
    return _form(outcome)


def _form(outcome: PublicForm):
    errors = {key: in_reader_language(value) for key, value in outcome.errors.items()}
    return render_template("ami_form.html", call=outcome.call, values=outcome.values, ranks=outcome.ranks,
                           errors=errors, accepting=outcome.accepting, siae_types=SIAE_TYPES, edit=outcome.edit,
                           edited=outcome.edited, retention=services().settings.ami_retention_months), outcome.status


def rate_limited(limit):
    with use_locale(choose_locale()):
        body, _status = render_message(_("Too many submissions from your address. Please wait a few minutes before "
                                         "trying again."), status=429, title=_("Please wait"))
    response = current_app.make_response((body, 429))
    response.headers["Retry-After"] = "60"
    return after(response)


def profile(slug: str, token: str, printable: bool = False):
    result = public_page("pages.profile", {"slug": slug[:64], "token": token})
    if result.refusal is not None:
        return not_done(result.refusal)
    if not isinstance(result.outcome, Profile):
        return render_message(_("This profile link is not valid, or it has been withdrawn. Ask the network for "
                                "the current link."), status=404, title=_("Profile not found"))
    response = current_app.make_response(render_template("profile.html", c=result.outcome.consortium,
                                                         page=result.outcome.page, printable=printable))
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def profile_print(slug: str, token: str):
    return profile(slug, token, printable=True)
