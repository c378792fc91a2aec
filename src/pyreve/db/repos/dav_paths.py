"""Lean lookups of paths in one owner's tree, for WebDAV's hot reads (see db/lean.py)."""

from __future__ import annotations

from typing import Any

from pyreve.db.lean import LeanReader

FILE_COLUMNS = "id, type, name, size, primary_entity, owner_id, created_at, updated_at, is_symbolic, file_children"
_PATH_SQL: dict[int, str] = {}


def _path_sql(depth: int) -> str:
    """The row at ``depth`` names below an owner's root, its primary entity, and whether any folder on
    the way has a policy mounted; folders on the way must not be symbolic (those take the full path)."""
    sql = _PATH_SQL.get(depth)
    if sql is None:
        last = f"f{depth}"
        columns = ", ".join(f"{last}.{c.strip()}" for c in FILE_COLUMNS.split(","))
        joins = "".join(
            f" JOIN files f{i} ON f{i}.file_children = f{i - 1}.id AND f{i}.name = ?"
            + (f" AND f{i - 1}.is_symbolic = 0" if i > 1 else "")
            for i in range(1, depth + 1))
        mounted = " OR ".join(f"f{i}.mounted_policy_id IS NOT NULL" for i in range(depth + 1))
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


def live_locks(reader: LeanReader, owner_id: int, now: str) -> list[tuple[Any, ...]]:
    return reader.rows("SELECT token, path, depth_infinity, expires_at, application FROM fs_locks WHERE owner_id = ? "
                       "AND (expires_at IS NULL OR expires_at > ?)", (owner_id, now))


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
