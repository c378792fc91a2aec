"""Database engines for the three supported backends."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pyreve.config import Config


def database_url(config: Config) -> str:
    db = config.database
    if db.type == "sqlite":
        return f"sqlite+aiosqlite:///{config.sqlite_path}"
    auth = quote(db.user, safe="")
    if db.password:
        auth += ":" + quote(db.password, safe="")
    host = db.host or "127.0.0.1"
    if db.type == "postgres":
        return f"postgresql+asyncpg://{auth}@{host}:{db.port or 5432}/{db.name}"
    return f"mysql+aiomysql://{auth}@{host}:{db.port or 3306}/{db.name}?charset={db.charset or 'utf8mb4'}"


def create_engine(config: Config, **kwargs: Any) -> AsyncEngine:
    url = database_url(config)
    if config.database.type == "sqlite":
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine)
    else:
        if config.database.type == "mysql":
            # PostgreSQL's default isolation: no gap locks, so locking reads of missing rows do not
            # deadlock concurrent inserts, and each statement sees what others committed before it.
            kwargs.setdefault("isolation_level", "READ COMMITTED")
        engine = create_async_engine(url, pool_pre_ping=True, pool_recycle=1800, **kwargs)
    _refuse_writes_when_reading(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @sa.event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")  # first, so the pragmas below wait for locks too
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
        # one failing with "database is locked" when it upgrades a read lock. Readers (see
        # read_only) take no lock at all: WAL lets them run beside the writer.
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "pyreve_read_only"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteWhileReading(RuntimeError):
    """A write statement on a connection opened to read: it would take SQLite's write lock late."""


def _refuse_writes_when_reading(engine: AsyncEngine) -> None:
    @sa.event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _check(conn: sa.Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.get_execution_options().get(_READ_ONLY) and statement.lstrip()[:7].upper().startswith(_WRITES):
            raise WriteWhileReading(statement[:60])


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for connections that only read."""
    return engine.execution_options(**{_READ_ONLY: True})
