"""WebDAV changes (spec: webdav.md): folders, whole-file PUTs, delete, copy and move, dead properties
and locks; each change is one transaction, and bytes are stored before the transaction that records them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.lean import LeanWriter, open_writer
from pyreve.db.models import File, FsLock
from pyreve.db.models.file import ENTITY_VERSION, FOLDER
from pyreve.db.repos import dav_paths
from pyreve.db.repos import files as repo
from pyreve.errors import AppError, Code
from pyreve.fs import activities, locks, mounts, operations, permissions, tree, uploads
from pyreve.fs import capabilities as cap
from pyreve.fs.drivers.local import LocalDriver, LongWrite, ShortWrite
from pyreve.fs.names import clean_name
from pyreve.fs.navigators import navigator_for
from pyreve.fs.storage import check_name_allowed, check_size_allowed, new_source
from pyreve.fs.uri import MY, FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import transfer
from pyreve.services.file import actor, group_policy
from pyreve.services.webdav import (
    CHECKSUMS,
    DEAD_PREFIX,
    Dav,
    Exists,
    Item,
    LockInfo,
    LockRow,
    Missing,
    NotAFile,
    PreconditionFailed,
    _creatable,
    _info,
    _lean,
    _live_locks,
    _owned,
    _reader,
    _writable_parent,
    _write_queue,
    _writer,
    covers,
    etag,
    is_sys_file,
    locate,
)

log = logging.getLogger("pyreve.webdav")


# --- writing ---------------------------------------------------------------------------------------

async def _tree_lock(session: AsyncSession, dav: Dav) -> None:
    await repo.lock_owner(session, dav.user_id)


async def mkcol(dav: Dav, elements: list[str]) -> None:
    if not elements:
        raise Exists()
    name = clean_name(elements[-1])
    if dav.login.disable_sys_files and is_sys_file(name):
        return
    async with _writer(dav) as session:
        await _tree_lock(session, dav)
        parent = await _writable_parent(session, dav, elements)
        await permissions.require(session, actor(dav.ctx).subject, parent.file, permissions.CREATE)
        uri = parent.uri.join(name)
        await locks.ensure_unlocked(session, dav.user_id, [(operations.lock_path(uri) or "/", False)], uri, True)
        session.add(File(type=FOLDER, name=name, owner_id=dav.user_id, size=0, file_children=parent.file.id,
                         is_symbolic=False))
        await operations.flush_names(session)


@dataclass(frozen=True)
class Written:
    created: bool
    etag: str


def _checksum_header(text: str) -> dict[str, str]:
    """``OC-Checksum: SHA1:<hex> MD5:<hex> ADLER32:<hex>`` → {algorithm: hex}."""
    out = {}
    for part in text.replace(",", " ").split():
        algorithm, sep, value = part.partition(":")
        if sep and algorithm.upper() in ("SHA1", "MD5", "ADLER32") and re.fullmatch(r"[0-9a-fA-F]+", value):
            out[algorithm.upper()] = value.lower()
    return out


class _Digests:
    """The checksums a client asked for, computed while its body streams by."""

    def __init__(self, wanted: dict[str, str]):
        import hashlib
        import zlib

        self.wanted = wanted
        # Both common digests are kept whichever the client sent, so a client comparing either finds it.
        self._hashes = {"SHA1": hashlib.sha1(), "MD5": hashlib.md5()}  # noqa: S324 - content checksums
        self._adler = 1 if "ADLER32" in wanted else None
        self._zlib = zlib

    async def wrap(self, body: AsyncIterable[bytes]) -> AsyncIterable[bytes]:
        async for chunk in body:
            for h in self._hashes.values():
                h.update(chunk)
            if self._adler is not None:
                self._adler = self._zlib.adler32(chunk, self._adler)
            yield chunk

    def verified(self) -> str:
        got = {a: h.hexdigest() for a, h in self._hashes.items()}
        if self._adler is not None:
            got["ADLER32"] = f"{self._adler:08x}"
        for algorithm, value in self.wanted.items():
            if got.get(algorithm) != value.rjust(len(got.get(algorithm, "")), "0"):
                raise AppError(Code.PARAM_ERR, f"{algorithm} checksum mismatch")
        return " ".join(f"{a}:{v}" for a, v in sorted(got.items()))


async def _plan(dav: Dav, elements: list[str], name: str) -> tuple[FileURI, Any]:
    """Where a PUT goes and which policy stores it; the errors a PUT answers before reading its body."""
    async with _reader(dav.ctx.rt) as session:
        try:
            item = await locate(session, dav, elements)
        except Missing as missing:
            parent = _creatable(dav, missing)
            uri, folder = parent.uri.join(name), parent.file
        else:
            if item.folder:
                raise Exists()
            _owned(dav, item)
            uri = item.uri
            folder = await repo.by_id(session, item.file.file_children or 0) or item.file
        if uri.fs != MY:
            raise AppError(Code.NO_PERMISSION, "Not supported action")
        navigator_for(uri, dav.user_id, dav.ctx.rt.ids).require(cap.UPLOAD)
        await locks.ensure_unlocked(session, dav.user_id, [(operations.lock_path(uri) or "/", False)], uri, True)
        return uri, (await mounts.preferred(session, folder, dav.ctx.user.group.id)).policy


POLICY_TTL = 5.0


async def _plan_lean(dav: Dav, elements: list[str]) -> tuple[FileURI, Any, bool] | None:
    """The common case of :func:`_plan` from lean reads: an unlocked file (or free name) in a plain folder
    of the caller's, no policy mounted on the way. None whenever anything else might apply."""
    reader = _lean(dav)
    if reader is None or not elements:
        return None
    uri = dav.uri(elements)
    names = uri.elements
    found = dav_paths.at_path(reader, dav.user_id, names)
    new = found is None
    if found is None:
        found = dav_paths.at_path(reader, dav.user_id, names[:-1])
        if found is None or found[1] != FOLDER:
            return None
    elif found[1] == FOLDER:
        return None
    if found[8] or found[13]:  # a shortcut or a mounted policy on the way
        return None
    path = "/" + "/".join(names)
    held = locks.submitted_tokens()
    now = utcnow().isoformat(sep=" ")
    for token, lock_path, infinite, *_ in dav_paths.live_locks(reader, dav.user_id, now):
        if token not in held and covers(LockRow(token, lock_path, bool(infinite), None, None), path):
            return None
    group = dav.ctx.user.group
    cache: dict[int, tuple[float, int | None]] = dav.ctx.rt.extras.setdefault("dav_group_policy", {})
    hit = cache.get(group.id)
    if hit is None or hit[0] < time.monotonic():
        async with _reader(dav.ctx.rt) as session:
            hit = (time.monotonic() + POLICY_TTL, await mounts.default_policy_id(session, group.id))
        cache[group.id] = hit
    policy = await transfer.policy(dav.ctx.rt, hit[1]) if hit[1] else None
    return uri, policy, new


