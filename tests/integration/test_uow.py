"""Units of work on every database: reads take no write lock, a task never writes twice at once, and a
commit that changed a user announces it; the change-version boards every worker reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyreve.config import RedisConfig
from pyreve.db import migrate
from pyreve.db.engine import WriteWhileReading
from pyreve.db.models import DavAccount, User
from pyreve.db.repos import files as file_repo
from pyreve.db.uow import ON_USERS_CHANGED, NestedWrite, after_write, reading, writing
from pyreve.kv.redis import RedisKV
from pyreve.kv.sql import SqlKV
from pyreve.kv.versions import RedisVersions, SharedMemoryVersions, Versions
from tests.integration.conftest import REDIS_SERVER, Database


class Announcements:
    def __init__(self) -> None:
        self.users: list[set[int]] = []

    async def __call__(self, user_ids: object) -> None:
        self.users.append(set(user_ids))  # type: ignore[call-overload]


@pytest.fixture
async def factory(database: Database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = database.engine()
    await migrate.upgrade(engine, database.config())
    sessions = async_sessionmaker(engine, expire_on_commit=False, info={ON_USERS_CHANGED: Announcements()})
    yield sessions
    await engine.dispose()


def announced(factory: async_sessionmaker[AsyncSession]) -> list[set[int]]:
    return factory.kw["info"][ON_USERS_CHANGED].users  # type: ignore[no-any-return]


async def new_user(factory: async_sessionmaker[AsyncSession], email: str) -> User:
    async with writing(factory) as session:
        user = User(email=email, nick="n", status="active", storage=0, settings={}, group_users=2)
        session.add(user)
        await session.flush()
    return user


async def test_reading_refuses_writes_and_takes_no_write_lock(factory: async_sessionmaker[AsyncSession]) -> None:
    user = await new_user(factory, "reader@example.com")
    async with reading(factory) as session:
        assert (await session.get(User, user.id)) is not None
        # A writer elsewhere is not held up by the open read (SQLite: no BEGIN IMMEDIATE).
        started = time.monotonic()
        async with writing(factory) as other:
            (await other.get(User, user.id)).nick = "changed"  # type: ignore[union-attr]
        assert time.monotonic() - started < 2
        with pytest.raises(WriteWhileReading):
            await session.execute(sa.update(User).where(User.id == user.id).values(nick="x"))


async def test_a_task_may_not_open_a_second_write(factory: async_sessionmaker[AsyncSession]) -> None:
    kv = SqlKV(factory.kw["bind"])
    async with writing(factory):
        with pytest.raises(NestedWrite):
            async with writing(factory):
                pass
        with pytest.raises(NestedWrite):
            await kv.set("key", "value")
        async with reading(factory) as session:  # reading beside one's own write is fine
            await session.execute(sa.select(1))

        async def elsewhere() -> None:  # another task may wait for the lock; it is not its own
            await kv.set("key", "from another task")

        task = asyncio.create_task(elsewhere())
    await task
    assert await kv.get("key") == "from another task"
    await kv.set("key", "after the write")  # the hold ends with the block


async def test_work_for_after_a_write_runs_when_it_ends(factory: async_sessionmaker[AsyncSession]) -> None:
    kv = SqlKV(factory.kw["bind"])
    assert not after_write(lambda: kv.set("now", "1"))  # no write held: the caller does it at once
    for fails in (False, True):
        key = f"after-{fails}"
        try:
            async with writing(factory):
                assert after_write(lambda key=key: kv.set(key, "written"))  # type: ignore[misc]
                assert await kv.get(key) is None
                if fails:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert await kv.get(key) == "written"  # committed or not, as a failed guess must be


async def test_commits_announce_changed_users(factory: async_sessionmaker[AsyncSession]) -> None:
    user = await new_user(factory, "changes@example.com")
    announced(factory).clear()
    async with writing(factory) as session:
        (await session.get(User, user.id)).settings = {"pins": []}  # type: ignore[union-attr]
    async with writing(factory) as session:  # a Core UPDATE, marked by the repository
        assert await file_repo.add_storage(session, user.id, 10)
    async with writing(factory) as session:
        session.add(DavAccount(name="a", uri="cloudreve://my", password="p" * 32, options=b"", props={},
                               owner_id=user.id))
    async with writing(factory) as session:  # nothing about users: nothing announced
        await session.execute(sa.select(User.id))
    with pytest.raises(RuntimeError):
        async with writing(factory) as session:  # rolled back: nothing announced
            (await session.get(User, user.id)).nick = "never"  # type: ignore[union-attr]
            await session.flush()
            raise RuntimeError("abort")
    assert announced(factory) == [{user.id}, {user.id}, {user.id}]


# --- the boards ------------------------------------------------------------------------------------

@pytest.fixture(params=["shared-memory", pytest.param("redis", marks=pytest.mark.external)])
async def boards(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Versions, Versions]]:
    """Two handles on one board, as two worker processes have."""
    if request.param == "shared-memory":
        pair: tuple[Versions, Versions] = (SharedMemoryVersions(tmp_path / "v.shm"),
                                           SharedMemoryVersions(tmp_path / "v.shm"))
        kvs: list[RedisKV] = []
    else:
        prefix = request.getfixturevalue("redis_prefix")
        kvs = [RedisKV(RedisConfig(server=REDIS_SERVER), prefix=prefix) for _ in range(2)]
        pair = (RedisVersions(kvs[0].client, prefix), RedisVersions(kvs[1].client, prefix))
    yield pair
    for board in pair:
        await board.close()
    for kv in kvs:
        await kv.close()


async def test_a_bump_on_one_handle_is_seen_on_the_other(boards: tuple[Versions, Versions]) -> None:
    one, other = boards
    before = await other.read(7)
    unrelated = await other.read(8)
    await one.bump_users([7])
    after = await other.read(7)
    assert after != before and after[1] == before[1]
    assert await other.read(8) == unrelated
    await one.bump_all()
    assert (await other.read(8))[1] != unrelated[1]
    assert (await other.read(7))[1] != after[1]
