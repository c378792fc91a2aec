"""File API use cases (spec: files.md): list, info, create and the tree operations.

Uploads and downloads: services/transfer.py. The tree logic itself lives in fs/operations.py and
fs/listing.py; each function here is one transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import DirectLink, Entity, File, StoragePolicy
from pyreve.db.models.file import ENTITY_VERSION, FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.repos import users as user_repo
from pyreve.db.uow import reading, writing
from pyreve.errors import AppError, Code, OwnerOnly, ParamError
from pyreve.fs import activities, locks, mounts, operations, permissions, tree
from pyreve.fs import capabilities as cap
from pyreve.fs import listing as listing_mod
from pyreve.fs.metadata import validate_patches
from pyreve.fs.names import clean_name
from pyreve.fs.navigators import MyNavigator, Navigator, navigator_for, not_supported
from pyreve.fs.operations import Actor, Batch
from pyreve.fs.search import is_search, search_page
from pyreve.fs.storage import check_name_allowed, new_source
from pyreve.fs.uri import MY, FileURI
from pyreve.kit.hashid import IdType
from pyreve.kit.schedule import every
from pyreve.services import share as shares
from pyreve.services.context import Ctx, Runtime

log = logging.getLogger("pyreve.file")
IS_ADMIN, ADVANCE_DELETE = 0, 12  # group permission bits
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
    shared: bool = False  # the requester's own file with at least one share link
    folder_summary: dict[str, Any] | None = None
    permission: bytes | None = None  # file permissions the requester holds; None: all


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


def parse_uris(ctx: Ctx, texts: list[str]) -> list[FileURI]:
    """A batch of URIs: at most ``max_batched_file`` (40074), each well formed (40001)."""
    limit = ctx.rt.settings.int("max_batched_file", 3000)
    if len(texts) > limit:
        raise AppError(Code.TOO_MANY_URIS, f"Maximum allowed batch size: {limit}")
    try:
        return [FileURI.parse(text) for text in texts]
    except AppError:
        raise ParamError("unknown uri") from None


def display_name(file: File, meta: dict[str, str]) -> str:
    """Trashed entries show the last element of their original URI."""
    return operations.display_name(file, meta)


def actor(ctx: Ctx) -> Actor:
    group = ctx.user.group
    return Actor(user_id=ctx.user.id, ids=ctx.rt.ids, max_storage=group.max_storage,
                 max_walked=max(1, int(group.settings.get("max_walked_files") or 100000)),
                 trash_retention=int(group.settings.get("trash_retention") or 0), is_admin=group.can(IS_ADMIN),
                 group_id=group.id, ip=ctx.ip, user_agent=ctx.user_agent)


def subject(ctx: Ctx) -> permissions.Subject:
    return permissions.Subject(ctx.user.id, ctx.user.group.id)


def origin(ctx: Ctx) -> activities.Origin:
    return activities.Origin(ctx.user.id, ctx.ip, ctx.user_agent, ctx.correlation_id)


async def view_of(session: AsyncSession, nav: Navigator, file: File, uri: FileURI, user_id: int,
                  meta: dict[str, str] | None = None, *, who: permissions.Subject | None = None) -> FileView:
    """``who``: the requester, when the view shows the permissions they hold."""
    if meta is None:
        meta = (await repo.metadata(session, [file.id]))[file.id]
    held = await permissions.granted(session, who, file) if who is not None else None
    return FileView(file=file, uri=uri, name=display_name(file, meta), capability=nav.capabilities,
                    owned=file.owner_id == user_id, metadata=meta, permission=held)


async def group_policy(session: AsyncSession, ctx: Ctx) -> StoragePolicy | None:
    row = await session.execute(sa.text("SELECT storage_policy_id FROM groups WHERE id = :id"),
                                {"id": ctx.user.group.id})
    policy_id = row.scalar_one_or_none()
    return await session.get(StoragePolicy, policy_id) if policy_id else None


# --- listing ---------------------------------------------------------------------------------------

async def list_files(ctx: Ctx, uri_text: str, page: int, page_size: int, order_by: str, direction: str,
                     next_page_token: str) -> Listing:
    uri = parse_uri(uri_text)
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
    nav.require(cap.LIST_CHILDREN)
    settings = ctx.rt.settings
    max_page_size = settings.int("max_page_size", 2000)
    async with reading(ctx.rt.sessions) as session:
        folder: File | None = None
        if nav.has_root or uri.elements:
            folder = await nav.resolve(session, uri)
            if folder.type != FOLDER:
                raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
            if folder.is_symbolic:
                raise tree.symbolic_error()
            if not nav.has_root:  # trash and shared_with_me are flat
                raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
        view = await nav.view(session, folder, ctx.user.settings)
        size = page_size or int((view or {}).get("page_size") or DEFAULT_PAGE_SIZE)
        size = max(1, min(size, max_page_size))
        order = order_by or str((view or {}).get("order") or "")
        direction = direction or str((view or {}).get("order_direction") or "")
        desc = direction == "desc"
        if view is not None:
            view = {**view, "page_size": size}
            view.update({k: v for k, v in (("order", order), ("order_direction", direction)) if v})
        searching = is_search(uri) and not nav.single_file
        listing = Listing(files=[], parent=None, pagination={}, capability=nav.capabilities,
                          max_page_size=max_page_size, searching=searching, fs=uri.fs,
                          policy=await upload_policy(session, ctx, nav, folder), view=view)
        who = subject(ctx)
        if folder is not None:
            held = await permissions.require(session, who, folder, permissions.READ)
            listing.parent = await view_of(session, nav, folder, uri.without_query(), ctx.user.id)
            listing.parent.permission = held
        if searching:
            category = uri.query_values("category")
            category_query = settings.str(f"explorer_category_{category[0]}_query") if category else None
            if category and not category_query:
                raise ParamError("Unknown category")
            rows, next_token, limited = await search_page(
                session, nav, folder, uri, size, next_page_token, order=order, desc=desc,
                category_query=category_query, max_folders=settings.int("max_recursive_searched_folder", 65535))
            listing.recursion_limit_reached = limited
            listing.pagination = {"page": 0, "page_size": size, "next_token": next_token, "is_cursor": True}
            hit_uris = await listing_mod.search_hit_uris(session, nav, uri, folder, rows)
            held_by = {r.id: await permissions.granted(session, who, r) for r in rows}
            rows = [r for r in rows if permissions.allows(held_by[r.id], permissions.READ)]
            metas = await repo.metadata(session, [r.id for r in rows])
            listing.files = [await view_of(session, nav, r, hit_uris[r.id], ctx.user.id, metas[r.id]) for r in rows]
            for hit in listing.files:
                hit.permission = held_by[hit.file.id]
            await shares.mark_shared(session, ctx.user.id, listing.files)
            return listing
        where = nav.children_filter(folder)
        if nav.single_file:
            listing.extra["single_file_view"] = True
        if settings.bool("use_cursor_pagination") or next_page_token:
            rows, next_token = await listing_mod.cursor_page(session, ctx.rt.ids, where, order, desc, size,
                                                             next_page_token)
            listing.pagination = {"page": 0, "page_size": size, "next_token": next_token, "is_cursor": True}
        else:
            rows, total = await listing_mod.offset_page(session, where, order, desc, max(page, 0), size)
            listing.pagination = {"page": max(page, 0), "page_size": size, "total_items": total}
        metas = await repo.metadata(session, [r.id for r in rows])
        base = uri.without_query()
        listing.files = [await view_of(session, nav, r, nav.child_uri(base, r), ctx.user.id, metas[r.id])
                         for r in rows]
        held_by = await permissions.granted_children(session, who, folder, rows)
        for child in listing.files:
            child.permission = held_by[child.file.id]
        await shares.mark_shared(session, ctx.user.id, [*listing.files, listing.parent])
        return listing


async def upload_policy(session: AsyncSession, ctx: Ctx, nav: Navigator, folder: File | None
                        ) -> StoragePolicy | None:
    """The policy new uploads into ``folder`` would use: the nearest mount, else the group's."""
    if isinstance(nav, MyNavigator) and folder is not None:
        return (await mounts.preferred(session, folder, ctx.user.group.id)).policy
    return await group_policy(session, ctx) if nav.has_root else None


