"""HTTP layer: thin blueprints that verify, parse, call one service and render."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from plugin.web import api, calendars, health, mattermost

    app.register_blueprint(health.blueprint)
    app.register_blueprint(mattermost.blueprint)
    app.register_blueprint(calendars.blueprint)
    app.register_blueprint(api.blueprint)
    try:  # the web pages arrive with their own issue
        from plugin.web import pages
    except ImportError:
        return
    pages.register(app)
