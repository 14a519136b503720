"""Liveness/readiness and metrics."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select

from models import OutboxMessage
from plugin import metrics

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    services = current_app.extensions["consortia"]
    try:
        services.db.ping()
    except Exception:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok", mattermost="configured" if services.settings.mattermost_configured
                   else "not connected")


@blueprint.get("/metrics")
def metrics_endpoint():
    services = current_app.extensions["consortia"]
    with services.db.reader() as session:
        for status, count in session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ):
            metrics.OUTBOX.labels(status).set(count)
    return Response(metrics.render(), mimetype="text/plain; version=0.0.4")
