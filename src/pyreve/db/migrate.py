"""Bring the schema up to date (Alembic) and seed the rows Cloudreve seeds; safe to run concurrently."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from pyreve.config import Config
from pyreve.db.seed import seed_defaults
from pyreve.errors import SchemaTooNew

__all__ = ["SchemaTooNew", "check_current", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_ID = 0x70797265  # "pyre"
_LOCK_WAIT_SECONDS = 300


class MigrationLockTimeout(TimeoutError):
    """Another process held the migration lock for too long."""


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _check_not_newer(conn: sa.Connection) -> None:
    current = MigrationContext.configure(conn).get_current_heads()
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise SchemaTooNew(
            f"the database schema is at revision {', '.join(unknown)}, written by a newer pyreve; "
            "upgrade pyreve to open it"
        )


def _upgrade(conn: sa.Connection, config: Config) -> None:
    _check_not_newer(conn)
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    seed_defaults(conn, config)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def upgrade(engine: AsyncEngine, config: Config) -> None:
    """Upgrade to head and seed, serialised across processes by a database (or file) lock."""
    kind = config.database.type
    if kind == "sqlite":
        with _file_lock(Path(str(config.sqlite_path) + ".migrate.lock")):
            async with engine.connect() as conn:
                await conn.run_sync(_upgrade, config)
                await conn.commit()
        return
    if kind == "postgres":
        # DDL is transactional here: upgrade and seed form one transaction, and the advisory lock
        # taken at its start is released when it ends, whichever way it ends.
        async with engine.connect() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            await conn.run_sync(_upgrade, config)
            await conn.commit()
        return
    # MySQL/MariaDB commit at every DDL statement, so the lock is held by the session instead.
    name = _mysql_lock_name(config)
    async with engine.connect() as conn:
        got = await conn.scalar(sa.text("SELECT GET_LOCK(:name, :wait)"),
                                {"name": name, "wait": _LOCK_WAIT_SECONDS})
        await conn.commit()
        if got != 1:
            raise MigrationLockTimeout(
                f"another process has been migrating the database for {_LOCK_WAIT_SECONDS}s; try again later")
        try:
            await conn.run_sync(_upgrade, config)
            await conn.commit()
        finally:
            await conn.rollback()
            await conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": name})
            await conn.commit()


def _mysql_lock_name(config: Config) -> str:
    # GET_LOCK names are global to the server (at most 64 characters): one lock per database.
    digest = hashlib.sha256(config.database.name.encode()).hexdigest()[:32]
    return f"pyreve_migrate_{digest}"


async def check_current(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.run_sync(_check_not_newer)
