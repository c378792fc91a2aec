from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from pyreve.db.models import KVEntry
from pyreve.kv.base import KVStore

_T = KVEntry.__table__


class SqlKV(KVStore):
    """Shared by every worker through the database; expired rows are ignored and swept lazily."""

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._writes = 0

    @staticmethod
    def _live(now: float) -> sa.ColumnElement[bool]:
        return sa.or_(_T.c.expires_at.is_(None), _T.c.expires_at > now)

    async def get(self, key: str) -> str | None:
        async with self._engine.connect() as conn:
            return await conn.scalar(sa.select(_T.c.value).where(_T.c.key == key, self._live(time.time())))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        expires = time.time() + ttl if ttl else None
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(_T).where(_T.c.key == key))
            await conn.execute(sa.insert(_T).values(key=key, value=value, expires_at=expires))
            self._writes += 1
            if self._writes % 256 == 0:
                await conn.execute(sa.delete(_T).where(_T.c.expires_at <= time.time()))

    async def delete(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(_T).where(_T.c.key == key))

    async def pop(self, key: str) -> str | None:
        async with self._engine.begin() as conn:
            row = (await conn.execute(
                sa.select(_T.c.value, _T.c.expires_at).where(_T.c.key == key).with_for_update()
            )).first()
            if row is None:
                return None
            deleted = await conn.execute(sa.delete(_T).where(_T.c.key == key, _T.c.value == row.value))
            if deleted.rowcount != 1 or (row.expires_at is not None and row.expires_at <= time.time()):
                return None
            return str(row.value)

    async def incr(self, key: str, ttl: float) -> int:
        now = time.time()
        async with self._engine.begin() as conn:
            row = (await conn.execute(
                sa.select(_T.c.value, _T.c.expires_at).where(_T.c.key == key).with_for_update()
            )).first()
            if row is None or (row.expires_at is not None and row.expires_at <= now):
                await conn.execute(sa.delete(_T).where(_T.c.key == key))
                await conn.execute(sa.insert(_T).values(key=key, value="1", expires_at=now + ttl))
                return 1
            count = int(row.value) + 1
            await conn.execute(sa.update(_T).where(_T.c.key == key).values(value=str(count)))
            return count