# --- info ------------------------------------------------------------------------------------------

async def resolve_owned(ctx: Ctx, session: AsyncSession, uri: FileURI, *bits: int) -> tuple[Navigator, File]:
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
    nav.require(*bits)
    file = await nav.resolve(session, uri)
    return nav, file


async def owner_uri(ctx: Ctx, session: AsyncSession, file: File) -> FileURI:
    return await operations.owner_uri(session, file)


async def info(ctx: Ctx, uri_text: str, file_id: str, extended: bool, folder_summary: bool,
               site: str = "") -> FileView:
    """``site``: the base URL the requester uses (for links in the extended info)."""
    async with reading(ctx.rt.sessions) as session:
        if uri_text:
            uri = parse_uri(uri_text)
            nav, file = await resolve_owned(ctx, session, uri, cap.INFO)
            uri = uri.without_query()
        elif file_id:
            found = await repo.by_id(session, ctx.rt.ids.decode(file_id, IdType.FILE))
            if found is None:
                raise AppError(Code.FILE_NOT_FOUND, "File not found")
            if found.owner_id != ctx.user.id and not ctx.user.group.can(IS_ADMIN):
                raise OwnerOnly()
            file = found
            uri = await owner_uri(ctx, session, file)
            if found.owner_id != ctx.user.id:  # an admin: the owner's URI, which this build does not open
                uri = replace(uri, id=ctx.rt.ids.encode(found.owner_id, IdType.USER))
            nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
        else:
            raise ParamError("uri is required")
        if operations.is_root(file):
            raise operations.root_error()
        held = await permissions.require(session, subject(ctx), file, permissions.READ)
        result = await view_of(session, nav, file, uri, ctx.user.id)
        result.permission = held
        if folder_summary and file.type == FOLDER:
            if file.owner_id != ctx.user.id:
                raise OwnerOnly()
            result.folder_summary = await _folder_summary(ctx, session, file)
        await shares.mark_shared(session, ctx.user.id, [result])
        if extended:
            result.extended = await _extended(ctx, session, file)
            result.extended["site"] = site
        return result


