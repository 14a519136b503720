"""JSON API (admin scope, bearer tokens) with its OpenAPI document.

Routes register themselves on ``blueprint`` and document themselves with
``@documented`` so the OpenAPI document is generated from the same marshmallow
schemas that validate the input. Every route goes through the front door's API adapter
(``plugin/frontdoor/api.py``): token first, then the runner, then JSON with the status of the one
refusal table.
"""
from __future__ import annotations

from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema

from plugin.frontdoor import api as adapter
from plugin.i18n import _, use_locale
from plugin.features.consortium.api import ConsortiumCreateSchema, ConsortiumOutSchema

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
_DOCS: list[tuple[str, str, dict]] = []
# Other features add their response schemas here for the OpenAPI document.
API_SCHEMAS: dict[str, type[Schema]] = {}
MAX_OFFSET = 1_000_000_000  # past any real list, within every database's integers


def documented(path: str, method: str, operation: dict):
    """Record an operation for the OpenAPI document."""

    def register(function):
        _DOCS.append((path, method.lower(), operation))
        return function

    return register


def services():
    return current_app.extensions["consortia"]


def endpoint(*, use_case: str, body: bool = False):
    """An API route: the bearer token is checked first, then one use case runs through the runner.

    The route function maps the request to the use case's raw input (``(**path) -> dict``; with
    ``body``, the JSON object sent is merged in), the use case's schema validates it and the
    feature's "json" renderer answers.
    """

    def wrap(function):
        @wraps(function)
        def view(**path):
            svc = services()
            if not adapter.authorized(svc, request.headers.get("Authorization", "")):
                return jsonify(error="unauthorized"), 401
            locale = request.accept_languages.best_match(["fr", "en"]) or svc.settings.locale
            raw: dict = {}
            if body:
                payload = request.get_json(silent=True)
                if not isinstance(payload, dict):
                    with use_locale(locale):
                        return jsonify(error="invalid", message=_("A JSON object is expected.")), 400
                raw = payload
            return adapter.respond(svc, use_case, {**raw, **function(**path)}, locale=locale)

        return view

    return wrap


@blueprint.post("/consortia")
@documented("/consortia", "post", {
    "summary": "Provision a consortium (idempotent: an existing name is completed, not duplicated)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": "ConsortiumCreate"}}},
    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": "Consortium"}}},
                  "200": {"description": "already existed; missing members and steps resumed",
                          "content": {"application/json": {"schema": "Consortium"}}},
                  "400": {"description": "invalid input"}, "401": {"description": "no or wrong token"}},
})
@endpoint(use_case="consortium.provision", body=True)
def create_consortium() -> dict:
    return {}


@blueprint.get("/consortia")
@documented("/consortia", "get", {
    "summary": "List consortiums",
    "parameters": [{"in": "query", "name": "limit", "schema": {"type": "integer", "maximum": 500}},
                   {"in": "query", "name": "offset", "schema": {"type": "integer"}}],
    "responses": {"200": {"description": "a page of consortiums"}, "401": {"description": "no or wrong token"}},
})
@endpoint(use_case="consortium.page")
def list_consortia() -> dict:
    return {"limit": min(max(request.args.get("limit", 50, type=int) or 50, 1), 500),
            "offset": min(max(request.args.get("offset", 0, type=int) or 0, 0), MAX_OFFSET)}


@blueprint.get("/consortia/<slug>")
@documented("/consortia/{slug}", "get", {
    "summary": "One consortium",
    "parameters": [{"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the consortium", "content": {"application/json": {"schema": "Consortium"}}},
                  "404": {"description": "unknown slug"}},
})
@endpoint(use_case="consortium.get")
def get_consortium(slug: str) -> dict:
    return {"slug": slug}


@blueprint.get("/openapi.json")
def openapi():
    spec = APISpec(title="Consortia API", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": "Admin JSON API of Consortia. Authenticate with "
                                        "`Authorization: Bearer <token>` (CONSORTIA_API_TOKENS)."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ConsortiumCreate", schema=ConsortiumCreateSchema)
    spec.components.schema("Consortium", schema=ConsortiumOutSchema)
    for name, schema in API_SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    paths: dict[str, dict] = {}
    for path, method, operation in _DOCS:
        paths.setdefault(path, {})[method] = dict(operation, security=[{"bearer": []}])
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return jsonify(spec.to_dict())




_PERSON = {"in": "path", "name": "user", "required": True, "schema": {"type": "string"},
           "description": "a Mattermost user id, or a @username that Consortia resolves through Mattermost"}


@blueprint.get("/people/<user>/export")
@documented("/people/{user}/export", "get", {
    "summary": "Everything Consortia holds about one person (GDPR access and portability)",
    "parameters": [_PERSON],
    "responses": {"200": {"description": "the person's data"}, "404": {"description": "unknown person"}},
})
@endpoint(use_case="privacy.export")
def export_person(user: str) -> dict:
    return {"user": user}


@blueprint.delete("/people/<user>")
@documented("/people/{user}", "delete", {
    "summary": "Erase a person's personal data (GDPR): pseudonymised, removed from channels, group work kept",
    "parameters": [_PERSON],
    "responses": {"200": {"description": "erased; what changed"}, "404": {"description": "unknown person"},
                  "409": {"description": "already erased"}},
})
@endpoint(use_case="privacy.erase")
def erase_person(user: str) -> dict:
    return {"user": user}
