"""JSON API of the registers: a consortium's roles and commitments (same data as the CSV exports)."""
from __future__ import annotations

from flask import jsonify, request

from models import Network
from plugin.schemas.registers import (
    CommitmentOutSchema,
    CommitmentsOutSchema,
    RoleAssignmentOutSchema,
    RolesOutSchema,
)
from plugin.kernel.lookup import consortium_by_slug
from plugin.services import commitments, roles
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
@endpoint(read_only=True)
def consortium_roles(ctx, data, slug: str):
    include_ended = request.args.get("history", "").lower() in ("1", "true", "yes", "oui")
    session = ctx.session
    consortium = consortium_by_slug(session, slug[:64])
    if consortium is None:
        return jsonify(error="not_found"), 404
    return jsonify(RolesOutSchema().dump({
        "consortium": consortium.slug,
        "roles": [{"key": r.key, "label": r.label, "description": r.description, "custom": r.custom}
                  for r in roles.catalog(session, consortium)],
        "assignments": roles.as_dicts(roles.assignments(session, consortium, include_ended=include_ended)),
    }))


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
@endpoint(read_only=True)
def consortium_commitments(ctx, data, slug: str):
    organisation = (request.args.get("organisation") or "").strip()[:64] or None
    session = ctx.session
    consortium = consortium_by_slug(session, slug[:64])
    if consortium is None:
        return jsonify(error="not_found"), 404
    network = session.get(Network, consortium.network_id)
    listing = commitments.listing(session, network, consortium, organisation=organisation, limit=100_000)
    return jsonify(CommitmentsOutSchema().dump({
        "consortium": consortium.slug,
        "items": commitments.as_dicts(listing.items),
        "totals_by_type": {k: t.as_dict() for k, t in listing.by_type.items()},
        "totals_by_organisation": {k: t.as_dict() for k, t in listing.by_organisation.items()},
    }))
