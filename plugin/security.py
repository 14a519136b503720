"""Signed, expiring values: button contexts, dialog states, magic links.

Mattermost hands an action's ``context`` and a dialog's ``state`` back exactly as we
wrote them, so whatever we put there is signed (and, where it matters, single-use).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.signer import HMACAlgorithm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import UsedNonce, utcnow


class InvalidSignature(Exception):
    """Forged, tampered, signed with another key, for another purpose, or expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "forged" | "expired" | "replayed"


# itsdangerous's compact JSON (``_CompactJSON``), its encoder made once
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class _KeyedHMAC(HMACAlgorithm):
    """itsdangerous's HMAC-SHA1 (the same signatures), with OpenSSL's HMAC keyed once per key: each value
    is signed on a copy of the keyed state (itsdangerous's default SHA-1 is a Python wrapper, which sends
    ``hmac`` down its pure-Python path and re-keys it for every signature)."""

    def __init__(self) -> None:
        super().__init__(hashlib.sha1)
        self._keyed: dict[bytes, hmac.HMAC] = {}

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        keyed = self._keyed.get(key)
        if keyed is None:
            keyed = self._keyed[key] = hmac.new(key, digestmod=hashlib.sha1)
        mac = keyed.copy()
        mac.update(value)
        return mac.digest()


class _TimestampSigner(TimestampSigner):
    """Derives its key from the secret and the salt once, not for every signature."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self._derived.get(secret_key)   # type: ignore[arg-type]
        if key is None:
            key = self._derived[secret_key] = super().derive_key(secret_key)   # type: ignore[index]
        return key


class _Serializer(URLSafeTimedSerializer):
    """One per purpose (its salt), with one signer made once: a list of 27 buttons signs 27 contexts.
    Signs without trying zlib first: contexts are a few hundred bytes, where compressing saves little
    and costs a call per button. Compressed values signed before still load."""

    default_signer = _TimestampSigner

    def __init__(self, secret_key: str, salt: str) -> None:
        super().__init__(secret_key, salt=salt, signer_kwargs={"algorithm": _KeyedHMAC()})
        self._signers: dict = {}

    def make_signer(self, salt=None):
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer

    def dump_payload(self, obj) -> bytes:
        return base64_encode(_COMPACT.encode(obj).encode("utf-8"))


class Signer:
    def __init__(self, secret_key: str):
        self._secret = secret_key
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
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