async def _folder_summary(ctx: Ctx, session: AsyncSession, folder: File) -> dict[str, Any]:
    """Walked once per ``folder_props_timeout`` seconds (kept in the KV store)."""
    key = f"folder_summary_{folder.id}"
    cached = await ctx.rt.kv.get(key)
    if cached:
        summary = json.loads(cached)
        summary["calculated_at"] = datetime.fromisoformat(summary["calculated_at"])
        return summary  # type: ignore[no-any-return]
    limit = max(1, int(ctx.user.group.settings.get("max_walked_files") or 100000))
    summary = await listing_mod.folder_summary(session, folder, limit)
    ttl = ctx.rt.settings.int("folder_props_timeout", 300)
    if ttl > 0:
        await ctx.rt.kv.set(key, json.dumps({**summary, "calculated_at": summary["calculated_at"].isoformat()}), ttl)
    return summary


async def _extended(ctx: Ctx, session: AsyncSession, file: File) -> dict[str, Any]:
    entities = await repo.entities_of(session, file.id)
    policy = await session.get(StoragePolicy, file.storage_policy_files) if file.storage_policy_files else None
    out: dict[str, Any] = {"storage_policy": policy, "storage_used": sum(e.size for e in entities),
                           "entities": entities}
    # Each version shows the policy that stores it and who uploaded it.
    out["entity_policies"] = {policy_id: await session.get(StoragePolicy, policy_id)
                              for policy_id in {e.storage_policy_entities for e in entities}}
    out["entity_users"] = await user_repo.public_profiles(session, (e.created_by for e in entities if e.created_by))
    if file.owner_id == ctx.user.id:
        out["view"] = (file.props or {}).get("view")
        out["shares"] = await shares.of_file(ctx, session, file, display_name(
            file, (await repo.metadata(session, [file.id], public_only=False))[file.id]))
    out["storage_policy_inherited"] = False
    if file.type == FOLDER:  # where uploads into it go: its own mount, an ancestor's, or the owner's group's
        chosen = await mounts.preferred(session, file, await permissions.owner_group(session, file.owner_id) or 0)
        out["storage_policy"] = chosen.policy
        out["storage_policy_inherited"] = chosen.mounted_on is None or chosen.mounted_on.id != file.id
    if file.owner_id == ctx.user.id:
        out["direct_links"] = list((await session.execute(
            sa.select(DirectLink).where(DirectLink.file_id == file.id, DirectLink.deleted_at.is_(None))
            .order_by(DirectLink.id))).scalars())
        out["permission"] = permissions.render_setting(ctx.rt.ids, file.permissions)
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
            async with writing(ctx.rt.sessions) as session:
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
        await permissions.require(session, subject(ctx), missing.ancestor, permissions.CREATE)
        parent = await tree.make_folders(session, missing.ancestor, missing.missing, None)
    if parent.type != FOLDER:
        raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
    if parent.is_symbolic:
        raise tree.symbolic_error()
    existing = await repo.child(session, parent.id, name)
    if existing is not None:
        if err_on_conflict or existing.type != want:
            raise AppError(Code.OBJECT_EXIST, "Object existed")
        await permissions.require(session, subject(ctx), existing, permissions.READ)
        return await view_of(session, nav, existing, uri, ctx.user.id, who=subject(ctx))
    await locks.ensure_unlocked(session, ctx.user.id, [("/" + "/".join(uri.elements), False)], uri, True)
    await permissions.require(session, subject(ctx), parent, permissions.CREATE)
    policy = (await mounts.preferred(session, parent, ctx.user.group.id)).policy
    if want == FILE and policy is not None:
        check_name_allowed(policy, name)
    if "sys:shared_redirect" in metadata:
        await shares.check_shortcut(session, ctx.rt, ctx.user.id, metadata["sys:shared_redirect"])
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
    await activities.record(session, origin(ctx), activities.FILE_CREATE, file.id)
    return await view_of(session, nav, file, uri, ctx.user.id, who=subject(ctx))


