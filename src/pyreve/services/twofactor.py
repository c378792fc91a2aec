"""TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with replay protection."""

from __future__ import annotations

import time

import pyotp

from pyreve.errors import AppError, Code
from pyreve.services.context import Runtime

STEP = 30


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, base32 without padding


async def check(rt: Runtime, user_id: int, secret: str, code: str) -> None:
    """40022 unless ``code`` is valid now and was not used before by this user."""
    totp = pyotp.TOTP(secret)
    code = (code or "").strip()
    now = time.time()
    matched = next((step for step in (-1, 0, 1) if code and totp.verify(code, for_time=now + step * STEP)), None)
    if matched is None:
        raise AppError(Code.TWO_FA_CODE_ERR, "Incorrect 2FA code")
    window = int((now + matched * STEP) // STEP)
    # A code accepted once cannot be replayed within its validity window (3 steps).
    if await rt.kv.incr(f"totp_used_{user_id}_{window}", STEP * 4) > 1:
        raise AppError(Code.TWO_FA_CODE_ERR, "Incorrect 2FA code")
