"""Helpers for end-to-end tests that look behind the API: the server's database, tokens, hash ids."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any

import jwt
import redis

from pyreve.config import RedisConfig
from pyreve.kit.hashid import HashIds, IdType
from pyreve.kv.redis import RedisKV
from pyreve.kv.versions import RedisVersions, SharedMemoryVersions
from tests.conftest import Server
from tests.integration.conftest import run_async

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position or by column name, as ``sqlite3.Row`` is."""

    def __new__(cls, values: tuple[Any, ...], names: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self.names[key] if isinstance(key, str) else key)

    def keys(self) -> list[str]:
        return list(self.names)


class Result:
    def __init__(self, cursor: Any):
        self._cursor = cursor
        self.rowcount: int = cursor.rowcount
        self.description = cursor.description
        self._names = {d[0]: i for i, d in enumerate(cursor.description or ())}

    def _row(self, values: Any) -> Row:
        # Timestamps as SQLite holds them (text), so the tests read them one way everywhere.
        return Row(tuple(v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v for v in values),
                   self._names)

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone() if self.description else None
        return None if row is None else self._row(row)

    def fetchall(self) -> list[Row]:
        return [self._row(row) for row in self._cursor.fetchall()] if self.description else []

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class ServerDatabase:
    """The server's PostgreSQL or MariaDB database, spoken to in the SQL the tests write for SQLite
    (``?`` placeholders; JSON read back as text, as SQLite returns it)."""

    def __init__(self, raw: Any):
        self._raw = raw

    def execute(self, sql: str, params: Any = ()) -> Result:
        cursor = self._raw.cursor()
        cursor.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))
        return Result(cursor)


def _connect(server: Server) -> Any:
    env = server.env
    host, port, user = env["CR_CONF_Database.Host"], int(env["CR_CONF_Database.Port"]), env["CR_CONF_Database.User"]
    name = env["CR_CONF_Database.Name"]
    if server.database_kind == "postgres":
        import psycopg
        from psycopg.types.string import TextLoader

        conn = psycopg.connect(host=host, port=port, user=user, dbname=name)
        for json_type in ("json", "jsonb"):
            conn.adapters.register_loader(json_type, TextLoader)
        return conn
    import pymysql

    conn = pymysql.connect(host=host, port=port, user=user, password="", database=name, charset="utf8mb4")
    with conn.cursor() as cursor:  # "quoted" identifiers, as on SQLite and PostgreSQL
        cursor.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')")
    return conn


def columns(conn: Any, table: str) -> list[str]:
    """The column names of ``table``, on any of the databases."""
    return [d[0] for d in conn.execute(f"SELECT * FROM {table} WHERE 1 = 0").description]


@contextmanager
def database(server: Server) -> Iterator[Any]:
    """The server's database, to look into or change behind its back; committed on leaving."""
    if server.database_kind == "sqlite":
        conn = sqlite3.connect(server.data_dir / "cloudreve.db", timeout=10)
        conn.row_factory = sqlite3.Row
        with closing(conn), conn:
            yield conn
        return
    raw = _connect(server)
    try:
        yield ServerDatabase(raw)
        raw.commit()
    finally:
        raw.close()


def setting(server: Server, name: str) -> str:
    with database(server) as conn:
        row = conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    assert row is not None, f"setting {name} missing"
    return str(row["value"])


def hash_ids(server: Server) -> HashIds:
    return HashIds(setting(server, "hash_id_salt"))


def user_hash(server: Server, user_id: int) -> str:
    return str(hash_ids(server).encode(user_id, IdType.USER))


def group_hash(server: Server, group_id: int) -> str:
    return str(hash_ids(server).encode(group_id, IdType.GROUP))


def user_row(server: Server, email: str) -> sqlite3.Row:
    with database(server) as conn:
        row = conn.execute("SELECT * FROM users WHERE lower(email) = lower(?)", (email,)).fetchone()
    assert row is not None, f"no user {email}"
    return row  # type: ignore[no-any-return]


def count_users(server: Server, email: str) -> int:
    with database(server) as conn:
        return int(conn.execute("SELECT count(*) FROM users WHERE lower(email) = lower(?)", (email,)).fetchone()[0])


def announce_user_change(server: Server, user_id: int) -> None:
    """Tell the server's workers that a user row changed behind their back, as the server's own writes do."""
    async def bump() -> None:
        if "CR_CONF_Redis.Server" in server.env:
            kv = RedisKV(RedisConfig(server=server.env["CR_CONF_Redis.Server"]),
                         prefix=f"pyreve:{setting(server, 'siteID')}:")
            try:
                await RedisVersions(kv.client, kv.prefix).bump_users([user_id])
            finally:
                await kv.close()
        else:
            versions = SharedMemoryVersions(server.data_dir / "versions.shm")
            await versions.bump_users([user_id])
            await versions.close()

    run_async(bump)  # in a thread of its own: browser tests call this with Playwright's loop running


def update_user(server: Server, email: str, **columns: Any) -> None:
    """Change a user row directly and announce the change to every worker."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with database(server) as conn:
        row = conn.execute("SELECT id FROM users WHERE lower(email) = lower(?)", (email,)).fetchone()
        assert row is not None
        conn.execute(f"UPDATE users SET {assignments} WHERE id = ?", (*columns.values(), row[0]))
    announce_user_change(server, int(row[0]))


def _redis(server: Server) -> tuple[redis.Redis, str] | None:
    """The server's Redis KV store and its key prefix, when it has one."""
    if "CR_CONF_Redis.Server" not in server.env:
        return None
    client = redis.Redis.from_url(f"redis://{server.env['CR_CONF_Redis.Server']}/0", decode_responses=True)
    return client, f"pyreve:{setting(server, 'siteID')}:"


def kv_entry(server: Server, key: str) -> tuple[str, float | None] | None:
    """A live entry of the server's KV store (Redis, or the database with several workers): its value
    and when it expires (epoch seconds)."""
    found = _redis(server)
    if found is not None:
        client, prefix = found
        with client:
            value, ttl_ms = client.get(prefix + key), client.pttl(prefix + key)
        return None if value is None else (value, time.time() + ttl_ms / 1000 if ttl_ms >= 0 else None)
    with database(server) as conn:
        row = conn.execute('SELECT value, expires_at FROM kv_entries WHERE "key" = ?', (key,)).fetchone()
    return None if row is None else (str(row["value"]), row["expires_at"])


def kv_value(server: Server, key: str) -> str | None:
    entry = kv_entry(server, key)
    return None if entry is None else entry[0]


def kv_expire(server: Server, key: str) -> None:
    """Make a KV entry expire now."""
    found = _redis(server)
    if found is not None:
        client, prefix = found
        with client:
            client.delete(prefix + key)
        return
    with database(server) as conn:
        conn.execute('UPDATE kv_entries SET expires_at = ? WHERE "key" = ?', (time.time() - 1, key))


def forge_token(server: Server, claims: dict[str, Any], key: str | None = None) -> str:
    """A JWT signed like the server signs its tokens (HS256 with ``secret_key``)."""
    secret = key if key is not None else setting(server, "secret_key")
    return jwt.encode(claims, secret.encode(), algorithm="HS256")


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, without checking its signature."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def tamper(token: str) -> str:
    """The same token with a different signature."""
    head, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0xFF
    return ".".join((head, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()))


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp with its offset; fails for anything else."""
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", value), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None
    return parsed
