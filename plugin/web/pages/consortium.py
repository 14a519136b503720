"""A consortium's page for the network's admins, and its two actions: relaunch the set-up, renew the
public profile link."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from models import Consortium
from plugin.features.pages.outcomes import ConsortiumView, ProfileLinkRenewed, Relaunched
from plugin.i18n import _

from plugin.web.pages.common import admin_page, services


def _slug(slug: str) -> dict:
    return {"slug": slug}


@admin_page("pages.consortium", raw=_slug)
def consortium_page(outcome: ConsortiumView, slug: str):
    consortium = outcome.consortium
    return render_template("consortium.html", c=consortium, page=outcome.page, profile_url=_profile_url(consortium),
                           feed_url=f"{services().base_url}/calendars/{consortium.slug}/{consortium.feed_token}.ics")


def _profile_url(consortium: Consortium) -> str | None:
    if not consortium.profile_token:
        return None
    return f"{services().base_url}/profil/{consortium.slug}/{consortium.profile_token}"


@admin_page("pages.retry_provisioning", raw=_slug)
def consortium_retry(outcome: Relaunched, slug: str):
    flash(_("Set-up relaunched for: {steps}.", steps=", ".join(outcome.steps)) if outcome.steps else
          _("Nothing to retry: every step is done."))
    return redirect(url_for("web.consortium", slug=slug), code=303)


@admin_page("pages.profile_link", raw=_slug)
def consortium_profile_link(outcome: ProfileLinkRenewed, slug: str):
    flash(_("A new public profile link was created; the previous one no longer works."))
    return redirect(url_for("web.consortium", slug=slug), code=303)
