"""The ``pyreve`` command line: migrate, admin create, and refusing a database from a newer pyreve."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hashids import Hashids

from tests.conftest import Api, Server, free_port, unique_email

GROUP = 7
ADMIN_GROUP_ID = 1


def pyreve(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CR_CONF_", "CR_SETTING_", "PYREVE_"))}
    return subprocess.run([sys.executable, "-m", "pyreve.cli", "--data-dir", str(data_dir), *args],
                          env=env, capture_output=True, text=True, timeout=timeout, check=False)


def db_rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db, timeout=10)) as conn:
        rows = conn.execute(sql, params).fetchall()
        conn.commit()
    return rows


def group_of(api: Api, email: str, password: str) -> tuple[int, str]:
    """(group id, group name) of a user, as the API reports it after signing in."""
    login = api.sign_in(email, password)
    token = login["token"]["access_token"]
    group = api.get("/user/me", token)["data"]["group"]
    return group["id"], group["name"]


def test_migrate_twice(tmp_path: Path) -> None:
    first = pyreve(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stdout
    db = tmp_path / "cloudreve.db"
    assert db.is_file()
    revision = db_rows(db, "SELECT version_num FROM alembic_version")
    assert len(revision) == 1
    settings = db_rows(db, "SELECT count(*) FROM settings")[0][0]
    groups = db_rows(db, "SELECT id, name FROM groups ORDER BY id")
    assert [name for _, name in groups][:3] == ["Admin", "User", "Anonymous"]

    second = pyreve(tmp_path, "migrate")
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert db_rows(db, "SELECT version_num FROM alembic_version") == revision
    assert db_rows(db, "SELECT count(*) FROM settings")[0][0] == settings
    assert db_rows(db, "SELECT id, name FROM groups ORDER BY id") == groups
    assert db_rows(db, "SELECT count(*) FROM users")[0][0] == 0


SQLITE = {"CR_CONF_Database.Type": "sqlite"}


def test_first_account_is_admin_and_admin_create(server_factory: Any) -> None:
    server: Server = server_factory(fresh=True, env=SQLITE)  # the command is tested on the default database
    api = server.api
    db = server.data_dir / "cloudreve.db"
    admin_group = Hashids(salt=db_rows(db, "SELECT value FROM settings WHERE name = 'hash_id_salt'")[0][0]).encode(
        ADMIN_GROUP_ID, GROUP)
    assert db_rows(db, "SELECT name FROM groups WHERE id = ?", ADMIN_GROUP_ID) == [("Admin",)]

    first, _ = api.sign_up()
    second, _ = api.sign_up()
    assert group_of(api, first, "password123") == (admin_group, "Admin")
    second_group = group_of(api, second, "password123")
    assert second_group[0] != admin_group
    assert second_group[1] == "User"

    # A new administrator from the command line, while the server runs on the same database.
    email = unique_email("Admin").upper()
    created = pyreve(server.data_dir, "admin", "create", "--email", email, "--password", "admin-secret")
    assert created.returncode == 0, created.stderr
    assert email.lower() in created.stdout
    assert group_of(api, email.lower(), "admin-secret") == (admin_group, "Admin")
    me = api.sign_in(email.lower(), "admin-secret")["user"]
    assert me["status"] == "active"
    assert me["email"] == email.lower()

    # An existing account is promoted (and gets the given password).
    promoted = pyreve(server.data_dir, "admin", "create", "--email", second, "--password", "promoted-pass")
    assert promoted.returncode == 0, promoted.stderr
    assert group_of(api, second, "promoted-pass") == (admin_group, "Admin")
    assert db_rows(db, "SELECT count(*) FROM users WHERE email = ?", second)[0][0] == 1

    # Too short a password: refused, nothing created.
    refused_email = unique_email("short")
    refused = pyreve(server.data_dir, "admin", "create", "--email", refused_email, "--password", "12345")
    assert refused.returncode != 0
    assert "password" in refused.stderr.lower()
    assert "Traceback" not in refused.stderr
    assert db_rows(db, "SELECT count(*) FROM users WHERE email = ?", refused_email)[0][0] == 0


@pytest.fixture(scope="module")
def newer_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database whose schema revision this pyreve does not know."""
    data_dir = tmp_path_factory.mktemp("newer")
    assert pyreve(data_dir, "migrate").returncode == 0
    with closing(sqlite3.connect(data_dir / "cloudreve.db")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
        conn.commit()
    return data_dir


@pytest.mark.parametrize("args", [
    ("migrate",),
    ("admin", "create", "--email", "someone@example.com", "--password", "password123"),
    ("serve", "--listen", "127.0.0.1:PORT", "--workers", "1"),
])
def test_database_from_a_newer_pyreve_is_refused(newer_database: Path, args: tuple[str, ...]) -> None:
    db = newer_database / "cloudreve.db"
    users_before = db_rows(db, "SELECT count(*) FROM users")[0][0]
    args = tuple(a.replace("PORT", str(free_port())) for a in args)
    result = pyreve(newer_database, *args, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "f00dfeedbeef" in result.stderr
    assert "newer" in result.stderr.lower()
    assert db_rows(db, "SELECT version_num FROM alembic_version") == [("f00dfeedbeef",)]
    assert db_rows(db, "SELECT count(*) FROM users")[0][0] == users_before
