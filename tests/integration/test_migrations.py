"""Schema migrations and seeding on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from pyreve.db import migrate
from pyreve.db.models import Base, File, Group, Node, Setting, StoragePolicy, User
from pyreve.db.models.file import FOLDER
from pyreve.db.seed import ADMIN_GROUP_ID, ANONYMOUS_GROUP_ID, USER_GROUP_ID
from pyreve.kit import boolset
from tests.integration.conftest import Database, run_async

HEAD = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
SEED_TABLES = (Setting, Group, StoragePolicy, Node)


async def migrated(database: Database) -> None:
    engine = database.engine()
    try:
        await migrate.upgrade(engine, database.config())
    finally:
        await engine.dispose()


async def query(database: Database, fn: Any) -> Any:
    """Run ``fn(sync_connection)`` in a transaction on a new engine and return its result."""
    engine = database.engine()
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def snapshot(conn: sa.Connection) -> dict[str, Any]:
    """Every seeded row, in a comparable form."""
    out: dict[str, Any] = {}
    for model in SEED_TABLES:
        table = model.__table__
        rows = conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
        out[table.name] = [dict(row) for row in rows]
    out["alembic"] = MigrationContext.configure(conn).get_current_heads()
    return out


def cli(data_dir: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CR_CONF_", "CR_SETTING_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "pyreve.cli", "--data-dir", str(data_dir), *args],
        env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


async def test_upgrade_creates_and_seeds(database: Database) -> None:
    await migrated(database)
    state = await query(database, snapshot)
    assert state["alembic"] == (HEAD,)

    settings = {row["name"]: row["value"] for row in state["settings"]}
    assert len(settings["hash_id_salt"]) == 64
    assert len(settings["secret_key"]) == 256
    assert len(settings["siteID"]) == 36
    assert settings["siteName"] == "Cloudreve"
    assert settings["default_group"] == "2"

    groups = {row["id"]: row for row in state["groups"]}
    assert sorted(groups) == [ADMIN_GROUP_ID, USER_GROUP_ID, ANONYMOUS_GROUP_ID]
    assert [groups[i]["name"] for i in sorted(groups)] == ["Admin", "User", "Anonymous"]
    assert boolset.encode(groups[ADMIN_GROUP_ID]["permissions"]) == "/RoB"
    assert boolset.encode(groups[USER_GROUP_ID]["permissions"]) == "hAg="
    assert boolset.encode(groups[ANONYMOUS_GROUP_ID]["permissions"]) == "gg=="
    assert groups[ADMIN_GROUP_ID]["max_storage"] == 1 << 40
    assert groups[USER_GROUP_ID]["max_storage"] == 1 << 30
    assert groups[USER_GROUP_ID]["storage_policy_id"] == 1
    assert groups[ANONYMOUS_GROUP_ID]["storage_policy_id"] is None
    # JSON columns come back as JSON, not as text
    assert groups[ADMIN_GROUP_ID]["settings"]["source_batch"] == 1000
    assert groups[USER_GROUP_ID]["settings"]["trash_retention"] == 7 * 24 * 3600

    [policy] = state["storage_policies"]
    assert (policy["id"], policy["type"], policy["name"]) == (1, "local", "Default storage policy")
    assert policy["settings"] == {"chunk_size": 25 << 20, "pre_allocate": True}
    assert policy["dir_name_rule"].endswith("/uploads/{uid}/{path}")

    [node] = state["nodes"]
    assert (node["type"], node["status"], node["name"]) == ("master", "active", "Master")
    assert node["settings"] == {"provider": "aria2"}


async def test_upgrade_again_changes_nothing(database: Database) -> None:
    await migrated(database)
    before = await query(database, snapshot)
    await migrated(database)
    await migrated(database)
    assert await query(database, snapshot) == before


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    await migrated(database)

    def diff(conn: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return list(compare_metadata(context, Base.metadata))

    assert await query(database, diff) == []


async def test_values_round_trip_exactly(database: Database) -> None:
    """Microsecond timestamps, binary boolsets, nested JSON, case-sensitive setting names."""
    await migrated(database)
    stamp = datetime(2024, 2, 29, 23, 59, 58, 123456)
    permissions = bytes([0, 255, 1, 128])

    def write_and_read(conn: sa.Connection) -> tuple[Any, ...]:
        conn.execute(sa.insert(Setting.__table__), [{"name": "siteNAME", "value": "upper"}])
        gid = conn.execute(sa.insert(Group.__table__).values(
            name="Editors", permissions=permissions, settings={"a": [1, {"b": "ü"}]},
            created_at=stamp, updated_at=stamp)).inserted_primary_key[0]
        row = conn.execute(sa.select(Group.__table__).where(Group.id == gid)).mappings().one()
        names = conn.scalars(sa.select(Setting.value).where(Setting.name.in_(["siteName", "siteNAME"]))
                             .order_by(Setting.value)).all()
        return row["created_at"], row["permissions"], row["settings"], names

    created, perms, settings, names = await query(database, write_and_read)
    assert created == stamp
    assert perms == permissions
    assert settings == {"a": [1, {"b": "ü"}]}
    assert names == ["Cloudreve", "upper"]


async def test_new_rows_after_seeding_get_fresh_ids(database: Database) -> None:
    """The seed inserts explicit ids; PostgreSQL's sequences must have moved past them."""
    await migrated(database)

    def insert(conn: sa.Connection) -> tuple[int, int, int]:
        group_id = conn.execute(sa.insert(Group.__table__).values(name="Extra", max_storage=0)).inserted_primary_key[0]
        policy_id = conn.execute(sa.insert(StoragePolicy.__table__).values(
            name="Second", type="local")).inserted_primary_key[0]
        user_id = conn.execute(sa.insert(User.__table__).values(
            email="first@example.com", nick="first", status="active", storage=0,
            group_users=group_id)).inserted_primary_key[0]
        return group_id, policy_id, user_id

    assert await query(database, insert) == (ANONYMOUS_GROUP_ID + 1, 2, 1)


