from __future__ import annotations

import time

from pyreve.kv.base import KVStore


class MemoryKV(KVStore):
    """For a single worker process only: state here is invisible to other processes."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._writes = 0

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    def _sweep(self) -> None:
        self._writes += 1
        if self._writes % 1024 == 0:
            now = time.monotonic()
            for key in [k for k, (_, e) in self._data.items() if e is not None and e <= now]:
                del self._data[key]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._sweep()
        self._data[key] = (value, time.monotonic() + ttl if ttl else None)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def pop(self, key: str) -> str | None:
        value = self._live(key)
        self._data.pop(key, None)
        return value

    async def incr(self, key: str, ttl: float) -> int:
        current = self._live(key)
        if current is None:
            await self.set(key, "1", ttl)
            return 1
        value, expires = self._data[key]
        count = int(value) + 1
        self._data[key] = (str(count), expires)
        return count
