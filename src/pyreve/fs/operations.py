"""Tree mutations: rename, move, copy, soft delete, permanent delete, restore, metadata and view props
(spec: files.md §8–9, §14, §18, §20–21).

Every operation runs inside the caller's transaction, after the owner's row is locked (so two changes
to one owner's tree never interleave). Per-item failures of a batch are collected in a :class:`Batch`
keyed by the item's canonical URI; failures that concern the whole call (destination, locks, capacity,
name clashes) raise at once and roll everything back.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import Entity, File, FileEntity, FsLock, Metadata, StoragePolicy
from pyreve.db.models.file import FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.errors import AppError, BatchError, Code, OwnerOnly
from pyreve.fs import activities, entities, locks, permissions, tree
from pyreve.fs import capabilities as cap
from pyreve.fs.names import clean_name, extension
from pyreve.fs.navigators import MyNavigator, Navigator, navigator_for, not_supported
from pyreve.fs.storage import check_name_allowed
from pyreve.fs.uri import MY, TRASH, FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import HashIds

RESTORE_URI = "sys:restore_uri"
EXPECTED_COLLECT_TIME = "sys:expected_collect_time"
UPLOAD_SESSION_ID = "sys:upload_session_id"
THUMB_DISABLED = "thumb:disabled"
BATCH = 500


@dataclass(frozen=True)
class Actor:
    """The requester and the limits of their group."""

    user_id: int
    ids: HashIds
    max_storage: int
    max_walked: int
    trash_retention: int
    is_admin: bool = False
    group_id: int = 0
    ip: str = ""
    user_agent: str = ""

    @property
    def subject(self) -> permissions.Subject:
        return permissions.Subject(self.user_id, self.group_id)

    @property
    def origin(self) -> activities.Origin:
        return activities.Origin(self.user_id, self.ip, self.user_agent)


@dataclass
class Target:
    key: str  # canonical URI as given: the key of its entry in aggregated_error
    uri: FileURI
    nav: Navigator
    file: File


@dataclass
class Batch:
    """Per-item failures of one batch call."""

    errors: dict[str, AppError] = field(default_factory=dict)

    def fail(self, key: str, err: AppError) -> None:
        self.errors.setdefault(key, err)

    def raise_if_failed(self) -> None:
        if self.errors:
            raise BatchError(dict(self.errors))


def exists_error() -> AppError:
    return AppError(Code.OBJECT_EXIST, "Object existed")


def root_error() -> AppError:
    return AppError(Code.NO_PERMISSION, "cannot operate root file")


def is_root(file: File) -> bool:
    return file.file_children is None and file.name == ""


def lock_path(uri: FileURI) -> str | None:
    """The lock-system path of a URI in the owner's tree (trash entries have none)."""
    return "/" + "/".join(uri.elements) if uri.fs == MY else None


async def check_locks(session: AsyncSession, owner_id: int, targets: Iterable[tuple[str | None, bool]]) -> None:
    paths = [(path, infinite) for path, infinite in targets if path is not None]
    if paths:
        await locks.ensure_unlocked(session, owner_id, paths, FileURI(fs=MY), reveal=True)


