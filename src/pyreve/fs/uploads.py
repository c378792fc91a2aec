"""Upload sessions on the file tree (spec: upload.md): placeholders, chunk rules, completion, cancel.

A session is a row in ``upload_sessions`` (so an upload resumes after a restart), a placeholder
entity linked to the target file (``upload_session_id`` set, its size charged to the owner at once)
and an upload lock on the target path. Completion promotes the placeholder; cancel and expiry remove it.
"""

from __future__ import annotations

import logging
import secrets
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyreve.db.models import Entity, File, FileEntity, FsLock, StoragePolicy, UploadSession, User
from pyreve.db.models.file import ENTITY_LIVE_PHOTO, ENTITY_THUMBNAIL, ENTITY_VERSION, FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.errors import AppError, Code, OwnerOnly
from pyreve.fs import activities, entities, locks, mounts, permissions, tree
from pyreve.fs.names import clean_name, extension
from pyreve.fs.navigators import MyNavigator, Navigator, not_supported
from pyreve.fs.storage import check_name_allowed, check_size_allowed, new_source
from pyreve.fs.uri import FileURI
from pyreve.kit.clock import utcnow

META_SESSION = "sys:upload_session_id"
META_THUMB_DISABLED = "thumb:disabled"
UPLOAD_APPLICATION = {"type": locks.APP_UPLOAD}
ENTITY_TYPES = {"": None, "version": ENTITY_VERSION, "live_photo": ENTITY_LIVE_PHOTO}
PURGE_BATCH = 100
COMPLETION_HOOKS = "pyreve.upload_completion_hooks"
_COMPLETED = "pyreve.completed_uploads"
log = logging.getLogger("pyreve.uploads")


@dataclass(frozen=True)
class Completed:
    """Content an upload made current; told to the completion hooks once its transaction commits."""

    file_id: int
    entity_id: int
    entity_type: int
    name: str
    size: int


CompletionHook = Callable[[Completed], None]


def on_completed(factory: async_sessionmaker[AsyncSession], hook: CompletionHook, *, remove: bool = False) -> None:
    """Call ``hook`` for each completion recorded in a session from ``factory``, after that session's
    transaction has committed (never when it rolls back)."""
    hooks: list[CompletionHook] = factory.kw.setdefault("info", {}).setdefault(COMPLETION_HOOKS, [])
    if not remove:
        hooks.append(hook)
    elif hook in hooks:
        hooks.remove(hook)


def announce(session: AsyncSession, file: File, entity: Entity) -> None:
    """Queue a completion for the hooks of ``session`` (see ``on_completed``)."""
    hooks: list[CompletionHook] | None = session.info.get(COMPLETION_HOOKS)
    if not hooks:
        return
    registered = hooks
    pending: list[Completed] | None = session.info.get(_COMPLETED)
    if pending is None:
        queued: list[Completed] = []
        session.info[_COMPLETED] = pending = queued

        def committed(_: Any) -> None:
            done = list(queued)
            queued.clear()
            for item in done:
                for hook in list(registered):
                    try:
                        hook(item)
                    except Exception:
                        log.exception("upload completion hook failed")

        sa.event.listen(session.sync_session, "after_commit", committed)
        sa.event.listen(session.sync_session, "after_rollback", lambda _: queued.clear())
    pending.append(Completed(file.id, entity.id, entity.type, file.name, entity.size))


def session_expired() -> AppError:
    return AppError(Code.UPLOAD_SESSION_EXPIRED, "Upload session not exist or expired")


def lock_path(uri: FileURI) -> str:
    return "/" + "/".join(uri.elements)


@dataclass(frozen=True)
class UploadRequest:
    uri: FileURI
    size: int
    entity_type: int | None  # None: the target must not exist yet
    ttl: int  # seconds
    mime_type: str = ""
    last_modified: int | None = None  # Unix milliseconds
    metadata: dict[str, str] = field(default_factory=dict)
    previous: int | None = None  # the primary entity the client edited (stale check)
    held: frozenset[str] = frozenset()  # lock tokens the uploader holds on the target path


@dataclass(frozen=True)
class Owner:
    id: int
    max_storage: int
    group_id: int = 0


@dataclass
class Prepared:
    row: UploadSession
    file: File
    entity: Entity
    policy: StoragePolicy
    created_file: bool


@dataclass(frozen=True)
class Span:
    offset: int
    length: int
    last: bool


