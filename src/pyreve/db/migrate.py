"""Bring the schema up to date (Alembic) and seed the rows Cloudreve seeds; safe to run concurrently."""

from __future__ import annotations

import fcntl
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

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_ID = 0x70797265  # "pyre"


class SchemaTooNew(Exception):
    """The database was written by a newer pyreve than this one."""


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
    async with engine.connect() as conn:
        if kind == "postgres":
            await conn.execute(sa.text(f"SELECT pg_advisory_lock({_LOCK_ID})"))
        else:
            await conn.execute(sa.text("SELECT GET_LOCK('pyreve_migrate', 300)"))
        await conn.commit()
        try:
            await conn.run_sync(_upgrade, config)
            await conn.commit()
        finally:
            if kind == "postgres":
                await conn.execute(sa.text(f"SELECT pg_advisory_unlock({_LOCK_ID})"))
            else:
                await conn.execute(sa.text("SELECT RELEASE_LOCK('pyreve_migrate')"))
            await conn.commit()


async def check_current(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.run_sync(_check_not_newer)