# --- tree operations -------------------------------------------------------------------------------

async def rename(ctx: Ctx, uri_text: str, new_name: str) -> FileView:
    uri = parse_uri(uri_text)
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        policy = await group_policy(session, ctx)
        nav, file, new_uri = await operations.rename(session, actor(ctx), uri, new_name, policy)
        return await view_of(session, nav, file, new_uri, ctx.user.id, who=subject(ctx))


async def move(ctx: Ctx, uris: list[str], dst: str, copy: bool) -> None:
    sources = parse_uris(ctx, uris)
    try:
        destination = FileURI.parse(dst)
    except AppError:
        raise ParamError("unknown destination uri") from None
    batch = Batch()
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        await operations.move_or_copy(session, actor(ctx), sources, destination, copy, batch)
    batch.raise_if_failed()


async def delete(ctx: Ctx, uris: list[str], unlink: bool, skip_soft_delete: bool) -> None:
    targets = parse_uris(ctx, uris)
    if unlink and not ctx.user.group.can(ADVANCE_DELETE):
        raise AppError(Code.NO_PERMISSION, "advance delete permission is required")
    batch = Batch()
    who = actor(ctx)
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        if skip_soft_delete:
            found = await operations.resolve(session, who, targets, (cap.DELETE, cap.LOCK), batch,
                                             need=permissions.DELETE)
            await operations.delete_forever(session, who, found, unlink)
        else:
            found = await operations.resolve(session, who, targets, (cap.SOFT_DELETE,), batch,
                                             need=permissions.DELETE)
            await operations.soft_delete(session, who, found)
    batch.raise_if_failed()


async def restore(ctx: Ctx, uris: list[str]) -> None:
    targets = parse_uris(ctx, uris)
    batch = Batch()
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        await operations.restore(session, actor(ctx), targets, batch)
    batch.raise_if_failed()


async def empty_trash(ctx: Ctx) -> None:
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        await operations.empty_trash(session, actor(ctx))