async def _create_lean(dav: Dav, uri: FileURI, name: str, size: int, source: str, policy_id: int,
                       modified: datetime | None, sums: str) -> Written | None:
    """A new file in one short transaction on the worker's own SQLite connection: the same rows,
    checks and events as :func:`uploads.store_whole` for the plain case; None when it is not plain."""
    rt = dav.ctx.rt
    extras = rt.extras
    if "dav_writer" not in extras:
        extras["dav_writer"] = open_writer(rt.config)
    writer: LeanWriter | None = extras["dav_writer"]
    if writer is None:
        return None
    new = dav_paths.NewFile(
        owner_id=dav.user_id, parent_names=uri.dir().elements, name=name, size=size, source=source,
        policy_id=policy_id, max_storage=dav.ctx.user.group.max_storage, held=locks.submitted_tokens(),
        modified=modified, checksums=sums, ip=dav.ctx.ip, user_agent=dav.ctx.user_agent,
        events=[(activities.FILE_CREATE, False, "{}"), (activities.ENTITY_UPLOADED, True, json.dumps({"size": size}))])

    def covered(lock_path: str, infinite: bool, path: str) -> bool:
        return covers(LockRow("", lock_path, infinite, None, None), path)

    def checksum_value(entity_id: int, digests: str) -> str:
        return f"{rt.ids.encode(entity_id, IdType.ENTITY)} {digests}"

    try:
        async with _write_queue(rt):
            file_id, entity_id = await asyncio.to_thread(dav_paths.create_file, writer.connection(), new, covered,
                                                         checksum_value)
    except dav_paths.Fallback:
        return None
    except dav_paths.NoCapacity:
        raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity") from None
    if size:
        await rt.versions.bump_users([dav.user_id])  # the used storage moved, outside the ORM
    hooks = rt.sessions.kw.get("info", {}).get(uploads.COMPLETION_HOOKS) or []
    for hook in list(hooks):
        try:
            hook(uploads.Completed(file_id, entity_id, ENTITY_VERSION, name, size))
        except Exception:
            log.exception("upload completion hook failed")
    return Written(True, f'"{rt.ids.encode(entity_id, IdType.ENTITY)}"')


