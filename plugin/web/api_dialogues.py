"""JSON API of the foundation dialogues and the foundations (admin scope)."""
from __future__ import annotations

from flask import request

from models import DIALOGUE_STAGES
from plugin.features.dialogues.schemas import DialogueOutSchema, FoundationImportSchema, FoundationOutSchema
from plugin.web.api import API_SCHEMAS, blueprint, documented, endpoint

API_SCHEMAS["Dialogue"] = DialogueOutSchema
API_SCHEMAS["Foundation"] = FoundationOutSchema
API_SCHEMAS["FoundationInput"] = FoundationImportSchema


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
@endpoint(use_case="dialogue.api_list")
def list_dialogues() -> dict:
    return {"limit": request.args.get("limit", 50, type=int), "offset": request.args.get("offset", 0, type=int),
            "consortium": request.args.get("consortium"), "foundation": request.args.get("foundation"),
            "stage": request.args.get("stage"),
            "open": (request.args.get("open") or "").lower() in ("1", "true", "yes", "oui")}


@blueprint.get("/foundations")
@documented("/foundations", "get", {
    "summary": "Foundations and funds, with their representatives",
    "responses": {"200": {"description": "every foundation", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"items": {"type": "array",
                                                   "items": {"$ref": "#/components/schemas/Foundation"}}}}}}},
                  "401": {"description": "no or wrong token"}},
})
@endpoint(use_case="dialogue.foundation_list")
def list_foundations() -> dict:
    return {}


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
@endpoint(use_case="dialogue.foundation_save", body=True)
def save_foundation() -> dict:
    return {}


@blueprint.get("/foundations/<short_name>")
@documented("/foundations/{short_name}", "get", {
    "summary": "One foundation",
    "parameters": [{"in": "path", "name": "short_name", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "the foundation", "content": {"application/json": {"schema": "Foundation"}}},
                  "404": {"description": "unknown foundation"}, "401": {"description": "no or wrong token"}},
})
@endpoint(use_case="dialogue.foundation_get")
def get_foundation(short_name: str) -> dict:
    return {"short_name": short_name}
