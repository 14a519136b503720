"""JSON API of the foundation dialogues and the foundations (admin scope)."""
from __future__ import annotations

from flask import jsonify, request

from models import DIALOGUE_STAGES
from plugin.i18n import _
from plugin.schemas.dialogues import DialogueOutSchema, FoundationImportSchema, FoundationOutSchema
from plugin.services import dialogues as dialogue_service
from plugin.services import foundations as foundation_service
from plugin.web.api import API_SCHEMAS, MAX_OFFSET, blueprint, documented, endpoint

API_SCHEMAS["Dialogue"] = DialogueOutSchema
API_SCHEMAS["Foundation"] = FoundationOutSchema
API_SCHEMAS["FoundationInput"] = FoundationImportSchema


def _dialogue(row: dialogue_service.DialogueRow) -> dict:
    d = row.dialogue
    return DialogueOutSchema().dump({
        "id": d.id, "number": d.number, "consortium": row.consortium.slug, "foundation": row.foundation.short_name,
        "foundation_name": row.foundation.name, "subject": d.subject, "stage": d.stage,
        "next_step_date": d.next_step_date, "next_step_action": d.next_step_action,
        "opened_at": dialogue_service.aware(d.opened_at), "last_activity_at": dialogue_service.aware(d.last_activity_at),
        "closed_at": dialogue_service.aware(d.closed_at) if d.closed_at else None, "thread_post_id": d.root_post_id,
    })


def _foundation(row: foundation_service.FoundationRow) -> dict:
    f = row.foundation
    return FoundationOutSchema().dump({
        "short_name": f.short_name, "name": f.name, "kind": f.kind, "description": f.description,
        "themes": list(f.themes or []), "representatives": [p.username for p in row.representatives],
        "open_dialogues": row.open_dialogues,
    })


@blueprint.get("/dialogues")
@documented("/dialogues", "get", {
    "summary": "Foundation dialogues across the network (foundation × consortium × stage), most recently active first",
    "parameters": [
        {"in": "query", "name": "consortium", "schema": {"type": "string"}, "description": "a consortium's slug"},
        {"in": "query", "name": "foundation", "schema": {"type": "string"}, "description": "a foundation's short name"},
        {"in": "query", "name": "stage", "schema": {"type": "string", "enum": list(DIALOGUE_STAGES)}},
        {"in": "query", "name": "open", "schema": {"type": "boolean"}, "description": "only dialogues not closed"},
        {"in": "query", "name": "limit", "schema": {"type": "integer", "maximum": 500}},
        {"in": "query", "name": "offset", "schema": {"type": "integer"}},
    ],
    "responses": {"200": {"description": "a page of dialogues, with the total and the count per stage",
                          "content": {"application/json": {"schema": {
                              "type": "object", "properties": {
                                  "total": {"type": "integer"}, "limit": {"type": "integer"},
                                  "offset": {"type": "integer"},
                                  "per_stage": {"type": "object", "additionalProperties": {"type": "integer"}},
                                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Dialogue"}}}}}}},
                  "400": {"description": "invalid filter"}, "401": {"description": "no or wrong token"}},
})
@endpoint(read_only=True)
def list_dialogues(ctx, data):
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    offset = min(max(request.args.get("offset", 0, type=int) or 0, 0), MAX_OFFSET)
    stage = request.args.get("stage") or None
    if stage is not None and stage not in DIALOGUE_STAGES:
        return jsonify(error="invalid", fields={"stage": _("“{value}” is not one of: {choices}.", value=stage[:40],
                                                           choices=", ".join(DIALOGUE_STAGES))}), 400
    open_only = (request.args.get("open") or "").lower() in ("1", "true", "yes", "oui")
    page = dialogue_service.network_list(
        ctx.session, ctx.network, limit=limit, offset=offset,
        consortium_slug=(request.args.get("consortium") or "")[:64] or None,
        foundation=(request.args.get("foundation") or "")[:64] or None, stage=stage, open_only=open_only)
    items = [_dialogue(row) for row in page.rows]
    return jsonify(total=page.total, limit=limit, offset=offset, per_stage=page.per_stage, items=items)


@blueprint.get("/foundations")
@documented("/foundations", "get", {
    "summary": "Foundations and funds, with their representatives",
    "responses": {"200": {"description": "every foundation", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"items": {"type": "array",
                                                   "items": {"$ref": "#/components/schemas/Foundation"}}}}}}},
                  "401": {"description": "no or wrong token"}},
})
@endpoint(read_only=True)
def list_foundations(ctx, data):
    return jsonify(items=[_foundation(row) for row in foundation_service.list_foundations(ctx.session, ctx.network)])


@blueprint.post("/foundations")
@documented("/foundations", "post", {
    "summary": "Record or update a foundation (idempotent on its short name); representatives are added",
    "requestBody": {"required": True, "content": {"application/json": {"schema": "FoundationInput"}}},
    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": "Foundation"}}},
                  "200": {"description": "updated", "content": {"application/json": {"schema": "Foundation"}}},
                  "400": {"description": "invalid input"}, "401": {"description": "no or wrong token"},
                  "404": {"description": "unknown representative"},
                  "409": {"description": "the short name belongs to another kind of organisation"}},
})
@endpoint(schema=FoundationImportSchema)
def save_foundation(ctx, data):
    session, network = ctx.session, ctx.network
    foundation, created = foundation_service.save_foundation(session, network, None, data, upsert=True)
    known = {p.username for p in foundation_service.representatives(session, foundation.id)}
    wanted = [u for u in data.get("representatives", []) if u not in known]
    if wanted:
        foundation_service.set_representatives(session, network, None, foundation, wanted, directory=ctx.directory)
    row = next(r for r in foundation_service.list_foundations(session, network) if r.foundation.id == foundation.id)
    return jsonify(_foundation(row)), 201 if created else 200


@blueprint.get("/foundations/<short_name>")
@documented("/foundations/{short_name}", "get", {
    "summary": "One foundation",
    "parameters": [{"in": "path", "name": "short_name", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the foundation", "content": {"application/json": {"schema": "Foundation"}}},
                  "404": {"description": "unknown foundation"}, "401": {"description": "no or wrong token"}},
})
@endpoint(read_only=True)
def get_foundation(ctx, data, short_name: str):
    rows = foundation_service.list_foundations(ctx.session, ctx.network)
    row = next((r for r in rows if r.foundation.short_name.lower() == short_name[:64].lower()), None)
    if row is None:
        return jsonify(error="not_found"), 404
    return jsonify(_foundation(row))
