"""JSON API of the registers: a consortium's roles and commitments (same data as the CSV exports)."""
from __future__ import annotations

from flask import request

from plugin.features.registers.schemas import (
    CommitmentOutSchema,
    CommitmentsOutSchema,
    RoleAssignmentOutSchema,
    RolesOutSchema,
)
from plugin.web.api import API_SCHEMAS, blueprint, documented, endpoint

API_SCHEMAS.update({
    "RoleAssignment": RoleAssignmentOutSchema, "Roles": RolesOutSchema,
    "Commitment": CommitmentOutSchema, "Commitments": CommitmentsOutSchema,
})

_SLUG = {"in": "path", "name": "slug", "required": True, "schema": {"type": "string"}}


@blueprint.get("/consortia/<slug>/roles")
@documented("/consortia/{slug}/roles", "get", {
    "summary": "The roles register of a consortium: the roles it knows and who holds them",
    "parameters": [_SLUG, {"in": "query", "name": "history", "schema": {"type": "boolean"},
                           "description": "include ended assignments"}],
    "responses": {"200": {"description": "roles and assignments",
                          "content": {"application/json": {"schema": "Roles"}}},
                  "401": {"description": "no or wrong token"}, "404": {"description": "unknown slug"}},
})
@endpoint(use_case="registers.api_roles")
def consortium_roles(slug: str) -> dict:
    return {"slug": slug, "history": request.args.get("history", "")}


@blueprint.get("/consortia/<slug>/commitments")
@documented("/consortia/{slug}/commitments", "get", {
    "summary": "The commitments register of a consortium, with totals per type and per organisation",
    "parameters": [_SLUG, {"in": "query", "name": "organisation", "schema": {"type": "string"},
                           "description": "only this organisation's commitments (short name)"}],
    "responses": {"200": {"description": "commitments and totals",
                          "content": {"application/json": {"schema": "Commitments"}}},
                  "401": {"description": "no or wrong token"},
                  "404": {"description": "unknown slug or organisation"}},
})
@endpoint(use_case="registers.api_commitments")
def consortium_commitments(slug: str) -> dict:
    return {"slug": slug, "organisation": request.args.get("organisation")}