SMALL_BODY = 1 << 20


def _driver(rt: Any, policy: Any) -> LocalDriver:
    """The policy's driver, made once per worker (and again when the policy changes)."""
    cache: dict[tuple[int, Any], LocalDriver] = rt.extras.setdefault("dav_drivers", {})
    key = (policy.id, policy.updated_at)
    found = cache.get(key)
    if found is None:
        found = cache[key] = transfer.driver(rt, policy)
    return found


async def _read_exactly(body: AsyncIterable[bytes], length: int) -> bytes:
    data = bytearray()
    async for chunk in body:
        data += chunk
        if len(data) > length:
            raise LongWrite()
    if len(data) != length:
        raise ShortWrite()
    return bytes(data)


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


async def put(dav: Dav, elements: list[str], length: int, body: AsyncIterable[bytes],
              modified: datetime | None = None, checksum: str = "") -> Written | None:
    """Store a whole file; None when it was an OS metadata file the account ignores."""
    rt = dav.ctx.rt
    if not elements:
        raise NotAFile()
    name = clean_name(elements[-1])
    if dav.login.disable_sys_files and is_sys_file(name):
        return None
    user = dav.ctx.user
    planned = await _plan_lean(dav, elements)
    new = False
    if planned is not None:
        uri, policy, new = planned
    else:
        uri, policy = await _plan(dav, elements, name)
    if policy is None:
        raise AppError(Code.POLICY_NOT_ALLOWED, "No storage policy is available")
    check_name_allowed(policy, name, Code.FILE_TYPE_NOT_ALLOWED)
    check_size_allowed(policy, length)
    if user.storage + length > user.group.max_storage:
        raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity")
    source = new_source(policy, dav.user_id, uri.dir().elements, name)
    store = _driver(rt, policy)
    digests = _Digests(_checksum_header(checksum)) if checksum else None
    try:
        if length:
            stream = digests.wrap(body) if digests is not None else body
            if length <= SMALL_BODY:  # one block: read it, then one trip to a thread writes it
                data = await _read_exactly(stream, length)
                await asyncio.to_thread(_write_new, store.path(source), data)
            else:
                await store.write_at(source, 0, aiter(stream), length)
        sums = digests.verified() if digests is not None else ""
        if new:
            created = await _create_lean(dav, uri, name, length, source, policy.id, modified, sums)
            if created is not None:
                return created
        nav = navigator_for(uri, dav.user_id, rt.ids)
        owner = uploads.Owner(dav.user_id, user.group.max_storage, user.group.id)
        for _attempt in range(3):
            try:
                async with _writer(dav) as session:
                    stored = await uploads.store_whole(session, nav, uri, owner, policy, source, length, modified)
                    tag = etag(rt.ids, stored.file) or ""
                    if sums:
                        await repo.set_metadata(session, stored.file.id, {CHECKSUMS: f"{tag.strip(chr(34))} {sums}"},
                                                public=False)
                    elif not stored.created:
                        await repo.delete_metadata(session, stored.file.id, [CHECKSUMS])
                break
            except IntegrityError:
                continue
        else:
            raise Exists()
    except (LongWrite, ShortWrite) as exc:
        await store.delete(source)
        raise AppError(Code.INVALID_CONTENT_LENGTH, "Body does not match its length", cause=exc) from exc
    except BaseException:
        await store.delete(source)
        raise
    return Written(stored.created, tag)


async def delete(dav: Dav, elements: list[str]) -> None:
    async with _writer(dav) as session:
        await _tree_lock(session, dav)
        item = await locate(session, dav, elements)
        item.nav.require(cap.SOFT_DELETE)
        _owned(dav, item)
        if not elements or operations.is_root(item.file):
            raise AppError(Code.NO_PERMISSION, "cannot operate root file")
        await operations.soft_delete(session, actor(dav.ctx),
                                     [operations.Target(str(item.uri), item.uri, item.nav, item.file)])
        await _release_below(session, dav.user_id, item.lock_path)


