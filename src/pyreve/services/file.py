"""File API use cases: list, info, create (spec: files.md). Uploads and downloads: services/transfer.py."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import Entity, File, StoragePolicy
from pyreve.db.models.file import ENTITY_VERSION, FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.uow import unit_of_work
from pyreve.errors import AppError, Code, OwnerOnly, ParamError
from pyreve.fs import capabilities as cap
from pyreve.fs import locks, tree, views
from pyreve.fs.metadata import validate_patches
from pyreve.fs.names import clean_name
from pyreve.fs.navigators import (
    DIRECTION_OPTIONS,
    ORDER_BY_OPTIONS,
    MyNavigator,
    Navigator,
    navigator_for,
    not_supported,
)
from pyreve.fs.search import is_search, search_page
from pyreve.fs.storage import check_name_allowed, new_source
from pyreve.fs.uri import FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services.context import Ctx

DEFAULT_PAGE_SIZE = 100


@dataclass
class FileView:
    """A file row as the requester sees it (rendered by api/schemas/file.py)."""

    file: File
    uri: FileURI
    name: str
    capability: bytes | None
    owned: bool
    metadata: dict[str, str] | None
    extended: dict[str, Any] | None = None
    folder_summary: dict[str, Any] | None = None


@dataclass
class Listing:
    files: list[FileView]
    parent: FileView | None
    pagination: dict[str, Any]
    capability: bytes
    max_page_size: int
    searching: bool
    fs: str
    policy: StoragePolicy | None
    view: dict[str, Any] | None
    recursion_limit_reached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def parse_uri(text: str) -> FileURI:
    return FileURI.parse(text)


def display_name(file: File, meta: dict[str, str]) -> str:
    """Trashed entries show the last element of their original URI."""
    restore = meta.get("sys:restore_uri")
    if file.file_children is None and file.name and restore:
        try:
            return FileURI.parse(restore).name or file.name
        except AppError:
            return file.name
    return file.name


async def view_of(session: AsyncSession, nav: Navigator, file: File, uri: FileURI, user_id: int,
                  meta: dict[str, str] | None = None) -> FileView:
    if meta is None:
        meta = (await repo.metadata(session, [file.id]))[file.id]
    return FileView(file=file, uri=uri, name=display_name(file, meta), capability=nav.capabilities,
                    owned=file.owner_id == user_id, metadata=meta)


async def group_policy(session: AsyncSession, ctx: Ctx) -> StoragePolicy | None:
    row = await session.execute(sa.text("SELECT storage_policy_id FROM groups WHERE id = :id"),
                                {"id": ctx.user.group.id})
    policy_id = row.scalar_one_or_none()
    return await session.get(StoragePolicy, policy_id) if policy_id else None


# --- cursor tokens ---------------------------------------------------------------------------------

def _encode_token(ctx: Ctx, last: File | None, order: str, start_with_file: bool) -> str:
    payload: dict[str, Any] = {}
    if last is not None:
        payload["id"] = ctx.rt.ids.encode(last.id, IdType.FILE)
        if order == "name":
            payload["string"] = last.name
        elif order == "size":
            payload["int"] = last.size
        elif order == "updated_at":
            payload["time"] = last.updated_at.isoformat()
    if start_with_file:
        payload["start_with_file"] = True
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode_token(ctx: Ctx, token: str, order: str) -> tuple[tuple[Any, int] | None, bool]:
    try:
        payload = json.loads(base64.b64decode(token, validate=True))
        start_with_file = bool(payload.get("start_with_file"))
        if "id" not in payload:
            return None, start_with_file
        last_id = ctx.rt.ids.decode(str(payload["id"]), IdType.FILE)
        value: Any = last_id
        if order == "name":
            value = str(payload["string"])
        elif order == "size":
            value = int(payload["int"])
        elif order == "updated_at":
            value = datetime.fromisoformat(str(payload["time"]))
        return (value, last_id), start_with_file
    except (ValueError, KeyError, TypeError, AppError):
        raise ParamError("Invalid page token") from None


# --- listing ---------------------------------------------------------------------------------------

async def list_files(ctx: Ctx, uri_text: str, page: int, page_size: int, order_by: str, direction: str,
                     next_page_token: str) -> Listing:
    uri = parse_uri(uri_text)
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    nav.require(cap.LIST_CHILDREN)
    settings = ctx.rt.settings
    max_page_size = settings.int("max_page_size", 2000)
    if order_by and order_by not in ORDER_BY_OPTIONS:
        raise ParamError("Invalid order_by")
    if direction and direction not in DIRECTION_OPTIONS:
        raise ParamError("Invalid order_direction")
    async with unit_of_work(ctx.rt.sessions) as session:
        folder: File | None = None
        if nav.has_root or uri.elements:
            folder = await nav.resolve(session, uri)
            if folder.type != FOLDER:
                raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
            if folder.is_symbolic:
                raise tree.symbolic_error()
        view = await views.effective(session, uri.fs, folder if nav.has_root else None, ctx.user.settings)
        size = page_size or int((view or {}).get("page_size") or DEFAULT_PAGE_SIZE)
        size = max(1, min(size, max_page_size))
        order = order_by or str((view or {}).get("order") or "")
        desc = (direction or str((view or {}).get("order_direction") or "asc")) == "desc"
        searching = is_search(uri)
        listing = Listing(files=[], parent=None, pagination={}, capability=nav.capabilities,
                          max_page_size=max_page_size, searching=searching, fs=uri.fs,
                          policy=await group_policy(session, ctx) if nav.has_root else None, view=view)
        if folder is not None and nav.has_root:
            listing.parent = await view_of(session, nav, folder, uri.without_query(), ctx.user.id)
        if searching:
            category = uri.query_values("category")
            category_query = settings.str(f"explorer_category_{category[0]}_query") if category else None
            if category and not category_query:
                raise ParamError("Unknown category")
            rows, next_token, limited = await search_page(
                session, nav, folder if nav.has_root else None, uri, size, next_page_token,
                category_query=category_query, max_folders=settings.int("max_recursive_searched_folder", 65535))
            listing.recursion_limit_reached = limited
            listing.pagination = {"page": 0, "page_size": size, "next_token": next_token, "is_cursor": True}
            parent_uris = await _uris_for_search(session, nav, uri, folder, rows)
            metas = await repo.metadata(session, [r.id for r in rows])
            listing.files = [await view_of(session, nav, r, parent_uris[r.id], ctx.user.id, metas[r.id])
                             for r in rows]
            return listing
        where = nav.children_filter(folder)
        if settings.bool("use_cursor_pagination") or next_page_token:
            rows, next_token = await _cursor_page(ctx, session, where, order, desc, size, next_page_token)
            listing.pagination = {"page": 0, "page_size": size, "next_token": next_token, "is_cursor": True}
        else:
            rows, total = await _offset_page(session, where, order, desc, max(page, 0), size)
            listing.pagination = {"page": max(page, 0), "page_size": size, "total_items": total}
        metas = await repo.metadata(session, [r.id for r in rows])
        base = uri.without_query()
        listing.files = [await view_of(session, nav, r, nav.child_uri(base, r), ctx.user.id, metas[r.id])
                         for r in rows]
        return listing


async def _cursor_page(ctx: Ctx, session: AsyncSession, where: Any, order: str, desc: bool, size: int,
                       token: str) -> tuple[list[File], str | None]:
    """Folders first, then files; each phase keyset-paginated on (order column, id)."""
    after, in_files = _decode_token(ctx, token, order) if token else (None, False)
    rows: list[File] = []
    if not in_files:
        folders = await repo.page(session, [*where, File.type == FOLDER], order, desc, after, size + 1)
        if len(folders) > size:
            return folders[:size], _encode_token(ctx, folders[size - 1], order, False)
        rows, after = folders, None
    room = size - len(rows)
    files = await repo.page(session, [*where, File.type == FILE], order, desc, after, room + 1)
    if room == 0:
        return rows, _encode_token(ctx, None, order, True) if files else None
    if len(files) > room:
        rows += files[:room]
        return rows, _encode_token(ctx, rows[-1], order, True)
    return rows + files, None


async def _offset_page(session: AsyncSession, where: Any, order: str, desc: bool, page: int, size: int
                       ) -> tuple[list[File], int]:
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


async def _uris_for_search(session: AsyncSession, nav: Navigator, uri: FileURI, folder: File | None,
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


# --- info ------------------------------------------------------------------------------------------

async def resolve_owned(ctx: Ctx, session: AsyncSession, uri: FileURI, *bits: int) -> tuple[Navigator, File]:
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    nav.require(*bits)
    file = await nav.resolve(session, uri)
    return nav, file


async def owner_uri(ctx: Ctx, session: AsyncSession, file: File) -> FileURI:
    where = await tree.locate(session, file)
    if where.in_trash:
        return FileURI(fs="trash").join(where.top.name)
    return FileURI(fs="my").join(*where.elements)


async def info(ctx: Ctx, uri_text: str, file_id: str, extended: bool, folder_summary: bool) -> FileView:
    async with unit_of_work(ctx.rt.sessions) as session:
        if uri_text:
            uri = parse_uri(uri_text)
            nav, file = await resolve_owned(ctx, session, uri, cap.INFO)
            uri = uri.without_query()
        elif file_id:
            found = await repo.by_id(session, ctx.rt.ids.decode(file_id, IdType.FILE))
            if found is None:
                raise AppError(Code.FILE_NOT_FOUND, "File not found")
            if found.owner_id != ctx.user.id:
                raise OwnerOnly()
            file = found
            uri = await owner_uri(ctx, session, file)
            nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
        else:
            raise ParamError("uri is required")
        if file.file_children is None and file.name == "":
            raise AppError(Code.NO_PERMISSION, "cannot operate root file")
        result = await view_of(session, nav, file, uri, ctx.user.id)
        if folder_summary and file.type == FOLDER:
            if file.owner_id != ctx.user.id:
                raise OwnerOnly()
            result.folder_summary = await _folder_summary(ctx, session, file)
        if extended:
            result.extended = await _extended(ctx, session, file)
        return result


async def _folder_summary(ctx: Ctx, session: AsyncSession, folder: File) -> dict[str, Any]:
    limit = int(ctx.user.group.settings.get("max_walked_files") or 100000)
    size = files = folders = walked = 0
    level = [folder.id]
    completed = True
    while level:
        rows = (await session.execute(sa.select(File.id, File.type, File.size)
                                      .where(File.file_children.in_(level)))).all()
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
        if not completed:
            break
    return {"size": size, "files": files, "folders": folders, "completed": completed, "calculated_at": utcnow()}


async def _extended(ctx: Ctx, session: AsyncSession, file: File) -> dict[str, Any]:
    entities = await repo.entities_of(session, file.id)
    policy = await session.get(StoragePolicy, file.storage_policy_files) if file.storage_policy_files else None
    out: dict[str, Any] = {"storage_policy": policy, "storage_used": sum(e.size for e in entities),
                           "entities": entities}
    if file.owner_id == ctx.user.id:
        out["view"] = (file.props or {}).get("view")
        out["shares"] = []
    return out


# --- create ----------------------------------------------------------------------------------------

async def create(ctx: Ctx, uri_text: str, kind: str, metadata: dict[str, str] | None,
                 err_on_conflict: bool) -> FileView:
    uri = parse_uri(uri_text).without_query()
    if uri.is_root:
        raise AppError(Code.NO_PERMISSION, "cannot operate root file")
    name = clean_name(uri.name)
    patches = validate_patches([{"key": k, "value": v} for k, v in (metadata or {}).items()], ctx.rt.ids,
                               ctx.rt.settings.json("emojis", {}))
    public_meta = {p["key"]: p["value"] for p in patches}
    want = FOLDER if kind == "folder" else FILE
    for _attempt in range(3):
        try:
            async with unit_of_work(ctx.rt.sessions) as session:
                nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
                nav.require(cap.CREATE, cap.LOCK)
                return await _create_in(ctx, session, nav, uri, name, want, public_meta, err_on_conflict)
        except IntegrityError:
            continue  # a concurrent create won the name: the next attempt sees it
    raise AppError(Code.OBJECT_EXIST, "Object existed")


async def _create_in(ctx: Ctx, session: AsyncSession, nav: Navigator, uri: FileURI, name: str, want: int,
                     metadata: dict[str, str], err_on_conflict: bool) -> FileView:
    if not isinstance(nav, MyNavigator):
        raise not_supported()
    root = await nav.root(session)
    try:
        parent = await tree.walk(session, root, uri.dir().elements)
    except tree.PathNotFound as missing:
        if missing.ancestor is None:
            raise
        parent = await tree.make_folders(session, missing.ancestor, missing.missing, None)
    if parent.type != FOLDER:
        raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
    if parent.is_symbolic:
        raise tree.symbolic_error()
    existing = await repo.child(session, parent.id, name)
    if existing is not None:
        if err_on_conflict or existing.type != want:
            raise AppError(Code.OBJECT_EXIST, "Object existed")
        return await view_of(session, nav, existing, uri, ctx.user.id)
    await locks.ensure_unlocked(session, ctx.user.id, [("/" + "/".join(uri.elements), False)], uri, True)
    policy = await group_policy(session, ctx)
    if want == FILE and policy is not None:
        check_name_allowed(policy, name)
    file = File(type=want, name=name, owner_id=ctx.user.id, size=0, file_children=parent.id,
                is_symbolic="sys:shared_redirect" in metadata,
                storage_policy_files=policy.id if policy else None)
    session.add(file)
    await session.flush()
    if want == FILE and policy is not None:
        entity = Entity(type=ENTITY_VERSION, source=new_source(policy, ctx.user.id, uri.dir().elements, name), size=0,
                        reference_count=1, storage_policy_entities=policy.id, created_by=ctx.user.id)
        session.add(entity)
        await session.flush()
        await repo.link(session, file.id, entity.id)
        file.primary_entity = entity.id
    await repo.set_metadata(session, file.id, metadata, public=True)
    return await view_of(session, nav, file, uri, ctx.user.id)
