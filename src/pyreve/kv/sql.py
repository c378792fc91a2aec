from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pyreve.db.engine import read_only
from pyreve.db.models import KVEntry
from pyreve.db.uow import refuse_nested_write
from pyreve.kv.base import KVStore

log = logging.getLogger(__name__)

_T = cast(sa.Table, KVEntry.__table__)
_R = TypeVar("_R")
_ATTEMPTS = 6
_SWEEP_EVERY = 256

# Errors after which the whole transaction can simply run again.
_PG_TRANSIENT = {"40001", "40P01"}  # serialization failure, deadlock detected
_MYSQL_TRANSIENT = {1205, 1213}  # lock wait timeout, deadlock


def _transient(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _PG_TRANSIENT:
        return True
    args: tuple[Any, ...] = getattr(orig, "args", ())
    return bool(args) and args[0] in _MYSQL_TRANSIENT


class SqlKV(KVStore):
    """Shared by every worker through the database; expired rows are ignored and swept lazily.

    Writes are single upserts (``ON CONFLICT`` / ``ON DUPLICATE KEY``), so concurrent writers of a key
    that does not exist yet never race to insert it.
    """

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._reader = read_only(engine)
        self._dialect = engine.dialect.name
        self._writes = 0

    @staticmethod
    def _live(now: float) -> sa.ColumnElement[bool]:
        return sa.or_(_T.c.expires_at.is_(None), _T.c.expires_at > now)

    @staticmethod
    def _expired(now: float) -> sa.ColumnElement[bool]:
        return sa.and_(_T.c.expires_at.is_not(None), _T.c.expires_at <= now)

    async def _write(self, work: Callable[[AsyncConnection], Awaitable[_R]]) -> _R:
        """Run ``work`` in a transaction, again after a deadlock or serialization failure."""
        refuse_nested_write("a KV write to the database")
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._engine.begin() as conn:
                    result = await work(conn)
                break
            except sa.exc.DBAPIError as exc:
                if attempt == _ATTEMPTS or not _transient(exc):
                    raise
                await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            await self._sweep()
        return result

    async def _sweep(self) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(sa.delete(_T).where(self._expired(time.time())))
        except sa.exc.DBAPIError as exc:  # best effort: expired rows are invisible anyway
            log.warning("sweeping expired KV entries failed: %s", exc)

    def _returning(self, conn: AsyncConnection, feature: str) -> bool:
        """Whether RETURNING can be used: PostgreSQL and SQLite 3.35+ (MySQL lacks it; MariaDB varies)."""
        return self._dialect != "mysql" and bool(getattr(conn.dialect, feature, False))

    def _insert(self) -> Any:
        if self._dialect == "postgresql":
            return postgresql.insert(_T)
        if self._dialect == "sqlite":
            return sqlite.insert(_T)
        return mysql.insert(_T)

    def _upsert(self, values: dict[str, Any], updates: list[tuple[str, Any]]) -> Any:
        """INSERT ``values``; if the key exists, apply ``updates`` (in order) to the existing row."""
        stmt = self._insert().values(**values)
        if self._dialect == "mysql":
            return stmt.on_duplicate_key_update(updates)
        return stmt.on_conflict_do_update(index_elements=[_T.c.key], set_=dict(updates))

    async def get(self, key: str) -> str | None:
        async with self._reader.connect() as conn:
            return await conn.scalar(sa.select(_T.c.value).where(_T.c.key == key, self._live(time.time())))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        expires = time.time() + ttl if ttl else None
        stmt = self._upsert({"key": key, "value": value, "expires_at": expires},
                            [("value", value), ("expires_at", expires)])

        async def work(conn: AsyncConnection) -> None:
            await conn.execute(stmt)

        await self._write(work)

    async def delete(self, key: str) -> None:
        async def work(conn: AsyncConnection) -> None:
            await conn.execute(sa.delete(_T).where(_T.c.key == key))

        await self._write(work)

    async def pop(self, key: str) -> str | None:
        async def work(conn: AsyncConnection) -> str | None:
            now = time.time()
            if not self._returning(conn, "delete_returning"):  # lock the row, then delete it
                row = (await conn.execute(
                    sa.select(_T.c.value, _T.c.expires_at).where(_T.c.key == key).with_for_update()
                )).first()
                if row is None:
                    return None
                deleted = await conn.execute(sa.delete(_T).where(_T.c.key == key))
                if deleted.rowcount != 1:
                    return None
            else:
                row = (await conn.execute(
                    sa.delete(_T).where(_T.c.key == key).returning(_T.c.value, _T.c.expires_at)
                )).first()
                if row is None:
                    return None
            if row.expires_at is not None and row.expires_at <= now:
                return None
            return str(row.value)

        return await self._write(work)

    async def incr(self, key: str, ttl: float) -> int:
        async def work(conn: AsyncConnection) -> int:
            now = time.time()
            expired = self._expired(now)
            # Order matters on MySQL, which applies assignments left to right: ``value`` must see the
            # old ``expires_at``.
            stmt = self._upsert(
                {"key": key, "value": "1", "expires_at": now + ttl},
                [("value", sa.case((expired, "1"),
                                   else_=sa.cast(sa.cast(_T.c.value, sa.BigInteger) + 1, sa.String))),
                 ("expires_at", sa.case((expired, now + ttl), else_=_T.c.expires_at))],
            )
            if not self._returning(conn, "insert_returning"):
                await conn.execute(stmt)
                # The row stays locked (or, on SQLite, the database) by this transaction until it
                # ends, so this reads what the upsert wrote.
                value = await conn.scalar(sa.select(_T.c.value).where(_T.c.key == key))
            else:
                value = await conn.scalar(stmt.returning(_T.c.value))
            if value is None:  # cannot happen: the upsert wrote the row in this transaction
                raise RuntimeError(f"counter {key!r} vanished")
            return int(value)

        return await self._write(work)
