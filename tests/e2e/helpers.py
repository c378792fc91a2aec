"""Helpers for end-to-end tests that look behind the API: the server's database, tokens, hash ids."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from typing import Any

import jwt
import pytest

from pyreve.kit.hashid import HashIds, IdType
from pyreve.kv.versions import SharedMemoryVersions
from tests.conftest import Server

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def inspectable(server: Server) -> bool:
    """Whether tests can look into the server's database (its SQLite file)."""
    return server.database_kind == "sqlite"


@contextmanager
def database(server: Server) -> Iterator[sqlite3.Connection]:
    """The server's SQLite database; a test that looks into it is skipped on the other databases."""
    if not inspectable(server):
        pytest.skip("looks into the server's SQLite database")
    conn = sqlite3.connect(server.data_dir / "cloudreve.db", timeout=10)
    conn.row_factory = sqlite3.Row
    with closing(conn), conn:
        yield conn


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
    asyncio.run(SharedMemoryVersions(server.data_dir / "versions.shm").bump_users([user_id]))


def update_user(server: Server, email: str, **columns: Any) -> None:
    """Change a user row directly and announce the change to every worker."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with database(server) as conn:
        row = conn.execute(f"UPDATE users SET {assignments} WHERE lower(email) = lower(?) RETURNING id",
                           (*columns.values(), email)).fetchone()
    assert row is not None
    announce_user_change(server, int(row[0]))


def kv_value(server: Server, key: str) -> str | None:
    """A value of the database KV store (used when the server runs several workers)."""
    with database(server) as conn:
        row = conn.execute("SELECT value FROM kv_entries WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


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
