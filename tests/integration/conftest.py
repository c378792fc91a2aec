"""Real databases for the integration tests: SQLite always; PostgreSQL, MariaDB and Redis on loopback.

PostgreSQL, MariaDB and Redis tests run when their server answers and skip when it does not, except
with ``CI=true``: then an unreachable server fails the test. On PostgreSQL and MariaDB every test gets
a database of its own, created with a unique name and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from pyreve.config import Config, load
from pyreve.db.engine import create_engine
from tests.conftest import EXTERNAL, MYSQL_URL_ENV, PG_URL_ENV

HOST = "127.0.0.1"
PORTS = {"postgres": 5432, "mysql": 3306, "redis": 6379}
NAMES = {"postgres": "PostgreSQL", "mysql": "MariaDB", "redis": "Redis"}
REDIS_SERVER = f"{HOST}:{PORTS['redis']}"
DB_KINDS = ("sqlite", "postgres", "mysql")
IDS = {"sqlite": "sqlite", "postgres": "postgres", "mysql": "mariadb"}

_reachable: dict[str, bool] = {}


def require(kind: str) -> None:
    """Skip (or, with CI=true, fail) unless the server for ``kind`` accepts connections."""
    if kind not in _reachable:
        try:
            with socket.create_connection((HOST, PORTS[kind]), timeout=1):
                _reachable[kind] = True
        except OSError:
            _reachable[kind] = False
    if not _reachable[kind]:
        message = f"{NAMES[kind]} is not reachable on {HOST}:{PORTS[kind]}"
        if EXTERNAL:
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)


def run_async(coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion from synchronous code, whether or not a loop is running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


# --- creating and dropping databases ----------------------------------------------------------------

async def _admin_pg(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=HOST, port=PORTS["postgres"], user="postgres", database="postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _admin_mysql(sql: str) -> None:
    import aiomysql

    conn = await aiomysql.connect(host=HOST, port=PORTS["mysql"], user="root", password="")
    try:
        async with conn.cursor() as cursor:
            await cursor.execute(sql)
    finally:
        conn.close()


def create_database(kind: str, name: str) -> None:
    if kind == "postgres":
        run_async(lambda: _admin_pg(f'CREATE DATABASE "{name}"'))
    else:
        run_async(lambda: _admin_mysql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))


def drop_database(kind: str, name: str) -> None:
    if kind == "postgres":
        run_async(lambda: _admin_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        run_async(lambda: _admin_mysql(f"DROP DATABASE IF EXISTS `{name}`"))


@dataclass
class Database:
    """One empty database and the ``CR_CONF_`` settings that point pyreve at it."""

    kind: str
    env: dict[str, str]
    data_dir: Path

    @property
    def name(self) -> str:
        return self.env.get("CR_CONF_Database.Name", "")

    def config(self) -> Config:
        return load(self.data_dir, environ=self.env)

    def engine(self, **kwargs: Any) -> AsyncEngine:
        return create_engine(self.config(), **kwargs)


def unique_name() -> str:
    return f"pyreve_t_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """A factory: ``fresh_database(kind)`` is an empty database of that kind, dropped at teardown."""
    created: list[tuple[str, str]] = []

    def make(kind: str) -> Database:
        data_dir = tmp_path / f"{kind}-{len(created)}"
        data_dir.mkdir()
        if kind == "sqlite":
            env = {"CR_CONF_Database.Type": "sqlite", "CR_CONF_Database.DBFile": str(data_dir / "pyreve.db")}
            return Database(kind, env, data_dir)
        require(kind)
        name = unique_name()
        create_database(kind, name)
        created.append((kind, name))
        base = PG_URL_ENV if kind == "postgres" else MYSQL_URL_ENV
        return Database(kind, {**base, "CR_CONF_Database.Name": name}, data_dir)

    yield make
    for kind, name in created:
        drop_database(kind, name)


@pytest.fixture(params=[pytest.param(kind, id=IDS[kind], marks=[] if kind == "sqlite" else [pytest.mark.external])
                        for kind in DB_KINDS])
def database(request: pytest.FixtureRequest, fresh_database: Callable[[str], Database]) -> Database:
    """An empty database, once per kind: SQLite, PostgreSQL, MariaDB."""
    return fresh_database(request.param)


# --- Redis -----------------------------------------------------------------------------------------------

@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the Redis server; its keys are deleted afterwards."""
    require("redis")
    prefix = f"pyreve-test:{uuid.uuid4().hex}:"
    yield prefix

    async def clean() -> None:
        client = Redis.from_url(f"redis://{REDIS_SERVER}/0")
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    run_async(clean)
