"""Fixed-window attempt limits kept in the KV store (shared by every worker)."""

from __future__ import annotations

from pyreve.errors import TooManyAttempts
from pyreve.services.context import Runtime


def _limit(rt: Runtime, name: str, default: tuple[int, int]) -> tuple[int, int]:
    """Setting ``<name>`` as ``"<attempts>/<seconds>"``; ``0`` attempts disables the limit."""
    text = rt.settings.str(name)
    try:
        attempts, seconds = (int(part) for part in text.split("/", 1))
        return attempts, seconds
    except ValueError:
        return default


async def check(rt: Runtime, name: str, key: str, default: tuple[int, int]) -> None:
    attempts, window = _limit(rt, name, default)
    if attempts <= 0:
        return
    count = await rt.kv.incr(f"rate_{name}_{key}", window)
    if count > attempts:
        raise TooManyAttempts(window)
