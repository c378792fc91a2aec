from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from pyreve.config import RedisConfig
from pyreve.kv.base import KVStore

_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisKV(KVStore):
    def __init__(self, config: RedisConfig, prefix: str = "pyreve:"):
        self._redis = Redis.from_url(
            _url(config), username=config.user or None, password=config.password or None,
            decode_responses=True,
        )
        self._prefix = prefix
        self._incr = self._redis.register_script(_INCR)

    @property
    def client(self) -> Redis:
        return self._redis

    @property
    def prefix(self) -> str:
        return self._prefix

    async def get(self, key: str) -> str | None:
        return cast(str | None, await self._redis.get(self._prefix + key))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self._redis.set(self._prefix + key, value, px=int(ttl * 1000) if ttl else None)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def pop(self, key: str) -> str | None:
        return cast(str | None, await self._redis.getdel(self._prefix + key))

    async def incr(self, key: str, ttl: float) -> int:
        return int(await self._incr(keys=[self._prefix + key], args=[int(ttl * 1000)]))

    async def close(self) -> None:
        await self._redis.aclose()


def _url(config: RedisConfig) -> str:
    server = config.server
    if config.network == "unix":
        return f"unix://{server}?db={config.db}"
    if "://" in server:
        return server
    return f"redis://{server}/{config.db}"