def chunk_span(row: UploadSession, index: int) -> Span:
    """Where chunk ``index`` goes and how long it must be (upload.md §3)."""
    if index < 0:
        raise AppError(Code.INVALID_CHUNK_INDEX, "Chunk index cannot be negative")
    if row.chunk_size == 0 and index > 0:
        raise AppError(Code.INVALID_CHUNK_INDEX, "Chunk index cannot be greater than 0")
    offset = index * row.chunk_size
    if offset > 0 and offset >= row.size:
        raise AppError(Code.INVALID_CHUNK_INDEX, "Chunk offset cannot be greater than file size")
    last = row.chunk_size == 0 or (index + 1) * row.chunk_size >= row.size
    return Span(offset, row.size - offset if last else row.chunk_size, last)


def chunk_size_of(policy: StoragePolicy) -> int:
    settings = policy.settings or {}
    if settings.get("relay"):
        return 0
    return max(0, int(settings.get("chunk_size") or 0))


def _secret(length: int = 32) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


async def prepare(session: AsyncSession, nav: Navigator, req: UploadRequest, owner: Owner,
                  policy: StoragePolicy | None) -> Prepared:
    """Validate an upload and record its placeholder, lock and session (upload.md §2 steps 2–8)."""
    if not isinstance(nav, MyNavigator):
        raise not_supported()
    uri = req.uri
    if uri.is_root:
        raise AppError(Code.OBJECT_EXIST, "Object existed")
    await repo.lock_owner(session, owner.id)  # one session per owner at a time: names and capacity stay exact
    root = await nav.root(session)
    target: File | None = None
    ancestor: File
    missing: list[str] = []
    try:
        target = await tree.walk(session, root, uri.elements)
        ancestor = target
    except tree.PathNotFound as err:
        if err.ancestor is None:
            raise
        ancestor, missing = err.ancestor, err.missing
    if ancestor.is_symbolic:
        raise tree.symbolic_error()
    if target is not None and (req.entity_type is None or target.type != FILE):
        raise AppError(Code.OBJECT_EXIST, "Object existed")
    if target is None and req.entity_type not in (None, ENTITY_VERSION):
        raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
    if ancestor.owner_id != owner.id:
        raise OwnerOnly()
    await permissions.require(session, permissions.Subject(owner.id, owner.group_id), ancestor,
                              permissions.UPDATE if target is not None else permissions.CREATE)

    token = await locks.acquire(session, owner.id, lock_path(uri), False, dict(UPLOAD_APPLICATION),
                                timedelta(seconds=req.ttl), owner_uri=uri, reveal=True, held=req.held)

    mounted = await mounts.mounted(session, ancestor, owner.group_id)
    if mounted is not None:
        policy = mounted.policy

    if policy is None:
        raise AppError(Code.POLICY_NOT_ALLOWED, "No storage policy is available")
    name = clean_name(uri.name)
    check_name_allowed(policy, name, Code.FILE_TYPE_NOT_ALLOWED)
    check_size_allowed(policy, req.size)

    sid = str(uuid.uuid4())
    if target is not None:
        file = target
        if req.previous is not None and file.primary_entity != req.previous:
            raise AppError(Code.STALE_VERSION, "File is updated during your edit")
        await _drop_stale_placeholders(session, file)
        created = False
    else:
        parent = ancestor
        if len(missing) > 1:
            parent = await tree.make_folders(session, ancestor, missing[:-1], policy.id)
        if parent.type != FOLDER:
            raise AppError(Code.PARENT_NOT_EXIST, "Path not exist")
        file = File(type=FILE, name=name, owner_id=owner.id, size=0, file_children=parent.id, is_symbolic=False,
                    storage_policy_files=policy.id)
        session.add(file)
        await session.flush()
        created = True
        await activities.record(session, activities.Origin(owner.id), activities.FILE_CREATE, file.id)

    if not await repo.add_storage(session, owner.id, req.size, limit=owner.max_storage):
        raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity")

    now = utcnow()
    entity = Entity(type=req.entity_type if req.entity_type is not None else ENTITY_VERSION,
                    source=new_source(policy, owner.id, uri.dir().elements, name), size=req.size,
                    reference_count=1, storage_policy_entities=policy.id, created_by=owner.id,
                    upload_session_id=sid)
    session.add(entity)
    await session.flush()
    await repo.link(session, file.id, entity.id)
    await repo.set_metadata(session, file.id, {META_SESSION: sid}, public=True)
    row = UploadSession(
        id=sid, owner_id=owner.id, file_id=file.id, entity_id=entity.id, policy_id=policy.id,
        uri=str(uri.without_query()), size=req.size, chunk_size=chunk_size_of(policy), entity_type=entity.type,
        mime_type=req.mime_type, callback_secret=_secret(), lock_token=token, last_modified=req.last_modified,
        props={"metadata": req.metadata, "created_file": created}, created_at=now,
        expires_at=now + timedelta(seconds=req.ttl))
    session.add(row)
    await session.flush()
    return Prepared(row=row, file=file, entity=entity, policy=policy, created_file=created)