async def _release_below(session: AsyncSession, owner_id: int, path: str | None) -> None:
    """Locks on a resource that is gone (deleted, or moved away) go with it."""
    if path is None:
        return
    rows = (await session.execute(sa.select(FsLock.token, FsLock.path).where(FsLock.owner_id == owner_id))).all()
    prefix = path.rstrip("/") + "/"
    gone = [token for token, lock_path in rows if lock_path == path or lock_path.startswith(prefix)]
    await locks.release(session, gone)


async def copy_or_move(dav: Dav, src: list[str], dst: list[str], *, move: bool, overwrite: bool,
                       shallow: bool) -> bool:
    """COPY or MOVE ``src`` to ``dst``; true when ``dst`` did not exist before."""
    if not dst:
        raise AppError(Code.NO_PERMISSION, "cannot operate root file")
    name = clean_name(dst[-1])
    who = actor(dav.ctx)
    async with _writer(dav) as session:
        await _tree_lock(session, dav)
        source = await locate(session, dav, src)
        source.nav.require(cap.LOCK)
        if move:
            source.nav.require(cap.RENAME)
            _owned(dav, source)
            if not src or operations.is_root(source.file):
                raise AppError(Code.NO_PERMISSION, "cannot operate root file")
        created = True
        try:
            existing = await locate(session, dav, dst)
        except Missing as missing:
            parent = _creatable(dav, missing)
        else:
            if existing.file.id == source.file.id:
                raise AppError(Code.NO_PERMISSION, "Source and destination are the same")
            if not overwrite:
                raise PreconditionFailed("Destination exists")
            existing.nav.require(cap.SOFT_DELETE)
            _owned(dav, existing)
            parent = Item(await repo.by_id(session, existing.file.file_children or 0) or existing.file,
                          existing.uri.dir(), existing.nav, dst[:-1])
            created = False
        parent.nav.require(cap.CREATE)
        _owned(dav, parent)
        if parent.uri.fs != MY:
            raise AppError(Code.NO_PERMISSION, "Not supported action")
        await permissions.require(session, who.subject, parent.file, permissions.CREATE)
        await permissions.require(session, who.subject, source.file, permissions.DELETE if move else permissions.READ)
        if source.folder:
            above = {row.id for row in await tree.ancestors(session, parent.file)}
            if source.file.id in above:
                raise AppError(Code.NO_PERMISSION, "cannot move or copy folder to itself or its descendant")
        if not source.folder:
            policy = await group_policy(session, dav.ctx)
            if policy is not None:
                check_name_allowed(policy, name)
        target_uri = parent.uri.join(name)
        check: list[tuple[str | None, bool]] = [(operations.lock_path(target_uri), source.folder)]
        if move:
            check.append((source.lock_path, source.folder))
        await operations.check_locks(session, dav.user_id, check)
        if not created:
            await operations.soft_delete(session, who, [operations.Target(str(existing.uri), existing.uri,
                                                                          existing.nav, existing.file)])
            await session.flush()
        if move:
            try:
                async with session.begin_nested():
                    await session.execute(sa.update(File).where(File.id == source.file.id).values(
                        file_children=parent.file.id, name=name, updated_at=File.updated_at))
            except IntegrityError:
                raise Exists() from None
            session.expire_all()
            await _release_below(session, dav.user_id, source.lock_path)
        else:
            await _copy(session, dav, who, source, parent.file, name, shallow)
    return created


async def _copy(session: AsyncSession, dav: Dav, who: operations.Actor, source: Item, parent: File, name: str,
                shallow: bool) -> None:
    if shallow and source.folder:  # Depth 0: the folder and its properties, not its members
        folder = File(type=FOLDER, name=name, owner_id=dav.user_id, size=0, file_children=parent.id,
                      is_symbolic=False, props=dict(source.file.props) if source.file.props else None)
        session.add(folder)
        await operations.flush_names(session)
        meta = await repo.metadata(session, [source.file.id], public_only=False)
        dead = {k: v for k, v in meta[source.file.id].items() if k.startswith(DEAD_PREFIX)}
        await repo.set_metadata(session, folder.id, dead, public=True)
        return
    # The copy takes the source's name first; a different row holding that name steps aside meanwhile.
    original = source.file.name
    quiet = {"synchronize_session": False}
    blocker = await repo.child(session, parent.id, original) if name != original else None
    if blocker is not None:
        await session.execute(sa.update(File).where(File.id == blocker.id).values(
            name=f".dav-{uuid.uuid4()}", updated_at=File.updated_at).execution_options(**quiet))
    target = operations.Target(str(source.uri), source.uri, source.nav, source.file)
    await operations._copy(session, who, [target], parent)
    if name != original:
        made = await session.scalar(sa.select(File.id).where(File.file_children == parent.id, File.name == original))
        assert made is not None
        await session.execute(sa.update(File).where(File.id == made).values(name=name).execution_options(**quiet))
        if blocker is not None:
            await session.execute(sa.update(File).where(File.id == blocker.id).values(
                name=original, updated_at=File.updated_at).execution_options(**quiet))
        session.expire_all()


