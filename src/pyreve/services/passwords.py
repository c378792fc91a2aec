"""Password digests: argon2id for everything new; Cloudreve's stored formats verify and get re-hashed."""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_argon2 = PasswordHasher()


def hash_password(password: str) -> str:
    return _argon2.hash(password)


def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """Return (matches, needs_rehash). An empty digest (passwordless account) never matches."""
    if not stored:
        return False, False
    if stored.startswith("$argon2"):
        try:
            _argon2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, _argon2.check_needs_rehash(stored)
    return _verify_legacy(stored, password), True


def _verify_legacy(stored: str, password: str) -> bool:
    if stored.startswith("md5:"):
        # Cloudreve v2: md5:<hash>:<salt>, digest of salt + password.
        parts = stored.split(":")
        if len(parts) != 3:
            return False
        digest = hashlib.md5((parts[2] + password).encode()).hexdigest()
        return hmac.compare_digest(digest, parts[1].lower())
    salt, sep, digest = stored.partition(":")
    if not sep:
        return False
    if len(digest) == 64:
        expected = hashlib.sha256((password + salt).encode()).hexdigest()
    elif len(digest) == 40:
        expected = hashlib.sha1((password + salt).encode()).hexdigest()
    else:
        return False
    return hmac.compare_digest(expected, digest.lower())
