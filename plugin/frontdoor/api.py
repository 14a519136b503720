"""The JSON API adapter: a bearer token checked first, then one use case as the system, answered in
JSON with the status of the one refusal table (``plugin/frontdoor/errors.py``)."""
from __future__ import annotations

from flask import jsonify

from integrations.mattermost.verification import verify_command_token
from plugin.frontdoor.errors import answer
from plugin.frontdoor.runner import Entry
from plugin.frontdoor.render import render
from plugin.i18n import use_locale
from plugin.kernel.people import ensure_network
from plugin.kernel.usecase import UseCase


def authorized(runtime, header: str) -> bool:
    scheme, _sep, token = (header or "").partition(" ")
    return scheme.lower() == "bearer" and verify_command_token(token.strip(), runtime.settings.api_tokens)


def respond(runtime, use_case: str | UseCase, raw: dict | None = None, *, locale: str):
    """Run ``use_case`` for an authorized API call; a Flask response."""
    team = runtime.settings.mattermost_team or "default"
    entry = Entry("api", network=lambda session: ensure_network(session, team), locale=locale)
    result = runtime.runner.run(entry, use_case, raw)
    with use_locale(result.locale):
        if result.refusal is not None:
            refusal = result.refusal
            return jsonify(error=answer(refusal).code, message=refusal.text(), fields=refusal.field_texts()), \
                answer(refusal).http
        return render(runtime, "json", result)