async def flush_names(session: AsyncSession) -> None:
    """Flush pending row changes; a name taken meanwhile becomes 40004."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise exists_error() from None


async def resolve(session: AsyncSession, actor: Actor, uris: Iterable[FileURI], bits: tuple[int, ...],
                  batch: Batch, *, allow_root: bool = False, need: int | None = None) -> list[Target]:
    """Resolve each URI for an owner-only operation; failures go to ``batch``. Duplicates are dropped.
    ``need``: the file permission each item must grant the actor."""
    out: list[Target] = []
    seen: set[int] = set()
    for uri in uris:
        key = str(uri)
        try:
            nav = navigator_for(uri, actor.user_id, actor.ids)
            nav.require(*bits)
            file = await nav.resolve(session, uri)
            if file.owner_id != actor.user_id:
                raise OwnerOnly()
            if not allow_root and is_root(file):
                raise root_error()
            if need is not None:
                await permissions.require(session, actor.subject, file, need)
        except AppError as err:
            batch.fail(key, err)
            continue
        if file.id not in seen:
            seen.add(file.id)
            out.append(Target(key, uri.without_query(), nav, file))
    return out


async def outermost(session: AsyncSession, targets: list[Target]) -> list[Target]:
    """Targets that are not below another target (deleting a folder deletes what it holds)."""
    chosen = {t.file.id for t in targets}
    out = []
    for target in targets:
        chain = await tree.ancestors(session, target.file)
        if not any(row.id in chosen for row in chain[:-1]):
            out.append(target)
    return out


# --- rename ----------------------------------------------------------------------------------------

async def rename(session: AsyncSession, actor: Actor, uri: FileURI, new_name: str,
                 policy: StoragePolicy | None) -> tuple[Navigator, File, FileURI]:
    nav = navigator_for(uri, actor.user_id, actor.ids)
    nav.require(cap.RENAME, cap.LOCK)
    file = await nav.resolve(session, uri)
    if file.owner_id != actor.user_id:
        raise OwnerOnly()
    if is_root(file):
        raise root_error()
    await permissions.require(session, actor.subject, file, permissions.UPDATE)
    name = clean_name(new_name)
    if file.type == FILE and policy is not None:
        check_name_allowed(policy, name)
    await check_locks(session, actor.user_id, [(lock_path(uri), file.type == FOLDER)])
    old = file.name
    if name != old:
        if file.file_children is not None:
            clash = await repo.child(session, file.file_children, name)
            if clash is not None and clash.id != file.id:
                raise exists_error()
        file.name = name
        await flush_names(session)
        if file.type == FILE and extension(old) != extension(name):
            await repo.delete_metadata(session, file.id, [THUMB_DISABLED])
        await activities.record(session, actor.origin, activities.FILE_RENAME, file.id, original_name=old,
                                new_name=name)
    return nav, file, uri.without_query().dir().join(name)


# --- move and copy ---------------------------------------------------------------------------------

def can_move_or_copy(src: str, dst: str, copy: bool) -> bool:
    if copy:
        return src == dst == MY
    return (src == MY and dst in (MY, TRASH)) or (src == TRASH and dst == MY)


async def _destination(session: AsyncSession, actor: Actor, dst: FileURI) -> File:
    nav = navigator_for(dst, actor.user_id, actor.ids)
    nav.require(cap.LOCK)
    destination = await nav.resolve(session, dst)
    if destination.owner_id != actor.user_id:
        raise OwnerOnly()
    if destination.type != FOLDER or destination.is_symbolic:
        raise AppError(Code.NO_PERMISSION, "destination must be a valid folder")
    await permissions.require(session, actor.subject, destination, permissions.CREATE)
    return destination


async def _sources(session: AsyncSession, actor: Actor, uris: list[FileURI], dst: FileURI, copy: bool,
                   destination: File | None, batch: Batch) -> list[Target]:
    above = {row.id for row in await tree.ancestors(session, destination)} if destination is not None else set()
    allowed = [uri for uri in uris if can_move_or_copy(uri.fs, dst.fs, copy)]
    for uri in uris:
        if not can_move_or_copy(uri.fs, dst.fs, copy):
            batch.fail(str(uri), not_supported())
    targets = []
    need = permissions.READ if copy else permissions.DELETE
    for target in await resolve(session, actor, allowed, (cap.LOCK,), batch, need=need):
        if target.file.type == FOLDER and target.file.id in above:
            batch.fail(target.key, AppError(Code.NO_PERMISSION,
                                            "cannot move or copy folder to itself or its descendant"))
            continue
        targets.append(target)
    return targets


def display_name(file: File, meta: dict[str, str]) -> str:
    restore = meta.get(RESTORE_URI)
    if file.file_children is None and file.name and restore:
        try:
            return FileURI.parse(restore).name or file.name
        except AppError:
            return file.name
    return file.name


async def _check_free_names(session: AsyncSession, destination: File, targets: list[Target],
                            names: dict[int, str], copy: bool) -> None:
    moving = set() if copy else {t.file.id for t in targets}  # a row may keep its own name when moved
    wanted = [names[t.file.id] for t in targets]
    if len(set(wanted)) != len(wanted):
        raise exists_error()
    for start in range(0, len(wanted), BATCH):
        stmt = sa.select(File.id).where(File.file_children == destination.id,
                                        File.name.in_(wanted[start:start + BATCH]))
        if any(i not in moving for i in (await session.execute(stmt)).scalars()):
            raise exists_error()


async def move_or_copy(session: AsyncSession, actor: Actor, uris: list[FileURI], dst: FileURI, copy: bool,
                       batch: Batch) -> None:
    if dst.fs == TRASH and not dst.elements and not copy:  # into the bin itself: a soft delete
        navigator_for(dst, actor.user_id, actor.ids).require(cap.LOCK)
        targets = await _sources(session, actor, uris, dst, copy, None, batch)
        await soft_delete(session, actor, targets)
        return
    destination = await _destination(session, actor, dst)
    targets = await _sources(session, actor, uris, dst, copy, destination, batch)
    if not targets:
        return
    meta = await repo.metadata(session, [t.file.id for t in targets], public_only=False)
    names = {t.file.id: t.file.name if copy else display_name(t.file, meta[t.file.id]) for t in targets}
    await _check_free_names(session, destination, targets, names, copy)
    dst_path = lock_path(dst)
    lock_targets: list[tuple[str | None, bool]] = []
    for t in targets:
        infinite = t.file.type == FOLDER
        if not copy:
            lock_targets.append((lock_path(t.uri), infinite))
        if dst_path is not None:
            lock_targets.append((dst_path.rstrip("/") + "/" + names[t.file.id], infinite))
    await check_locks(session, actor.user_id, lock_targets)
    if copy:
        await _copy(session, actor, targets, destination)
        await _record_copies(session, actor, targets, destination, dst.without_query())
        return
    for t in targets:
        t.file.file_children = destination.id
        if RESTORE_URI in meta[t.file.id]:
            t.file.name = names[t.file.id]
    await flush_names(session)
    for t in targets:
        if RESTORE_URI in meta[t.file.id]:
            await repo.delete_metadata(session, t.file.id, [RESTORE_URI, EXPECTED_COLLECT_TIME])
    await activities.record_many(session, actor.origin, [
        activities.Event(activities.MOVE_TO, t.file.id, props={
            "from": str(t.uri), "to": str(dst.without_query().join(names[t.file.id]))}) for t in targets])


async def _record_copies(session: AsyncSession, actor: Actor, targets: list[Target], destination: File,
                         dst: FileURI) -> None:
    events = []
    for t in targets:
        copied = await repo.child(session, destination.id, t.file.name)
        to = dst.join(t.file.name)
        events.append(activities.Event(activities.COPY_TO, t.file.id, props={"to": str(to)}))
        if copied is not None:
            events.append(activities.Event(activities.COPY_FROM, copied.id, props={"from": str(t.uri)}))
    await activities.record_many(session, actor.origin, events)


async def _children(session: AsyncSession, folder_ids: list[int]) -> list[File]:
    out: list[File] = []
    for start in range(0, len(folder_ids), BATCH):
        stmt = sa.select(File).where(File.file_children.in_(folder_ids[start:start + BATCH])).order_by(File.id)
        out.extend((await session.execute(stmt)).scalars())
    return out


async def _copy(session: AsyncSession, actor: Actor, targets: list[Target], destination: File) -> None:
    """Deep copy, level by level; copies link the same entities (reference count +1 each)."""
    await permissions.require(session, actor.subject, destination, permissions.CREATE)
    for t in targets:
        await permissions.require(session, actor.subject, t.file, permissions.READ)
    pairs: list[tuple[File, int]] = [(t.file, destination.id) for t in targets]
    walked = 0
    while pairs:
        walked += len(pairs)
        if walked > actor.max_walked:
            raise AppError(Code.FILE_COUNT_LIMIT_REACHED, "Too many files")
        sources = [f for f, _ in pairs]
        source_ids = [f.id for f in sources]
        links: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for start in range(0, len(source_ids), BATCH):
            stmt = (sa.select(FileEntity.file_id, Entity.id, Entity.size)
                    .join(Entity, Entity.id == FileEntity.entity_id)
                    .where(FileEntity.file_id.in_(source_ids[start:start + BATCH]),
                           Entity.upload_session_id.is_(None)))
            for file_id, entity_id, size in (await session.execute(stmt)).all():
                links[file_id].append((entity_id, size or 0))
        added = sum(size for rows in links.values() for _, size in rows)
        if not await repo.add_storage(session, actor.user_id, added, limit=actor.max_storage):
            raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity")
        copies = [File(type=f.type, name=f.name, owner_id=actor.user_id, size=f.size,
                       primary_entity=f.primary_entity, file_children=parent, is_symbolic=f.is_symbolic,
                       props=dict(f.props) if f.props else None, storage_policy_files=f.storage_policy_files,
                       permissions=f.permissions, mounted_policy_id=f.mounted_policy_id)
                  for f, parent in pairs]
        session.add_all(copies)
        await flush_names(session)
        new_id = {f.id: c.id for f, c in zip(sources, copies, strict=True)}
        meta_rows: list[Metadata] = []
        for start in range(0, len(source_ids), BATCH):
            meta_stmt = sa.select(Metadata).where(Metadata.file_id.in_(source_ids[start:start + BATCH]),
                                                  Metadata.name != UPLOAD_SESSION_ID)
            meta_rows.extend((await session.execute(meta_stmt)).scalars())
        now = utcnow()
        if meta_rows:
            await session.execute(sa.insert(Metadata), [
                {"file_id": new_id[m.file_id], "name": m.name, "value": m.value, "is_public": m.is_public,
                 "created_at": now, "updated_at": now} for m in meta_rows])
        per_entity: dict[int, int] = defaultdict(int)
        link_rows = []
        for file_id, rows in links.items():
            for entity_id, _ in rows:
                per_entity[entity_id] += 1
                link_rows.append({"file_id": new_id[file_id], "entity_id": entity_id})
        if link_rows:
            await session.execute(sa.insert(FileEntity), link_rows)
        for entity_id, count in per_entity.items():
            await session.execute(sa.update(Entity).where(Entity.id == entity_id)
                                  .values(reference_count=Entity.reference_count + count))
        folders = [f.id for f in sources if f.type == FOLDER and not f.is_symbolic]
        pairs = [(child, new_id[child.file_children]) for child in await _children(session, folders)
                 if child.file_children is not None]


# --- delete and restore ----------------------------------------------------------------------------

async def soft_delete(session: AsyncSession, actor: Actor, targets: list[Target]) -> None:
    """Into the trash bin: a parent-less row with a random name and the metadata to restore it."""
    targets = await outermost(session, targets)
    if not targets:
        return
    for t in targets:
        await permissions.require(session, actor.subject, t.file, permissions.DELETE)
    await check_locks(session, actor.user_id, [(lock_path(t.uri), t.file.type == FOLDER) for t in targets])
    collect_at = str(int(time.time()) + actor.trash_retention)
    for t in targets:
        restore = FileURI(fs=MY).join(*t.uri.elements) if t.uri.fs == MY else await owner_uri(session, t.file)
        t.file.name = str(uuid.uuid4())
        t.file.file_children = None
        await session.flush()
        await repo.set_metadata(session, t.file.id, {RESTORE_URI: str(restore), EXPECTED_COLLECT_TIME: collect_at},
                                public=True)
        await activities.record_many(session, actor.origin, [
            activities.Event(activities.MOVE_TO_TRASH, t.file.id, props={"from": str(restore)})])


async def delete_forever(session: AsyncSession, actor: Actor, targets: list[Target], unlink_only: bool) -> None:
    targets = await outermost(session, targets)
    if not targets:
        return
    for t in targets:
        await permissions.require(session, actor.subject, t.file, permissions.DELETE)
    await check_locks(session, actor.user_id, [(lock_path(t.uri), t.file.type == FOLDER) for t in targets])
    await activities.record_many(session, actor.origin, [
        activities.Event(activities.DELETE_FILE, t.file.id, props={"uri": str(t.uri)}) for t in targets])
    await entities.delete_permanently(session, [t.file for t in targets], actor.max_walked, unlink_only)


async def restore_one(session: AsyncSession, actor: Actor, target: Target) -> None:
    """Back to the folder recorded in ``sys:restore_uri`` (which must still exist), under the original name."""
    value = await repo.metadata_value(session, target.file.id, RESTORE_URI)
    if value is None:
        raise AppError(Code.NO_PERMISSION, "cannot restore file without required metadata mark")
    try:
        original = FileURI.parse(value)
    except AppError:
        raise AppError(Code.NO_PERMISSION, "invalid restore uri") from None
    if original.fs != MY or not original.elements:
        raise AppError(Code.NO_PERMISSION, "invalid restore uri")
    nav = navigator_for(original.dir(), actor.user_id, actor.ids)
    assert isinstance(nav, MyNavigator)
    destination = await nav.resolve(session, original.dir())
    if destination.type != FOLDER or destination.is_symbolic:
        raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
    name = original.name
    if await repo.child(session, destination.id, name) is not None:
        raise exists_error()
    await permissions.require(session, actor.subject, destination, permissions.CREATE)
    await check_locks(session, actor.user_id, [(lock_path(original), target.file.type == FOLDER)])
    target.file.file_children = destination.id
    target.file.name = name
    await flush_names(session)
    await repo.delete_metadata(session, target.file.id, [RESTORE_URI, EXPECTED_COLLECT_TIME])
    await activities.record_many(session, actor.origin, [
        activities.Event(activities.MOVE_TO, target.file.id, props={"from": str(target.uri), "to": str(original)})])


async def restore(session: AsyncSession, actor: Actor, uris: list[FileURI], batch: Batch) -> None:
    """Each item on its own: one that cannot go back does not keep the others in the bin."""
    for target in await resolve(session, actor, uris, (cap.RESTORE,), batch):
        try:
            async with session.begin_nested():
                await restore_one(session, actor, target)
        except AppError as err:
            batch.fail(target.key, err)


async def owner_uri(session: AsyncSession, file: File) -> FileURI:
    """Where a row is from its owner's point of view: ``cloudreve://my/…`` or ``cloudreve://trash/<entry>/…``."""
    where = await tree.locate(session, file)
    if where.in_trash:
        return FileURI(fs=TRASH).join(where.top.name, *where.elements)
    return FileURI(fs=MY).join(*where.elements)


