"""An in-process emulator of the part of the Mattermost REST API v4 that Consortia uses.

It is a real HTTP server on a loopback port (werkzeug, threaded), so the project's real
client talks HTTP to it. When the official OpenAPI document is available, every
``/api/v4`` request is first checked against it and anything the document rejects is
answered like the real server would (404 unknown route, 405 wrong method, 400 bad
parameters/body), always with an ``AppError`` JSON body.

Besides the REST API it acts as Mattermost *toward* an integration: it runs slash
commands (:meth:`MattermostEmulator.execute_command`), clicks message buttons
(:meth:`~MattermostEmulator.click`) and submits interactive dialogs
(:meth:`~MattermostEmulator.submit_dialog`), applying the integration's answers the way
Mattermost does.

The package, along its seams:

- ``core``: :class:`MattermostEmulator`, the public API (lifecycle, seeding, introspection,
  fault injection, acting as a person); nothing else is meant for callers.
- ``server``: the HTTP server (down and up again on the same port) and the dispatch of a
  request (route, session, specification check, handler).
- ``state``: what the server stores and Mattermost's rules about it (permissions, posts,
  threads, commands).
- ``rest_users``, ``rest_channels``, ``rest_posts``, ``rest_integrations``: the REST
  handlers, by resource, declared with ``base.route``.
- ``faults``: injected failures, delayed and dropped answers, the request log.
- ``actor``: Mattermost calling the integration (commands, buttons, dialogs,
  ``response_url``).

Typical use::

    with MattermostEmulator() as mm:
        team = mm.create_team("acme")
        bot = mm.create_user("consortia-bot", is_bot=True, team="acme")
        token = mm.create_token(bot["id"])
        ...  # point the client at mm.url with token
"""

from .base import EmulatorAppError, new_id
from .core import MattermostEmulator

__all__ = ["MattermostEmulator", "EmulatorAppError", "new_id"]