async def _drop_stale_placeholders(session: AsyncSession, file: File) -> None:
    """Placeholders left by earlier sessions of this file (their lock is gone, or we could not be here)."""
    for entity in await repo.entities_of(session, file.id):
        if entity.upload_session_id is not None and entity.reference_count <= 1:
            await session.execute(sa.delete(UploadSession).where(UploadSession.id == entity.upload_session_id))
            await entities.unlink(session, file, entity)


async def live_session(session: AsyncSession, sid: str, owner_id: int) -> UploadSession:
    """The caller's unexpired session, or 40011."""
    row = await session.get(UploadSession, sid)
    if row is None or row.owner_id != owner_id or row.expires_at <= utcnow():
        raise session_expired()
    return row


async def _claim(session: AsyncSession, statement: sa.Delete) -> bool:
    """Run a delete; true when it removed a row (of two concurrent claims, one wins)."""
    result = cast("sa.CursorResult[Any]", await session.execute(statement))
    return bool(result.rowcount)


def version_limit(owner_settings: dict[str, Any], name: str, entity_type: int) -> int | None:
    """How many entities of ``entity_type`` a file keeps; None = unlimited."""
    if entity_type != ENTITY_VERSION or not owner_settings.get("version_retention"):
        return 1
    exts = [str(e).lower().lstrip(".") for e in owner_settings.get("version_retention_ext") or [] if e]
    if exts and extension(name) not in exts:
        return 1
    limit = int(owner_settings.get("version_retention_max") or 0)
    return limit if limit > 0 else None


async def complete(session: AsyncSession, sid: str, origin: activities.Origin | None = None) -> File:
    """Promote the placeholder of session ``sid`` (upload.md §6); the session row is consumed.
    ``origin``: who sent the last bytes (the owner by default)."""
    row = await session.get(UploadSession, sid)
    if row is None:
        raise session_expired()
    if not await _claim(session, sa.delete(UploadSession).where(UploadSession.id == sid)):
        raise session_expired()
    file = await repo.by_id(session, row.file_id)
    entity = await session.get(Entity, row.entity_id)
    if file is None or entity is None or entity.upload_session_id != sid:
        raise session_expired()
    if row.lock_token:
        held = await session.scalar(sa.select(FsLock.token).where(
            FsLock.token == row.lock_token, sa.or_(FsLock.expires_at.is_(None), FsLock.expires_at > utcnow())))
        if held is None:
            raise AppError(Code.LOCK_CONFLICT, "Lock expired")
    now = utcnow()
    entity.upload_session_id = None
    if row.last_modified and row.last_modified > 0:
        entity.updated_at = datetime.fromtimestamp(row.last_modified / 1000, UTC).replace(tzinfo=None)
    if entity.type == ENTITY_VERSION:
        file.size = entity.size
        file.primary_entity = entity.id
    file.updated_at = now
    await repo.delete_metadata(session, file.id, [META_SESSION, META_THUMB_DISABLED])
    await repo.set_metadata(session, file.id, dict((row.props or {}).get("metadata") or {}), public=True)
    await activities.record(session, origin or activities.Origin(row.owner_id),
                            activities.LIVE_PHOTO_UPLOADED if entity.type == ENTITY_LIVE_PHOTO
                            else activities.ENTITY_UPLOADED, file.id, entity_id=entity.id, size=entity.size)
    await session.flush()

    await _keep_versions(session, file, entity)
    await locks.release(session, [row.lock_token])
    announce(session, file, entity)
    return file


async def _keep_versions(session: AsyncSession, file: File, entity: Entity) -> None:
    """After ``entity`` became current: drop the versions past the owner's limit, and the thumbnails."""
    owner_settings = (await session.scalar(sa.select(User.settings).where(User.id == file.owner_id))) or {}
    keep = version_limit(owner_settings, file.name, entity.type)
    kept = 0
    for other in await repo.entities_of(session, file.id):  # newest first
        if other.upload_session_id is not None:
            continue
        if other.type == entity.type:
            kept += 1
            if keep is not None and kept > keep:
                await entities.unlink(session, file, other)
        elif other.type == ENTITY_THUMBNAIL and entity.type == ENTITY_VERSION:
            await entities.unlink(session, file, other)


@dataclass(frozen=True)
class Stored:
    file: File
    entity: Entity
    created: bool


