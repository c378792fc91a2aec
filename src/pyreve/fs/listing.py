"""Pages of a folder's children (spec: files.md §2): folders before files, keyset or offset pagination."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File
from pyreve.db.models.file import FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.errors import AppError, ParamError
from pyreve.fs.navigators import Navigator
from pyreve.fs.uri import FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import HashIds, IdType

Where = Sequence[sa.ColumnElement[bool]]


def encode_token(ids: HashIds, last: File | None, order: str, start_with_file: bool) -> str:
    """base64 of ``{id, string|int|time, start_with_file}`` for the last row of a page."""
    payload: dict[str, Any] = {}
    if last is not None:
        payload["id"] = ids.encode(last.id, IdType.FILE)
        if order == "name":
            payload["string"] = last.name
        elif order == "size":
            payload["int"] = last.size
        elif order == "updated_at":
            payload["time"] = last.updated_at.isoformat()
    if start_with_file:
        payload["start_with_file"] = True
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_token(ids: HashIds, token: str, order: str) -> tuple[tuple[Any, int] | None, bool]:
    """``((order value, id) of the last row or None, whether the folders are done)``; 40001 when malformed."""
    try:
        payload = json.loads(base64.b64decode(token, validate=True))
        start_with_file = bool(payload.get("start_with_file"))
        if "id" not in payload:
            return None, start_with_file
        last_id = ids.decode(str(payload["id"]), IdType.FILE)
        value: Any = last_id
        if order == "name":
            value = str(payload["string"])
        elif order == "size":
            value = int(payload["int"])
        elif order == "updated_at":
            value = datetime.fromisoformat(str(payload["time"]))
        return (value, last_id), start_with_file
    except (ValueError, KeyError, TypeError, AttributeError, AppError):
        raise ParamError("Invalid page token") from None


async def cursor_page(session: AsyncSession, ids: HashIds, where: Where, order: str, desc: bool, size: int,
                      token: str) -> tuple[list[File], str | None]:
    """Folders first, then files; each phase keyset-paginated on (order column, id)."""
    after, in_files = decode_token(ids, token, order) if token else (None, False)
    rows: list[File] = []
    if not in_files:
        folders = await repo.page(session, [*where, File.type == FOLDER], order, desc, after, size + 1)
        if len(folders) > size:
            return folders[:size], encode_token(ids, folders[size - 1], order, False)
        rows, after = folders, None
    room = size - len(rows)
    files = await repo.page(session, [*where, File.type == FILE], order, desc, after, room + 1)
    if room == 0:
        return rows, encode_token(ids, None, order, True) if files else None
    if len(files) > room:
        rows += files[:room]
        return rows, encode_token(ids, rows[-1], order, True)
    return rows + files, None


async def offset_page(session: AsyncSession, where: Where, order: str, desc: bool, page: int, size: int
                      ) -> tuple[list[File], int]:
    """Page ``page`` (from 0) of folders-then-files and the total number of children."""
    folder_count = await repo.count(session, [*where, File.type == FOLDER])
    file_count = await repo.count(session, [*where, File.type == FILE])
    start = page * size
    rows: list[File] = []
    if start < folder_count:
        rows = await repo.offset_page(session, [*where, File.type == FOLDER], order, desc, start, size)
    if len(rows) < size:
        file_start = max(0, start - folder_count)
        rows += await repo.offset_page(session, [*where, File.type == FILE], order, desc, file_start,
                                       size - len(rows))
    return rows, folder_count + file_count


async def search_hit_uris(session: AsyncSession, nav: Navigator, uri: FileURI, folder: File | None,
                          rows: list[File]) -> dict[int, FileURI]:
    """Each hit's URI: its path below the searched folder (parents walked once per distinct folder)."""
    base = uri.without_query()
    out: dict[int, FileURI] = {}
    folder_paths: dict[int | None, list[str]] = {}
    for row in rows:
        if folder is None or not nav.has_root:
            out[row.id] = nav.child_uri(base, row)
            continue
        parent_id = row.file_children
        if parent_id not in folder_paths:
            names: list[str] = []
            current = parent_id
            while current is not None and current != folder.id:
                parent = await repo.by_id(session, current)
                if parent is None:
                    break
                names.append(parent.name)
                current = parent.file_children
            folder_paths[parent_id] = list(reversed(names))
        out[row.id] = base.join(*folder_paths[parent_id], row.name)
    return out


async def folder_summary(session: AsyncSession, folder: File, limit: int) -> dict[str, Any]:
    """Size and counts below ``folder``, breadth first; ``completed`` is false past ``limit`` rows."""
    size = files = folders = walked = 0
    level = [folder.id]
    completed = True
    while level and completed:
        rows: list[Any] = []
        for start in range(0, len(level), 500):
            rows += (await session.execute(sa.select(File.id, File.type, File.size)
                                           .where(File.file_children.in_(level[start:start + 500])))).all()
        level = []
        for row in rows:
            walked += 1
            if walked > limit:
                completed = False
                break
            if row.type == FOLDER:
                folders += 1
                level.append(row.id)
            else:
                files += 1
                size += row.size or 0
    return {"size": size, "files": files, "folders": folders, "completed": completed, "calculated_at": utcnow()}
