"""WSGI entry point for production servers: `gunicorn 'plugin.wsgi:app'`.

The outbox worker is not started here (run `consortia worker` beside it, or use
`consortia serve`, which runs both).
"""
from plugin.app import create_app

app = create_app()