async def store_whole(session: AsyncSession, nav: Navigator, uri: FileURI, owner: Owner, policy: StoragePolicy | None,
                      source: str, size: int, modified: datetime | None = None) -> Stored:
    """Record a whole file whose bytes are already stored at ``source`` (in ``policy``, which the
    caller chose for the folder, mounts included): a new file in an existing folder, or a new version
    of the file at ``uri``. The same rules as an upload session apply (names, permissions, policy
    limits, capacity, locks, versions kept); missing folders are not created."""
    if not isinstance(nav, MyNavigator):
        raise not_supported()
    if uri.is_root:
        raise AppError(Code.OBJECT_EXIST, "Object existed")
    await repo.lock_owner(session, owner.id)
    parent = await tree.walk(session, await nav.root(session), uri.dir().elements)
    if parent.type != FOLDER:
        raise tree.PathNotFound(None, [uri.name])
    if parent.is_symbolic:
        raise tree.symbolic_error()
    if parent.owner_id != owner.id:
        raise OwnerOnly()
    if policy is None:
        raise AppError(Code.POLICY_NOT_ALLOWED, "No storage policy is available")
    name = clean_name(uri.name)
    check_name_allowed(policy, name, Code.FILE_TYPE_NOT_ALLOWED)
    check_size_allowed(policy, size)
    await locks.ensure_unlocked(session, owner.id, [(lock_path(uri), False)], uri, True)
    file = await repo.child(session, parent.id, name)
    created = file is None
    if file is not None and file.type != FILE:
        raise AppError(Code.OBJECT_EXIST, "Object existed")
    await permissions.require(session, permissions.Subject(owner.id, owner.group_id), file or parent,
                              permissions.CREATE if created else permissions.UPDATE)
    if file is None:
        file = File(type=FILE, name=name, owner_id=owner.id, size=0, file_children=parent.id, is_symbolic=False,
                    storage_policy_files=policy.id)
        session.add(file)
        await session.flush()
        await activities.record(session, activities.Origin(owner.id), activities.FILE_CREATE, file.id)
    if not await repo.add_storage(session, owner.id, size, limit=owner.max_storage):
        raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity")
    entity = Entity(type=ENTITY_VERSION, source=source, size=size, reference_count=1,
                    storage_policy_entities=policy.id, created_by=owner.id)
    session.add(entity)
    await session.flush()
    await repo.link(session, file.id, entity.id)
    file.size = size
    file.primary_entity = entity.id
    file.updated_at = modified or utcnow()
    if not created:
        await repo.delete_metadata(session, file.id, [META_THUMB_DISABLED])
    await session.flush()
    await activities.record(session, activities.Origin(owner.id), activities.ENTITY_UPLOADED, file.id,
                            entity_id=entity.id, size=entity.size)
    if not created:  # a new file has one version, nothing to drop
        await _keep_versions(session, file, entity)
    announce(session, file, entity)
    return Stored(file, entity, created)


async def placeholder_of(session: AsyncSession, file_id: int, sid: str) -> Entity | None:
    stmt = (sa.select(Entity).join(FileEntity, FileEntity.entity_id == Entity.id)
            .where(FileEntity.file_id == file_id, Entity.upload_session_id == sid))
    return (await session.execute(stmt)).scalars().first()


async def cancel(session: AsyncSession, owner_id: int, file: File, sid: str, walk_limit: int) -> None:
    """Drop session ``sid`` of ``file`` and its placeholder (upload.md §7); idempotent."""
    row = await session.get(UploadSession, sid)
    if row is not None and (row.owner_id != owner_id or row.file_id != file.id):
        raise AppError(Code.NOT_FOUND, "Upload session not found")
    if file.owner_id != owner_id:
        raise OwnerOnly()
    await _discard(session, file, sid, row, walk_limit)


async def _discard(session: AsyncSession, file: File, sid: str, row: UploadSession | None, walk_limit: int) -> None:
    if row is not None:
        await session.execute(sa.delete(UploadSession).where(UploadSession.id == sid))
        await locks.release(session, [row.lock_token])
    if await repo.metadata_value(session, file.id, META_SESSION) in (sid, None):
        await repo.delete_metadata(session, file.id, [META_SESSION, META_THUMB_DISABLED])
    entity = await placeholder_of(session, file.id, sid)
    if entity is None:
        return
    if len(await repo.entities_of(session, file.id)) == 1:
        await entities.delete_permanently(session, [file], walk_limit)
    else:
        await entities.unlink(session, file, entity)


async def purge_expired(session: AsyncSession, walk_limit: int, batch: int = PURGE_BATCH) -> int:
    """Drop sessions past their expiry with their placeholders; safe when several workers run it."""
    now = utcnow()
    rows = list((await session.execute(sa.select(UploadSession).where(UploadSession.expires_at <= now)
                                       .order_by(UploadSession.expires_at).limit(batch))).scalars())
    purged = 0
    for row in rows:
        file = await repo.by_id(session, row.file_id)
        if not await _claim(session, sa.delete(UploadSession).where(
                UploadSession.id == row.id, UploadSession.expires_at <= now)):
            continue
        await locks.release(session, [row.lock_token])
        if file is not None:
            await _discard(session, file, row.id, None, walk_limit)
        purged += 1
    return purged
