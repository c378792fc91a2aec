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


async def refuse_if_exceeded(rt: Runtime, name: str, key: str, default: tuple[int, int]) -> None:
    """Refuse while the failures counted by :func:`count_failure` exceed the limit (counts nothing)."""
    attempts, window = _limit(rt, name, default)
    if attempts <= 0:
        return
    raw = await rt.kv.get(f"rate_{name}_{key}")
    if raw is not None and raw.isdigit() and int(raw) >= attempts:
        raise TooManyAttempts(window)


async def count_failure(rt: Runtime, name: str, key: str, default: tuple[int, int]) -> None:
    attempts, window = _limit(rt, name, default)
    if attempts > 0:
        await rt.kv.incr(f"rate_{name}_{key}", window)
