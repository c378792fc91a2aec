"""JWT access/refresh token pairs with Cloudreve's claims (conventions §5.2)."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from pyreve.errors import AppError, Code
from pyreve.kit.clock import rfc3339

ACCESS, REFRESH = "access", "refresh"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires: float
    refresh_expires: float

    def wire(self) -> dict[str, str]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "access_expires": rfc3339(datetime.fromtimestamp(self.access_expires, UTC)),
            "refresh_expires": rfc3339(datetime.fromtimestamp(self.refresh_expires, UTC)),
        }


def state_hash(email: str, password_digest: str | None, site_id: str) -> str:
    raw = f"{email}/{password_digest or ''}/{site_id}".encode()
    return base64.b64encode(hashlib.sha256(raw).digest()).decode()


class TokenSigner:
    def __init__(self, secret: str, cache_size: int = 10_000):
        self._key = secret.encode()
        # Verified access tokens → (subject, exp): a token is immutable, so checking its
        # signature once per worker is enough; expiry is still checked on every use.
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, subject: str, user_state: str, access_ttl: int, refresh_ttl: int,
              root_token_id: str | None = None) -> TokenPair:
        now = int(time.time())
        # Sub-second precision for the wire expiry, whole seconds in the claims (as JWT wants).
        precise = time.time()
        access = {"token_type": ACCESS, "sub": subject, "nbf": now, "exp": now + access_ttl}
        refresh = {"token_type": REFRESH, "sub": subject, "nbf": now, "exp": now + refresh_ttl,
                   "state_hash": user_state, "root_token_id": root_token_id or str(uuid.uuid4())}
        try:
            return TokenPair(
                access_token=jwt.encode(access, self._key, algorithm="HS256"),
                refresh_token=jwt.encode(refresh, self._key, algorithm="HS256"),
                access_expires=precise + access_ttl,
                refresh_expires=precise + refresh_ttl,
            )
        except Exception as exc:  # pragma: no cover - pyjwt only fails on a broken key
            raise AppError(Code.ENCRYPT_ERROR, "Failed to issue token pair", cause=exc) from exc

    def decode(self, token: str) -> dict[str, Any] | None:
        """Claims of a validly signed, unexpired token, or None."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"require": ["exp"]}, leeway=0
            )
        except jwt.PyJWTError:
            return None
        return claims

    def access_subject(self, token: str) -> str | None:
        """The ``sub`` of a valid access token. Raises 40020 for a valid token of another type."""
        hit = self._verified.get(token)
        if hit is not None:
            if hit[1] > time.time():
                return hit[0]
            del self._verified[token]
            return None
        claims = self.decode(token)
        if claims is None:
            return None
        if claims.get("token_type") != ACCESS:
            raise AppError(Code.CREDENTIAL_INVALID, "Invalid token type")
        subject = str(claims.get("sub", ""))
        self._verified[token] = (subject, float(claims["exp"]))
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return subject
