"""Lean lookups of paths in one owner's tree, for WebDAV's hot reads (see db/lean.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyreve.db.lean import LeanReader
from pyreve.db.models.file import ENTITY_VERSION, FILE, FOLDER
from pyreve.kit.clock import utcnow

FILE_COLUMNS = "id, type, name, size, primary_entity, owner_id, created_at, updated_at, is_symbolic, file_children"
_PATH_SQL: dict[int, str] = {}


def _path_sql(depth: int) -> str:
    """The row at ``depth`` names below an owner's root, its primary entity, and whether anything on the
    way has a policy mounted or permission settings; folders on the way must not be symbolic (those
    take the full path)."""
    sql = _PATH_SQL.get(depth)
    if sql is None:
        last = f"f{depth}"
        columns = ", ".join(f"{last}.{c.strip()}" for c in FILE_COLUMNS.split(","))
        joins = "".join(
            f" JOIN files f{i} ON f{i}.file_children = f{i - 1}.id AND f{i}.name = ?"
            + (f" AND f{i - 1}.is_symbolic = 0" if i > 1 else "")
            for i in range(1, depth + 1))
        mounted = " OR ".join(f"f{i}.mounted_policy_id IS NOT NULL OR f{i}.permissions IS NOT NULL"
                              for i in range(depth + 1))
        sql = (f"SELECT {columns}, e.source, e.size, e.storage_policy_entities, ({mounted}) "
               f"FROM files f0{joins} LEFT JOIN entities e ON e.id = {last}.primary_entity "
               "WHERE f0.owner_id = ? AND f0.file_children IS NULL AND f0.name = ''")
        _PATH_SQL[depth] = sql
    return sql


def at_path(reader: LeanReader, owner_id: int, names: list[str]) -> tuple[Any, ...] | None:
    """(file columns…, entity source, entity size, entity policy, mounted) or None when not found."""
    return reader.row(_path_sql(len(names)), (*names, owner_id))


def children(reader: LeanReader, folder_id: int) -> list[tuple[Any, ...]]:
    return reader.rows(f"SELECT {FILE_COLUMNS} FROM files WHERE file_children = ?", (folder_id,))


def storage(reader: LeanReader, owner_id: int) -> int:
    found = reader.row("SELECT storage FROM users WHERE id = ?", (owner_id,))
    return int(found[0] or 0) if found else 0


def live_locks(reader: LeanReader, owner_id: int, now: str) -> list[tuple[Any, ...]]:
    return reader.rows("SELECT token, path, depth_infinity, expires_at, application, shared FROM fs_locks "
                       "WHERE owner_id = ? AND (expires_at IS NULL OR expires_at > ?)", (owner_id, now))


def metadata(reader: LeanReader, file_ids: list[int], dead: bool, checksums: bool) -> list[tuple[Any, ...]]:
    """WebDAV's metadata of ``file_ids``: dead properties (``dav:…``) and/or recorded checksums."""
    wanted = []
    if dead:
        wanted.append("name LIKE 'dav:%'")
    if checksums:
        wanted.append("name = 'sys:dav_checksums'")
    marks = ",".join("?" * len(file_ids))
    return reader.rows(f"SELECT file_id, name, value FROM metadata WHERE file_id IN ({marks}) "
                       f"AND ({' OR '.join(wanted)})", tuple(file_ids))


# --- a whole new file in one short transaction (see services/webdav.py) -------------------------------

def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores DateTime on SQLite


@dataclass(frozen=True)
class NewFile:
    owner_id: int
    parent_names: list[str]
    name: str
    size: int
    source: str
    policy_id: int
    max_storage: int
    held: frozenset[str]
    modified: datetime | None
    checksums: str  # verified digests to record ("" for none)
    events: list[tuple[int, bool, str]]  # (activity type, about the new version?, JSON content)
    ip: str
    user_agent: str


class Fallback(Exception):
    """Not the plain case: the caller records the file the ordinary way."""


class NoCapacity(Exception):
    pass


def create_file(conn: sqlite3.Connection, new: NewFile, covers: Any, checksum_value: Any) -> tuple[int, int]:
    """Insert a new file with its single version: (file id, entity id). Raises :class:`Fallback` when the
    parent is gone or special, the name is taken, or a lock not held covers it; :class:`NoCapacity`."""
    now = utcnow()
    stamp = _stamp(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        parent = conn.execute(_path_sql(len(new.parent_names)), (*new.parent_names, new.owner_id)).fetchone()
        if parent is None or parent[1] != FOLDER or parent[8] or parent[13]:
            raise Fallback()
        if conn.execute("SELECT 1 FROM files WHERE file_children = ? AND name = ?", (parent[0], new.name)).fetchone():
            raise Fallback()
        path = "/" + "/".join([*new.parent_names, new.name])
        for token, lock_path, infinite, _, _ in conn.execute(
                "SELECT token, path, depth_infinity, expires_at, application FROM fs_locks WHERE owner_id = ? "
                "AND (expires_at IS NULL OR expires_at > ?)", (new.owner_id, stamp)).fetchall():
            if token not in new.held and covers(lock_path, bool(infinite), path):
                raise Fallback()
        if new.size and conn.execute("UPDATE users SET storage = storage + ? WHERE id = ? AND storage + ? <= ?",
                                     (new.size, new.owner_id, new.size, new.max_storage)).rowcount == 0:
            raise NoCapacity()
        modified = _stamp(new.modified) if new.modified is not None else stamp
        file_id = conn.execute(
            "INSERT INTO files (type, name, owner_id, size, file_children, is_symbolic, storage_policy_files, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (FILE, new.name, new.owner_id, new.size, parent[0], new.policy_id, stamp, modified)).lastrowid
        entity_id = conn.execute(
            "INSERT INTO entities (type, source, size, reference_count, storage_policy_entities, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
            (ENTITY_VERSION, new.source, new.size, new.policy_id, new.owner_id, stamp, stamp)).lastrowid
        conn.execute("INSERT INTO file_entities (file_id, entity_id) VALUES (?, ?)", (file_id, entity_id))
        conn.execute("UPDATE files SET primary_entity = ? WHERE id = ?", (entity_id, file_id))
        for kind, about_version, content in new.events:
            conn.execute("INSERT INTO audit_logs (type, user_id, file_id, entity_id, content, ip, user_agent, "
                         "correlation_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?)",
                         (kind, new.owner_id, file_id, entity_id if about_version else None, content,
                          new.ip[:64], new.user_agent[:1024], stamp, stamp))
        if new.checksums:
            conn.execute("INSERT INTO metadata (file_id, name, value, is_public, created_at, updated_at) "
                         "VALUES (?, 'sys:dav_checksums', ?, 0, ?, ?)",
                         (file_id, checksum_value(entity_id, new.checksums), stamp, stamp))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    assert file_id is not None and entity_id is not None
    return file_id, entity_id
