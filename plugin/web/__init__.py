"""HTTP layer: thin blueprints; each request goes through an adapter of the front door."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from plugin.web import api, calendars, health, mattermost, pages
    from plugin.web import api_dialogues, api_registers  # noqa: F401  (their routes join api.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(mattermost.blueprint)
    app.register_blueprint(calendars.blueprint)
    app.register_blueprint(api.blueprint)
    pages.register(app)
