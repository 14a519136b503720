"""Verification of requests that Mattermost sends to the integration.

Mattermost signs nothing: for slash commands the command token is the only proof.
It arrives as ``Authorization: Token <token>`` and again as the form field ``token``.
"""

from __future__ import annotations

import hmac
from typing import Any, Iterable, Mapping

__all__ = ["verify_command_token", "extract_command_token"]


def verify_command_token(presented: str | None, accepted: Iterable[str]) -> bool:
    """True when ``presented`` equals one of the ``accepted`` tokens.

    Compared in constant time with :func:`hmac.compare_digest` against *every*
    accepted token (no early exit, so the timing does not tell which or how many
    tokens matched). Empty or missing tokens never match; empty accepted tokens are
    ignored.
    """
    if not presented or not isinstance(presented, str):
        return False
    candidate = presented.encode("utf-8")
    matched = False
    for token in accepted:
        if not token:
            continue
        matched |= hmac.compare_digest(candidate, str(token).encode("utf-8"))
    return matched


def _get(mapping: Any, key: str) -> Any:
    if mapping is None:
        return None
    getter = getattr(mapping, "get", None)
    if getter is None:
        return None
    value = getter(key)
    if value is None and isinstance(mapping, Mapping):
        # plain dicts are case-sensitive: look for the header in any case
        lowered = key.lower()
        for k, v in mapping.items():
            if isinstance(k, str) and k.lower() == lowered:
                return v
    return value


def extract_command_token(headers: Any, form: Any) -> str | None:
    """The command token: ``Authorization: Token <t>`` first, else the form field ``token``.

    ``headers`` may be werkzeug ``Headers`` or a plain dict (case-insensitive lookup);
    ``form`` a ``MultiDict`` or a dict. Returns None when neither carries a token.
    """
    auth = _get(headers, "Authorization")
    if isinstance(auth, str):
        scheme, _, value = auth.strip().partition(" ")
        if scheme.lower() == "token" and value.strip():
            return value.strip()
    token = _get(form, "token")
    if isinstance(token, (list, tuple)):
        token = token[0] if token else None
    if isinstance(token, str) and token.strip():
        return token.strip()
    return None