async def trash_entries(session: AsyncSession, owner_id: int, after: int, limit: int) -> list[File]:
    stmt = (sa.select(File).where(File.owner_id == owner_id, File.file_children.is_(None), File.name != "",
                                  File.id > after).order_by(File.id).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def empty_trash(session: AsyncSession, actor: Actor) -> None:
    after = 0
    while entries := await trash_entries(session, actor.user_id, after, BATCH):
        after = entries[-1].id
        await entities.delete_permanently(session, entries, actor.max_walked)


async def expired_trash(session: AsyncSession, now: int, after: int, limit: int
                        ) -> tuple[int | None, list[tuple[int, int]]]:
    """Scan up to ``limit`` trash entries after id ``after``: the last id scanned (None when there were
    none) and the ``(file id, owner id)`` of those whose collect time is not after ``now``."""
    stmt = (sa.select(File.id, File.owner_id, Metadata.value)
            .join(Metadata, sa.and_(Metadata.file_id == File.id, Metadata.name == EXPECTED_COLLECT_TIME))
            .where(File.file_children.is_(None), File.name != "", File.id > after)
            .order_by(File.id).limit(limit))
    rows = (await session.execute(stmt)).all()
    due = []
    for file_id, owner_id, value in rows:
        try:
            if int(value) <= now:
                due.append((file_id, owner_id))
        except (TypeError, ValueError):
            continue
    return (rows[-1][0] if rows else None), due


async def collect_owner(session: AsyncSession, owner_id: int, file_ids: list[int], limit: int) -> int:
    """Permanently delete the still-present trash entries ``file_ids`` of one owner (locked first)."""
    await repo.lock_owner(session, owner_id)
    rows = list((await session.execute(
        sa.select(File).where(File.id.in_(file_ids), File.owner_id == owner_id, File.file_children.is_(None),
                              File.name != ""))).scalars())
    if rows:
        await entities.delete_permanently(session, rows, limit)
    return len(rows)


# --- metadata, props, locks ------------------------------------------------------------------------

async def patch_metadata(session: AsyncSession, actor: Actor, uris: list[FileURI], patches: list[dict[str, Any]],
                         batch: Batch) -> None:
    targets = await resolve(session, actor, uris, (cap.UPDATE_METADATA, cap.LOCK), batch, need=permissions.UPDATE)
    if not targets:
        return
    await check_locks(session, actor.user_id, [(lock_path(t.uri), False) for t in targets])
    upserts = {p["key"]: p["value"] for p in patches if not p["remove"]}
    removals = [p["key"] for p in patches if p["remove"]]
    for t in targets:
        await repo.set_metadata(session, t.file.id, upserts, public=True)
        await repo.delete_metadata(session, t.file.id, removals)
    await activities.record_many(session, actor.origin, [
        activities.Event(activities.UPDATE_METADATA, t.file.id, props={"keys": sorted([*upserts, *removals])})
        for t in targets])


async def patch_view(session: AsyncSession, actor: Actor, uri: FileURI, view: dict[str, Any] | None) -> None:
    """Save (or with None clear) a folder's own view setting in its props."""
    nav = navigator_for(uri, actor.user_id, actor.ids)
    nav.require(cap.MODIFY_PROPS, cap.LOCK)
    file = await nav.resolve(session, uri)
    if file.owner_id != actor.user_id and not actor.is_admin:
        raise OwnerOnly()
    await permissions.require(session, actor.subject, file, permissions.UPDATE)
    await check_locks(session, file.owner_id, [(lock_path(uri), False)])
    props = dict(file.props or {})
    if view is None:
        props.pop("view", None)
    else:
        props["view"] = view
    file.props = props or None
    await activities.record(session, actor.origin, activities.UPDATE_VIEW, file.id)


async def unlock(session: AsyncSession, tokens: list[str]) -> None:
    """Release every given lock token, or none when one of them is unknown (40001)."""
    wanted = set(tokens)
    if not wanted:
        return
    await locks.purge_expired(session)
    found: set[str] = set()
    listed = list(wanted)
    for start in range(0, len(listed), BATCH):
        stmt = sa.select(FsLock.token).where(FsLock.token.in_(listed[start:start + BATCH]))
        found.update((await session.execute(stmt)).scalars())
    if found != wanted:
        raise AppError(Code.PARAM_ERR, "failed to unlock file")
    for start in range(0, len(listed), BATCH):
        await locks.release(session, listed[start:start + BATCH])
