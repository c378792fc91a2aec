"""Change versions: tell a worker whether the user row it cached is still the current one.

A worker caches a user's row together with the version it read *before* loading the row; a write
moves the version *after* it commits; a cached row whose version moved is loaded again. So a client
sees its own write on its next request, whichever worker or instance answers it (decision 0005).

Two boards: shared memory (a small file every worker of this machine maps; reading a version costs a
fraction of a microsecond) and Redis (every instance; one round trip, paid only when Redis is
configured, which is what running several instances requires).
"""

from __future__ import annotations

import mmap
import os
import random
import struct
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path

Version = tuple[int, int]  # (the user's own version, the version of changes that concern everyone)


class Versions(ABC):
    @abstractmethod
    async def read(self, user_id: int) -> Version: ...

    @abstractmethod
    async def bump_users(self, user_ids: Iterable[int]) -> None: ...

    @abstractmethod
    async def bump_all(self) -> None:
        """Everyone's cached rows are stale (a group or a shared setting changed)."""

    async def close(self) -> None:
        return None


_SLOTS = 1 << 16
_SLOT = struct.Struct("<Q")


class SharedMemoryVersions(Versions):
    """Versions in a file of ``_SLOTS`` 8-byte slots mapped by every worker: slot 0 for changes that
    concern everyone, slot ``1 + id % (_SLOTS - 1)`` for a user (users sharing a slot only cost each
    other a reload). A bump writes a fresh random value rather than adding one: no read-modify-write
    that two processes could interleave, and a value never comes back, so a cached version equals
    the slot only if nothing was written since it was read. A torn read can only cause a reload."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _SLOTS * _SLOT.size:
                os.ftruncate(fd, _SLOTS * _SLOT.size)  # zero-fills; harmless if another worker did it
            self._map = mmap.mmap(fd, _SLOTS * _SLOT.size)
        finally:
            os.close(fd)

    @staticmethod
    def _offset(user_id: int) -> int:
        return (1 + user_id % (_SLOTS - 1)) * _SLOT.size

    async def read(self, user_id: int) -> Version:
        return _SLOT.unpack_from(self._map, self._offset(user_id))[0], _SLOT.unpack_from(self._map, 0)[0]

    def _bump(self, offset: int) -> None:
        _SLOT.pack_into(self._map, offset, random.getrandbits(64))

    async def bump_users(self, user_ids: Iterable[int]) -> None:
        for user_id in user_ids:
            self._bump(self._offset(user_id))

    async def bump_all(self) -> None:
        self._bump(0)

    async def close(self) -> None:
        self._map.close()


class RedisVersions(Versions):
    """Versions as Redis counters, shared by every instance that uses the same Redis database."""

    def __init__(self, redis: object, prefix: str):
        from redis.asyncio import Redis  # loaded only when Redis is configured

        assert isinstance(redis, Redis)
        self._redis = redis
        self._all = prefix + "version:all"
        self._user = prefix + "version:user:"

    async def read(self, user_id: int) -> Version:
        mine, everyone = await self._redis.mget(self._user + str(user_id), self._all)
        return int(mine or 0), int(everyone or 0)

    async def bump_users(self, user_ids: Iterable[int]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.incr(self._user + str(user_id))
            await pipe.execute()

    async def bump_all(self) -> None:
        await self._redis.incr(self._all)
