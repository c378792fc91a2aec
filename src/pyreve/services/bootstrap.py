"""Assemble and tear down the runtime: engine, schema check, settings, KV store, id codec."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker

from pyreve.config import Config
from pyreve.db import migrate
from pyreve.db.engine import create_engine
from pyreve.db.repos import users as user_repo
from pyreve.db.seed import ANONYMOUS_GROUP_ID
from pyreve.db.uow import ON_USERS_CHANGED
from pyreve.kit.hashid import HashIds
from pyreve.kv import KVStore
from pyreve.kv.memory import MemoryKV
from pyreve.kv.sql import SqlKV
from pyreve.kv.versions import RedisVersions, SharedMemoryVersions, Versions
from pyreve.services.context import GroupInfo, IdentityCache, Runtime
from pyreve.services.settings import SiteSettings
from pyreve.services.tokens import TokenSigner


def choose_kv(config: Config, engine: object, workers: int, site_id: str = "") -> KVStore:
    """Redis when configured; otherwise memory for one worker, the database for several.

    Redis keys carry the site id, so sites sharing one Redis database never see each other's
    sessions, reset secrets or counters.
    """
    if config.redis.server:
        from pyreve.kv.redis import RedisKV  # the client library loads only when Redis is used

        return RedisKV(config.redis, prefix=f"pyreve:{site_id}:" if site_id else "pyreve:")
    if workers > 1:
        return SqlKV(engine)  # type: ignore[arg-type]
    return MemoryKV()


def choose_versions(config: Config, kv: KVStore) -> Versions:
    """Redis when configured (every instance shares it), else memory shared by this machine's workers."""
    if config.redis.server:
        from pyreve.kv.redis import RedisKV

        assert isinstance(kv, RedisKV)
        return RedisVersions(kv.client, kv.prefix)
    return SharedMemoryVersions(config.data_dir / "versions.shm")


async def open_runtime(config: Config, *, workers: int = 1) -> Runtime:
    engine = create_engine(config)
    await migrate.check_current(engine)
    settings = SiteSettings(engine, config.option_overwrite)
    await settings.load()
    async with engine.connect() as conn:
        row = await user_repo.group(conn, ANONYMOUS_GROUP_ID)
    anonymous_group = GroupInfo(
        id=ANONYMOUS_GROUP_ID, name=row.name if row else "Anonymous",
        permissions=(row.permissions if row else b"") or b"", max_storage=0,
        speed_limit=(row.speed_limit if row else 0) or 0, settings=(row.settings if row else {}) or {},
    )
    kv = choose_kv(config, engine, workers, settings.str("siteID"))
    versions = choose_versions(config, kv)
    sessions = async_sessionmaker(engine, expire_on_commit=False, info={ON_USERS_CHANGED: versions.bump_users})
    return Runtime(
        config=config, engine=engine, sessions=sessions, kv=kv, settings=settings,
        ids=HashIds(settings.str("hash_id_salt")),
        tokens=TokenSigner(settings.str("secret_key")), identity=IdentityCache(engine, versions),
        versions=versions, anonymous_group=anonymous_group,
    )


async def close_runtime(rt: Runtime) -> None:
    await rt.versions.close()
    await rt.kv.close()
    await rt.engine.dispose()
