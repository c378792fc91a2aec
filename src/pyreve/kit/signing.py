"""Signed URLs: ``sign=<base64url(HMAC-SHA256(key, path + ":" + expires))>:<expires>``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from pyreve.errors import AppError, Code


def sign_path(key: bytes, path: str, expires: int) -> str:
    digest = hmac.new(key, f"{path}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode() + f":{expires}"


def verify_path(key: bytes, path: str, sign: str | None) -> None:
    """Raise 403 when missing, 40005 when expired, 40071 when it does not match."""
    if not sign:
        raise AppError(Code.NO_PERMISSION, "Sign required")
    digest, _, expires_text = sign.rpartition(":")
    try:
        expires = int(expires_text)
    except ValueError:
        raise AppError(Code.INVALID_SIGN, "Invalid sign") from None
    if expires and expires < time.time():
        raise AppError(Code.SIGN_EXPIRED, "Sign expired")
    if not hmac.compare_digest(sign_path(key, path, expires), f"{digest}:{expires}"):
        raise AppError(Code.INVALID_SIGN, "Invalid sign")
