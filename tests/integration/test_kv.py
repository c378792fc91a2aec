"""One behaviour for every KV store: memory, the database (SQLite, PostgreSQL, MariaDB) and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pyreve.config import RedisConfig
from pyreve.db import migrate
from pyreve.kv import KVStore
from pyreve.kv.memory import MemoryKV
from pyreve.kv.redis import RedisKV
from pyreve.kv.sql import SqlKV
from tests.integration.conftest import REDIS_SERVER, Database

SHORT_TTL = 0.5
CONCURRENCY = 25

STORES = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sql-sqlite"),
    pytest.param("postgres", id="sql-postgres", marks=pytest.mark.external),
    pytest.param("mysql", id="sql-mariadb", marks=pytest.mark.external),
    pytest.param("redis", id="redis", marks=pytest.mark.external),
]
SHARED = [param for param in STORES if param.values[0] != "memory"]

Opener = Callable[[], Awaitable[KVStore]]


@pytest.fixture
async def open_store(request: pytest.FixtureRequest, tmp_path: Path,
                     fresh_database: Callable[[str], Database]) -> AsyncIterator[Opener]:
    """``await open_store()`` is a new handle on one store of the parametrised kind.

    Handles opened in one test share their state, as separate worker processes do (memory
    excepted: it is one worker's own). SQL stores run on a freshly migrated database.
    """
    kind: str = request.param
    handles: list[KVStore] = []
    engines: list[AsyncEngine] = []
    memory = MemoryKV()
    database: Database | None = None
    prefix = request.getfixturevalue("redis_prefix") if kind == "redis" else ""

    async def open_handle() -> KVStore:
        nonlocal database
        store: KVStore
        if kind == "memory":
            return memory
        if kind == "redis":
            store = RedisKV(RedisConfig(server=REDIS_SERVER), prefix=prefix)
        else:
            if database is None:
                database = fresh_database(kind)
                engine = database.engine()
                try:
                    await migrate.upgrade(engine, database.config())
                finally:
                    await engine.dispose()
            pool = {} if kind == "sqlite" else {"pool_size": CONCURRENCY, "max_overflow": 5}
            engines.append(database.engine(**pool))
            store = SqlKV(engines[-1])
        handles.append(store)
        return store

    yield open_handle
    for store in handles:
        await store.close()
    for engine in engines:
        await engine.dispose()


def stores(params: list[pytest.param]) -> pytest.MarkDecorator:  # type: ignore[valid-type]
    return pytest.mark.parametrize("open_store", params, indirect=True)


@stores(STORES)
async def test_get_set_delete(open_store: Opener) -> None:
    kv = await open_store()
    assert await kv.get("greeting") is None
    await kv.set("greeting", "hello")
    assert await kv.get("greeting") == "hello"
    await kv.set("greeting", "hello again")
    assert await kv.get("greeting") == "hello again"
    await kv.delete("greeting")
    assert await kv.get("greeting") is None
    await kv.delete("greeting")  # deleting a missing key is fine


@stores(STORES)
async def test_keys_are_exact_and_values_round_trip(open_store: Opener) -> None:
    kv = await open_store()
    await kv.set("Token_aB", "upper")
    await kv.set("token_ab", "lower")
    big = "☁ pyreve ✓ " * 20_000  # over 64 KiB of multi-byte text
    await kv.set("big", big)
    assert await kv.get("Token_aB") == "upper"
    assert await kv.get("token_ab") == "lower"
    assert await kv.get("TOKEN_AB") is None
    assert await kv.get("big") == big


@stores(STORES)
async def test_ttl_expiry(open_store: Opener) -> None:
    kv = await open_store()
    await kv.set("short", "v", SHORT_TTL)
    await kv.set("long", "v", 60)
    await kv.set("forever", "v")
    await kv.set("renewed", "v", SHORT_TTL)
    await kv.set("renewed", "w")  # a later set without TTL replaces the TTL too
    assert await kv.get("short") == "v"
    await asyncio.sleep(SHORT_TTL + 0.2)
    assert await kv.get("short") is None
    assert await kv.get("long") == "v"
    assert await kv.get("forever") == "v"
    assert await kv.get("renewed") == "w"
    await kv.set("short", "again", 60)  # an expired key can be set again
    assert await kv.get("short") == "again"


@stores(STORES)
async def test_pop_is_get_and_delete(open_store: Opener) -> None:
    kv = await open_store()
    await kv.set("once", "secret", 60)
    assert await kv.pop("once") == "secret"
    assert await kv.get("once") is None
    assert await kv.pop("once") is None
    assert await kv.pop("never-set") is None
    await kv.set("stale", "old", SHORT_TTL)
    await asyncio.sleep(SHORT_TTL + 0.2)
    assert await kv.pop("stale") is None


@stores(STORES)
async def test_concurrent_pops_hand_the_value_to_exactly_one(open_store: Opener) -> None:
    handles = [await open_store() for _ in range(2)]
    for round_ in range(3):
        key = f"session-{round_}"
        await handles[0].set(key, f"value-{round_}", 60)
        results = await asyncio.gather(*(handles[i % 2].pop(key) for i in range(CONCURRENCY)))
        assert [r for r in results if r is not None] == [f"value-{round_}"]
        assert await handles[1].get(key) is None


@stores(STORES)
async def test_incr_counts_within_window_and_restarts_after(open_store: Opener) -> None:
    kv = await open_store()
    window = 1.0
    assert [await kv.incr("attempts", window) for _ in range(3)] == [1, 2, 3]
    assert await kv.incr("other", window) == 1
    await asyncio.sleep(0.5)
    assert await kv.incr("attempts", window) == 4
    await asyncio.sleep(0.7)
    # The window began with the first increment and ended; later increments did not extend it.
    assert await kv.incr("attempts", window) == 1
    assert await kv.incr("attempts", window) == 2
    assert await kv.incr("other", window) == 1


@stores(STORES)
async def test_concurrent_incr_counts_exactly(open_store: Opener) -> None:
    handles = [await open_store() for _ in range(2)]
    results = await asyncio.gather(*(handles[i % 2].incr("hits", 60) for i in range(CONCURRENCY)))
    assert sorted(results) == list(range(1, CONCURRENCY + 1))
    assert await handles[0].get("hits") == str(CONCURRENCY)
    # Again on a counter whose window has run out: exactly one caller starts the new window.
    await handles[0].set("burst", "7", SHORT_TTL)
    await asyncio.sleep(SHORT_TTL + 0.2)
    results = await asyncio.gather(*(handles[i % 2].incr("burst", 60) for i in range(CONCURRENCY)))
    assert sorted(results) == list(range(1, CONCURRENCY + 1))


@stores(STORES)
async def test_concurrent_set_of_a_new_key(open_store: Opener) -> None:
    handles = [await open_store() for _ in range(2)]
    values = {f"v{i}" for i in range(CONCURRENCY)}
    await asyncio.gather(*(handles[i % 2].set("fresh", f"v{i}", 60) for i in range(CONCURRENCY)))
    assert await handles[0].get("fresh") in values
    assert await handles[1].get("fresh") == await handles[0].get("fresh")


@stores(SHARED)
async def test_handles_share_state(open_store: Opener) -> None:
    first, second = await open_store(), await open_store()
    assert first is not second
    await first.set("shared", "from first", 60)
    assert await second.get("shared") == "from first"
    assert await second.incr("counter", 60) == 1
    assert await first.incr("counter", 60) == 2
    assert await second.pop("shared") == "from first"
    assert await first.get("shared") is None