# --- properties ------------------------------------------------------------------------------------

@dataclass
class PropPatch:
    """Dead-property changes in document order: (key, serialized element) to set, (key, None) to remove."""

    changes: list[tuple[str, str | None]]


async def proppatch(dav: Dav, elements: list[str], patch: PropPatch) -> None:
    async with _writer(dav) as session:
        await _tree_lock(session, dav)
        item = await locate(session, dav, elements)
        item.nav.require(cap.UPDATE_METADATA)
        _owned(dav, item)
        await permissions.require(session, actor(dav.ctx).subject, item.file, permissions.UPDATE)
        await operations.check_locks(session, dav.user_id, [(item.lock_path, False)])
        for key, value in patch.changes:
            if value is None:
                await repo.delete_metadata(session, item.file.id, [DEAD_PREFIX + key])
            else:
                await repo.set_metadata(session, item.file.id, {DEAD_PREFIX + key: value}, public=True)


async def lock(dav: Dav, elements: list[str], infinite: bool, owner: str, timeout: int | None,
               shared: bool = False) -> LockInfo:
    """A new exclusive or shared write lock; an unmapped path becomes an empty file first (201)."""
    created = False
    async with _writer(dav) as session:
        await _tree_lock(session, dav)
        try:
            item = await locate(session, dav, elements)
            uri = item.uri
        except Missing:
            parent = await _writable_parent(session, dav, elements)
            name = clean_name(elements[-1])
            uri = parent.uri.join(name)
            policy = (await mounts.preferred(session, parent.file, dav.ctx.user.group.id)).policy
            source = new_source(policy, dav.user_id, uri.dir().elements, name) if policy else ""
            whose = uploads.Owner(dav.user_id, dav.ctx.user.group.max_storage, dav.ctx.user.group.id)
            await uploads.store_whole(session, parent.nav, uri, whose, policy, source, 0)
            created = True
        else:
            item.nav.require(cap.LOCK)
        path = operations.lock_path(uri)
        if path is None:
            raise AppError(Code.NO_PERMISSION, "Not supported action")
        ttl = timedelta(seconds=timeout) if timeout is not None else None
        application = {"type": locks.APP_DAV, "owner": owner}
        token = await locks.acquire(session, dav.user_id, path, infinite, application, ttl, uri, True, shared=shared)
    return LockInfo(token, path, infinite, owner, timeout, created, shared)


async def refresh(dav: Dav, elements: list[str], tokens: list[str], timeout: int | None) -> LockInfo:
    async with _writer(dav) as session:
        item = await locate(session, dav, elements)
        path = item.lock_path
        for held in await _live_locks(session, item.file.owner_id):
            if held.token in tokens and covers(held, path):
                held.expires_at = utcnow() + timedelta(seconds=timeout) if timeout is not None else None
                await session.flush()
                return _info(held)
    raise PreconditionFailed("No matching lock")


async def unlock(dav: Dav, elements: list[str], token: str) -> None:
    async with _writer(dav) as session:
        try:
            path = (await locate(session, dav, elements)).lock_path
        except Missing:
            path = operations.lock_path(dav.uri(elements))
        found = await session.get(FsLock, token)
        if found is None or found.owner_id != dav.user_id or not covers(found, path) or (
                found.expires_at is not None and found.expires_at <= utcnow()):
            raise AppError(Code.CONFLICT, "Lock token does not match the resource")
        await locks.release(session, [token])


def mtime(value: str) -> datetime | None:
    """``X-OC-Mtime``: Unix seconds (a fraction allowed) → naive UTC."""
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not 0 <= seconds < 253402300800:
        return None
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