async def patch_metadata(ctx: Ctx, uris: list[str], patches: list[dict[str, Any]]) -> None:
    targets = parse_uris(ctx, uris)
    valid = validate_patches(patches, ctx.rt.ids, ctx.rt.settings.json("emojis", {}))
    batch = Batch()
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        await operations.patch_metadata(session, actor(ctx), targets, valid, batch)
    batch.raise_if_failed()


async def patch_view(ctx: Ctx, uri_text: str, view: dict[str, Any] | None) -> None:
    """A folder's view setting; for the roots of trash and shared_with_me, the user's ``fs_view_map``."""
    uri = parse_uri(uri_text)
    if not uri.elements and uri.fs not in (MY, "share"):
        navigator_for(uri, ctx.user.id, ctx.rt.ids)
        await _update_prefs(ctx, lambda prefs: _set_fs_view(prefs, uri.fs, view))
        return
    async with writing(ctx.rt.sessions) as session:
        await _lock_tree(ctx, session)
        await operations.patch_view(session, actor(ctx), uri, view)


def _set_fs_view(prefs: dict[str, Any], fs: str, view: dict[str, Any] | None) -> None:
    views_map = dict(prefs.get("fs_view_map") or {})
    if view is None:
        views_map.pop(fs, None)
    else:
        views_map[fs] = view
    prefs["fs_view_map"] = views_map


async def pin(ctx: Ctx, uri_text: str, name: str) -> None:
    """Add a sidebar pin (``user.settings.pined``); the same URI under another name is 40004."""
    uri = str(parse_uri(uri_text))

    def add(prefs: dict[str, Any]) -> None:
        pins = list(prefs.get("pined") or [])
        for existing in pins:
            if existing.get("uri") == uri:
                if (existing.get("name") or "") != name:
                    raise AppError(Code.OBJECT_EXIST, "uri already pinned with different name")
                return
        pins.append({"uri": uri, "name": name} if name else {"uri": uri})
        prefs["pined"] = pins

    await _update_prefs(ctx, add)


async def unpin(ctx: Ctx, uri_text: str) -> None:
    uri = str(parse_uri(uri_text))

    def remove(prefs: dict[str, Any]) -> None:
        prefs["pined"] = [p for p in prefs.get("pined") or [] if p.get("uri") != uri]

    await _update_prefs(ctx, remove)


async def unlock(ctx: Ctx, tokens: list[str]) -> None:
    async with writing(ctx.rt.sessions) as session:
        await operations.unlock(session, tokens)



async def _lock_tree(ctx: Ctx, session: AsyncSession) -> None:
    """Changes to one owner's tree run one at a time (every operation here is owner-only)."""
    if not ctx.user.anonymous:
        await repo.lock_owner(session, ctx.user.id)


async def _update_prefs(ctx: Ctx, change: Any) -> None:
    async with writing(ctx.rt.sessions) as session:
        user = await user_repo.by_id(session, ctx.user.id, for_update=True)
        if user is None:
            raise AppError(Code.USER_NOT_FOUND, "User not found")
        prefs = dict(user.settings or {})
        change(prefs)
        user.settings = prefs


# --- trash expiry ----------------------------------------------------------------------------------

COLLECT_BATCH = 1000
async def collect_expired_trash(rt: Runtime) -> int:
    """Permanently delete every trash entry whose ``sys:expected_collect_time`` has passed."""
    now, after, removed = int(time.time()), 0, 0
    while True:
        async with writing(rt.sessions) as session:
            last, due = await operations.expired_trash(session, now, after, COLLECT_BATCH)
            per_owner: dict[int, list[int]] = {}
            for file_id, owner_id in due:
                per_owner.setdefault(owner_id, []).append(file_id)
            for owner_id, ids in sorted(per_owner.items()):
                removed += await operations.collect_owner(session, owner_id, ids, limit=1 << 62)
        if last is None:
            return removed
        after = last


async def run_trash_collector(rt: Runtime) -> None:
    """The ``cron_trash_bin_collect`` job, until cancelled."""
    while True:
        await asyncio.sleep(every(rt.settings.str("cron_trash_bin_collect"), 33 * 60))
        try:
            removed = await collect_expired_trash(rt)
            if removed:
                log.info("trash collector removed %d entries", removed)
        except Exception:  # the next run tries again
            log.exception("trash collector failed")
