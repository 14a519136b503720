"""JSON API (admin scope, bearer tokens) with its OpenAPI document.

Routes register themselves on ``blueprint`` and document themselves with
``@documented`` so the OpenAPI document is generated from the same marshmallow
schemas that validate the input.
"""
from __future__ import annotations

from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, fields

from integrations.mattermost.verification import verify_command_token
from plugin.i18n import _, use_locale
from plugin.schemas.consortium import ConsortiumCreateSchema
from plugin.schemas.fields import field_errors
from plugin.services import consortia
from plugin.kernel.errors import Refusal
from plugin.kernel.people import ensure_network

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
_DOCS: list[tuple[str, str, dict]] = []
MAX_OFFSET = 1_000_000_000  # past any real list, within every database's integers


def documented(path: str, method: str, operation: dict):
    """Record an operation for the OpenAPI document."""

    def register(function):
        _DOCS.append((path, method.lower(), operation))
        return function

    return register


def services():
    return current_app.extensions["consortia"]


def require_token(function):
    @wraps(function)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not verify_command_token(token.strip(), services().settings.api_tokens):
            return jsonify(error="unauthorized"), 401
        with use_locale(request.accept_languages.best_match(["fr", "en"]) or services().settings.locale):
            try:
                return function(*args, **kwargs)
            except Refusal as error:
                status = {"invalid": 400, "not_found": 404, "forbidden": 403, "conflict": 409,
                          "unavailable": 503}.get(error.code, 400)
                return jsonify(error=error.code, message=error.message, fields=error.fields), status

    return wrapper


class ConsortiumOutSchema(Schema):
    slug = fields.String()
    name = fields.String()
    theme = fields.String()
    stage = fields.String()
    public = fields.Boolean(attribute="is_public")
    channel_id = fields.String(allow_none=True)
    archived = fields.Method("_archived")
    feed_url = fields.Method("_feed")
    provisioning = fields.Method("_steps")

    def _archived(self, obj) -> bool:
        return obj.archived_at is not None

    def _feed(self, obj) -> str:
        return f"{services().base_url}/calendars/{obj.slug}/{obj.feed_token}.ics"

    def _steps(self, obj) -> dict:
        return consortia.step_status(obj)


def _network(session):
    return ensure_network(session, services().settings.mattermost_team or "default")


@blueprint.post("/consortia")
@documented("/consortia", "post", {
    "summary": "Provision a consortium (idempotent: an existing name is completed, not duplicated)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": "ConsortiumCreate"}}},
    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": "Consortium"}}},
                  "200": {"description": "already existed; missing members and steps resumed",
                          "content": {"application/json": {"schema": "Consortium"}}},
                  "400": {"description": "invalid input"}, "401": {"description": "no or wrong token"}},
})
@require_token
def create_consortium():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error="invalid", message=_("A JSON object is expected.")), 400
    from marshmallow import ValidationError

    try:
        data = ConsortiumCreateSchema().load(payload)
    except ValidationError as error:
        return jsonify(error="invalid", fields=field_errors(error.messages)), 400
    svc = services()
    with svc.db.transaction() as session:
        outcome = consortia.provision(session, _network(session), None, data, directory=svc.directory,
                                      caldav_enabled=svc.settings.caldav_configured, reuse_existing=True)
        body = ConsortiumOutSchema().dump(outcome.consortium)
    svc.notify_outbox()
    return jsonify(body), 201 if outcome.created else 200


@blueprint.get("/consortia")
@documented("/consortia", "get", {
    "summary": "List consortiums",
    "parameters": [{"in": "query", "name": "limit", "schema": {"type": "integer", "maximum": 500}},
                   {"in": "query", "name": "offset", "schema": {"type": "integer"}}],
    "responses": {"200": {"description": "a page of consortiums"}, "401": {"description": "no or wrong token"}},
})
@require_token
def list_consortia():
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    offset = min(max(request.args.get("offset", 0, type=int) or 0, 0), MAX_OFFSET)
    with services().db.reader() as session:
        rows, total = consortia.network_list(session, _network(session), limit=limit, offset=offset)
        items = [dict(ConsortiumOutSchema().dump(row.consortium), members=row.member_count,
                      checklist={"done": row.checklist_done, "total": row.checklist_total}) for row in rows]
    return jsonify(total=total, limit=limit, offset=offset, items=items)


@blueprint.get("/consortia/<slug>")
@documented("/consortia/{slug}", "get", {
    "summary": "One consortium",
    "parameters": [{"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the consortium", "content": {"application/json": {"schema": "Consortium"}}},
                  "404": {"description": "unknown slug"}},
})
@require_token
def get_consortium(slug: str):
    with services().db.reader() as session:
        consortium = consortia.find_by_slug(session, slug[:64])
        if consortium is None:
            return jsonify(error="not_found"), 404
        return jsonify(ConsortiumOutSchema().dump(consortium))


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


# Other features add their response schemas here for the OpenAPI document.
API_SCHEMAS: dict[str, type[Schema]] = {}
from plugin.web import api_registers  # noqa
from plugin.web import api_dialogues  # noqa


_PERSON = {"in": "path", "name": "user", "required": True, "schema": {"type": "string"},
           "description": "a Mattermost user id, or a @username that Consortia resolves through Mattermost"}


@blueprint.get("/people/<user>/export")
@documented("/people/{user}/export", "get", {
    "summary": "Everything Consortia holds about one person (GDPR access and portability)",
    "parameters": [_PERSON],
    "responses": {"200": {"description": "the person's data"}, "404": {"description": "unknown person"}},
})
@require_token
def export_person(user: str):
    from plugin.services import privacy

    svc = services()
    with svc.db.reader() as session:
        person = privacy.find_person(session, _network(session), svc.directory, user[:65])
        return jsonify(privacy.export_person(session, person))


@blueprint.delete("/people/<user>")
@documented("/people/{user}", "delete", {
    "summary": "Erase a person's personal data (GDPR): pseudonymised, removed from channels, group work kept",
    "parameters": [_PERSON],
    "responses": {"200": {"description": "erased; what changed"}, "404": {"description": "unknown person"},
                  "409": {"description": "already erased"}},
})
@require_token
def erase_person(user: str):
    from plugin.services import privacy

    svc = services()
    with svc.db.transaction() as session:
        person = privacy.find_person(session, _network(session), svc.directory, user[:65])
        outcome = privacy.erase_person(session, None, person)
    svc.notify_outbox()
    return jsonify(erased=True, **outcome)
