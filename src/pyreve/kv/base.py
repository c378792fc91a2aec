from __future__ import annotations

from abc import ABC, abstractmethod


class KVStore(ABC):
    """String values with an optional time to live in seconds."""

    @abstractmethod
    async def get(self, key: str) -> str | None: ...

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def pop(self, key: str) -> str | None:
        """Get and delete atomically: of two concurrent callers at most one sees the value."""

    @abstractmethod
    async def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter; the window (ttl) starts with the first increment."""

    async def close(self) -> None:
        return None