async def test_emails_are_unique(database: Database) -> None:
    await migrated(database)

    def insert_twice(conn: sa.Connection) -> None:
        for _ in range(2):
            conn.execute(sa.insert(User.__table__).values(
                email="same@example.com", nick="x", status="active", storage=0, group_users=USER_GROUP_ID))

    with pytest.raises(sa.exc.IntegrityError):
        await query(database, insert_twice)


def test_concurrent_migrate_processes_seed_once(database: Database) -> None:
    """Three `pyreve migrate` processes on one empty database: all succeed, one copy of each seed row."""
    procs = [cli(database.data_dir, database.env, "migrate") for _ in range(3)]
    outcomes = [(proc.wait(120), *proc.communicate()) for proc in procs]
    for code, out, err in outcomes:
        assert code == 0, err
        assert "up to date" in out

    def counts(conn: sa.Connection) -> dict[str, Any]:
        settings = Setting.__table__
        return {
            "settings": conn.scalar(sa.select(sa.func.count()).select_from(settings)),
            "distinct settings": conn.scalar(sa.select(sa.func.count(sa.distinct(settings.c.name)))),
            "groups": conn.scalars(sa.select(Group.id).order_by(Group.id)).all(),
            "policies": conn.scalars(sa.select(StoragePolicy.id)).all(),
            "masters": conn.scalar(sa.select(sa.func.count()).select_from(Node).where(Node.type == "master")),
            "salts": conn.scalars(sa.select(Setting.value).where(Setting.name == "hash_id_salt")).all(),
            "new group": conn.execute(sa.insert(Group.__table__).values(name="Later")).inserted_primary_key[0],
        }

    result = run_async(lambda: query(database, counts))
    assert result["settings"] == result["distinct settings"] > 100
    assert result["groups"] == [1, 2, 3]
    assert result["policies"] == [1]
    assert result["masters"] == 1
    assert len(result["salts"]) == 1
    assert result["new group"] == 4


async def test_newer_schema_is_refused(database: Database) -> None:
    await migrated(database)

    def stamp_future(conn: sa.Connection) -> None:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))

    await query(database, stamp_future)
    engine = database.engine()
    try:
        with pytest.raises(migrate.SchemaTooNew, match="9999_from_the_future"):
            await migrate.upgrade(engine, database.config())
        with pytest.raises(migrate.SchemaTooNew):
            await migrate.check_current(engine)
    finally:
        await engine.dispose()

    proc = cli(database.data_dir, database.env, "migrate")
    code = proc.wait(60)
    out, err = proc.communicate()
    assert code == 3, (out, err)
    assert "newer pyreve" in err
    assert "Traceback" not in err
    # The database was left as it was.
    assert await query(database, lambda c: MigrationContext.configure(c).get_current_heads()) == (
        "9999_from_the_future",)


async def test_users_without_a_root_folder_get_one(database: Database) -> None:
    """Roots are made with their users; users of older databases that never opened their files get
    theirs from the migration (reads cannot make them: they run in read-only transactions)."""
    await migrated(database)

    def rootless_user_then_upgrade(conn: sa.Connection) -> list[tuple[Any, ...]]:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
        user_id = conn.execute(sa.insert(User.__table__).values(
            email="old@example.com", nick="old", status="active", storage=0,
            group_users=USER_GROUP_ID)).inserted_primary_key[0]
        command.upgrade(cfg, "head")
        files = File.__table__
        return [tuple(row) for row in conn.execute(
            sa.select(files.c.name, files.c.type, files.c.file_children).where(files.c.owner_id == user_id))]

    assert await query(database, rootless_user_then_upgrade) == [("", FOLDER, None)]
