"""Signed, expiring values: button contexts, dialog states, magic links.

Mattermost hands an action's ``context`` and a dialog's ``state`` back exactly as we
wrote them, so whatever we put there is signed (and, where it matters, single-use).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import UsedNonce, utcnow


class InvalidSignature(Exception):
    """Forged, tampered, signed with another key, for another purpose, or expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "forged" | "expired" | "replayed"


class _Serializer(URLSafeTimedSerializer):
    """Signs without trying zlib first: contexts are a few hundred bytes, where compressing saves little
    and costs a call per button. Compressed values signed before still load."""

    def dump_payload(self, obj) -> bytes:
        return base64_encode(self.serializer.dumps(obj, **self.serializer_kwargs).encode("utf-8"))


class Signer:
    def __init__(self, secret_key: str):
        self._secret = secret_key
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        # One per purpose, made once: a list of 27 buttons signs 27 contexts.
        serializer = self._serializers.get(purpose)
        if serializer is None:
            serializer = self._serializers[purpose] = _Serializer(self._secret, salt=f"consortia:{purpose}")
        return serializer

    def sign(self, purpose: str, data: dict, *, single_use: bool = False) -> str:
        payload = dict(data)
        if single_use:
            payload["_n"] = secrets.token_urlsafe(16)
        return self._serializer(purpose).dumps(payload)

    def load(self, purpose: str, token: str | None, *, max_age: timedelta) -> dict:
        if not token or not isinstance(token, str) or len(token) > 8192:
            raise InvalidSignature("forged")
        try:
            data = self._serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise InvalidSignature("expired") from None
        except BadSignature:
            raise InvalidSignature("forged") from None
        if not isinstance(data, dict):
            raise InvalidSignature("forged")
        return data

    def consume(self, session: Session, purpose: str, token: str | None, *, max_age: timedelta) -> dict:
        """Load a single-use value and burn its nonce in the caller's transaction."""
        data = self.load(purpose, token, max_age=max_age)
        nonce = data.get("_n")
        if not nonce:
            raise InvalidSignature("forged")
        try:
            with session.begin_nested():
                session.add(UsedNonce(nonce=nonce, expires_at=utcnow() + max_age))
        except IntegrityError:
            raise InvalidSignature("replayed") from None
        return data

