"""What the load generator sends: slash commands exactly as Mattermost posts them."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Iterable
from urllib.parse import urlencode

import requests

from benchmarks import TEAM_NAME
from benchmarks.seeding import Seeded, SeededConsortium, SeededMember, fake_id
from benchmarks.servers import Service


def command_form(token: str, *, command: str, text: str, user_id: str, user_name: str, channel_id: str,
                 team_id: str, team_domain: str = TEAM_NAME, channel_name: str = "") -> dict[str, str]:
    """The form fields of a slash command, as Mattermost posts them."""
    return {
        "channel_id": channel_id,
        "channel_name": channel_name or channel_id,
        "command": command,
        "response_url": f"http://127.0.0.1:8065/hooks/commands/{secrets.token_hex(13)}",
        "team_domain": team_domain,
        "team_id": team_id,
        "text": text,
        "token": token,
        "trigger_id": secrets.token_urlsafe(48),
        "user_id": user_id,
        "user_name": user_name,
    }


def _command_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}", "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json", "User-Agent": "mattermost-bench"}


def slash_command(url: str, token: str, *, command: str, text: str, user_id: str, user_name: str,
                  channel_id: str, team_id: str, team_domain: str = TEAM_NAME, channel_name: str = "",
                  session: requests.Session | None = None, timeout: float = 30) -> requests.Response:
    """POST a slash command to ``<url>/mattermost/command`` exactly as Mattermost does.

    ``url`` is the service's base URL (a ``Service``'s ``.url``) or the full endpoint.
    The reply is JSON: ``response.json()["text"]``.
    """
    endpoint = url if url.rstrip("/").endswith("/mattermost/command") else url.rstrip("/") + "/mattermost/command"
    form = command_form(token, command=command, text=text, user_id=user_id, user_name=user_name,
                        channel_id=channel_id, team_id=team_id, team_domain=team_domain, channel_name=channel_name)
    return (session or requests).post(endpoint, data=urlencode(form), headers=_command_headers(token),
                                      timeout=timeout)


@dataclass(frozen=True)
class RequestSpec:
    """One HTTP request (or a rotation of bodies) for the load generator; wrk can replay it."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    bodies: tuple[str, ...] = ()  # sent in turn, one per request; empty: no body

    def against(self, service: Service | str, path: str | None = None) -> "RequestSpec":
        """The same request sent to another server (e.g. the baseline), same path by default."""
        from urllib.parse import urlsplit

        base = service.url if isinstance(service, Service) else service.rstrip("/")
        return replace(self, url=base + (path if path is not None else urlsplit(self.url).path or "/"))


def command_spec(service: Service, seeded: Seeded | None = None, *, command: str, text: str,
                 consortia: Iterable[SeededConsortium] | None = None,
                 senders: Iterable[tuple[SeededConsortium, SeededMember]] | None = None) -> RequestSpec:
    """A slash command sent in turn by each member of each consortium, in that consortium's channel.

    By default every member of every consortium in ``seeded.consortia`` takes a turn.
    """
    if senders is None:
        chosen = list(consortia if consortia is not None else (seeded.consortia if seeded else ()))
        senders = [(c, m) for c in chosen for m in c.members]
    senders = list(senders)
    if not senders:
        raise ValueError("no sender: seed consortiums first")
    team_id = seeded.team_id if seeded else fake_id("benchteam", 1)
    team_domain = seeded.team_domain if seeded else TEAM_NAME
    token = service.command_token or ""
    bodies = tuple(urlencode(command_form(token, command=command, text=text, user_id=m.user_id,
                                          user_name=m.username, channel_id=c.channel_id, team_id=team_id,
                                          team_domain=team_domain, channel_name=c.channel_name))
                   for c, m in senders)
    return RequestSpec(service.url + "/mattermost/command", "POST", _command_headers(token), bodies)
