"""Cloudreve boolsets: little-endian bit arrays serialised as standard base64."""

from __future__ import annotations

import base64
from collections.abc import Iterable


def from_flags(flags: Iterable[int]) -> bytes:
    out = bytearray()
    for n in flags:
        if len(out) < n // 8 + 1:
            out.extend(b"\0" * (n // 8 + 1 - len(out)))
        out[n // 8] |= 1 << (n % 8)
    return bytes(out)


def enabled(raw: bytes | None, n: int) -> bool:
    return bool(raw) and n // 8 < len(raw) and bool(raw[n // 8] & (1 << (n % 8)))  # type: ignore[arg-type]


def encode(raw: bytes | None) -> str:
    return base64.b64encode(raw or b"").decode()


def decode(text: str | None) -> bytes:
    return base64.b64decode(text or "")
