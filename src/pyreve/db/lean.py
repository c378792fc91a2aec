"""Lean reads for hot request paths: plain statements on one long-lived stdlib ``sqlite3`` connection
per worker process, run inline (tens of microseconds, against about a millisecond through the async
ORM). SQLite only; other databases return None from :func:`open_lean` and callers take the ORM path.

WAL mode lets these reads run beside the writer; each call is its own short read transaction, so a
read sees what was committed before it started, like any other connection.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from pyreve.config import Config


class LeanReader:
    def __init__(self, path: Path):
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False,
                                   isolation_level=None, cached_statements=256)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA query_only=1")
            self._conn = conn
        return self._conn

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        return self._connection().execute(sql, params).fetchall()

    def row(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> tuple[Any, ...] | None:
        result: tuple[Any, ...] | None = self._connection().execute(sql, params).fetchone()
        return result

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class LeanWriter:
    """One read-write stdlib connection per worker for short, hot write transactions, used from one
    thread at a time (the caller serialises, and runs each transaction in a worker thread)."""

    def __init__(self, path: Path):
        self._path = path
        self._conn: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None, cached_statements=256)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def open_writer(config: Config) -> LeanWriter | None:
    if config.database.type != "sqlite":
        return None
    return LeanWriter(config.sqlite_path)


def open_lean(config: Config) -> LeanReader | None:
    if config.database.type != "sqlite":
        return None
    return LeanReader(config.sqlite_path)


def timestamp(value: Any) -> datetime:
    """A timestamp column as stored by SQLAlchemy on SQLite (text), as a naive UTC datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
