"""Search through URI query parameters (spec: file-uri.md §5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File, Metadata
from pyreve.db.models.file import FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.fs import listing
from pyreve.fs.navigators import Navigator
from pyreve.fs.uri import FileURI

SEARCH_KEYS = ("name", "type", "category", "size_gte", "size_lte", "created_gte", "created_lte", "updated_gte",
               "updated_lte")


def is_search(uri: FileURI) -> bool:
    return any(k in SEARCH_KEYS or k.startswith("meta_") for k, _ in uri.query)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_condition(keyword: str, folding: bool, dialect: str) -> sa.ColumnElement[bool]:
    if len(keyword) >= 2 and keyword.startswith('"') and keyword.endswith('"'):
        keyword, folding = keyword[1:-1], False
    elif "*" in keyword:
        pattern = "%".join(_like_escape(part) for part in keyword.split("*"))
        if not keyword.startswith("*") and not keyword.endswith("*"):
            pattern = f"%{pattern}%"
        if folding:
            return sa.func.lower(File.name).like(pattern.lower(), escape="\\")
        if dialect == "sqlite":  # SQLite's LIKE folds ASCII case: GLOB does not
            glob = "*".join(part.replace("[", "[[]").replace("?", "[?]") for part in keyword.split("*"))
            if not keyword.startswith("*") and not keyword.endswith("*"):
                glob = f"*{glob}*"
            return File.name.op("GLOB")(glob)
        return File.name.like(pattern, escape="\\")
    if folding:
        return sa.func.lower(File.name).contains(keyword.lower(), autoescape=True)
    position = sa.func.strpos if dialect == "postgresql" else sa.func.instr
    return position(File.name, keyword) > 0


def _seconds(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None


def conditions(query: Sequence[tuple[str, str]], dialect: str) -> list[sa.ColumnElement[bool]]:
    keys = {k for k, _ in query}
    values = {k: [v for kk, v in query if kk == k] for k in keys}
    out: list[sa.ColumnElement[bool]] = []
    folding = "case_folding" in keys
    names = [_name_condition(v, folding, dialect) for v in values.get("name", []) if v]
    if names:
        out.append(sa.or_(*names) if ("use_or" in keys or "name_op_or" in keys) else sa.and_(*names))
    if "type" in keys:
        kind = {"file": FILE, "folder": FOLDER}.get(values["type"][0], -1)
        out.append(File.type == kind)
    for key in keys:
        if key.startswith("meta_") and len(key) > 5:
            wanted = values[key][0]
            exists = sa.select(Metadata.id).where(Metadata.file_id == File.id, Metadata.name == key[5:],
                                                  Metadata.is_public.is_(True))
            if wanted:
                exists = exists.where(sa.func.lower(Metadata.value).contains(wanted.lower(), autoescape=True))
            out.append(exists.exists())
    if "size_gte" in keys or "size_lte" in keys:
        def bound(name: str) -> int:
            try:
                return int(values.get(name, ["0"])[0])
            except ValueError:
                return 0
        low, high = bound("size_gte"), bound("size_lte")
        out.append(File.size >= low)
        out.append(File.size <= high)
    for key, column, op in (("created_gte", File.created_at, "ge"), ("created_lte", File.created_at, "le"),
                            ("updated_gte", File.updated_at, "ge"), ("updated_lte", File.updated_at, "le")):
        if key in keys and (moment := _seconds(values[key][0])) is not None:
            out.append(column >= moment if op == "ge" else column <= moment)
    return out


async def _scope(session: AsyncSession, folder: File, max_folders: int) -> tuple[sa.ColumnElement[bool], bool]:
    """Files below ``folder``: a recursive CTE, cut at the depth where the folder budget runs out."""
    tree = sa.select(File.id.label("id"), sa.literal(0).label("depth")).where(File.id == folder.id)
    tree = tree.cte("search_tree", recursive=True)
    tree = tree.union_all(sa.select(File.id, tree.c.depth + 1)
                          .where(File.file_children == tree.c.id, File.type == FOLDER))
    per_depth = (await session.execute(sa.select(tree.c.depth, sa.func.count())
                                       .group_by(tree.c.depth).order_by(tree.c.depth))).all()
    total, limit_depth, limited = 0, None, False
    for depth, count in per_depth:
        total += count
        if total > max_folders:
            limit_depth, limited = depth, True
            break
    folders = sa.select(tree.c.id)
    if limit_depth is not None:
        folders = folders.where(tree.c.depth < limit_depth)
    return File.file_children.in_(folders), limited


async def search_page(session: AsyncSession, nav: Navigator, folder: File | None, uri: FileURI, size: int,
                      token: str, *, order: str, desc: bool, category_query: str | None, max_folders: int
                      ) -> tuple[list[File], str | None, bool]:
    """One page of hits, folders and files mixed (as Cloudreve searches), keyset-paginated on (order, id)."""
    query: Sequence[tuple[str, str]] = uri.query
    if category_query:
        query = parse_qsl(category_query, keep_blank_values=True)
    dialect = session.bind.dialect.name
    where = conditions(query, dialect)
    limited = False
    if folder is not None:
        scope, limited = await _scope(session, folder, max_folders)
        where.append(scope)
    else:
        where.extend(nav.children_filter(None))
    after, _ = listing.decode_token(nav.ids, token, order) if token else (None, False)
    rows = await repo.page(session, where, order, desc, after, size + 1)
    next_token = None
    if len(rows) > size:
        rows = rows[:size]
        next_token = listing.encode_token(nav.ids, rows[-1], order, False)
    return rows, next_token, limited
