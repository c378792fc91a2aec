"""WebDAV use cases (spec: webdav.md) on the file system the File API uses: one set of rules.

Each DAV request is bound to a login (user + account); paths below ``/dav`` are elements below the
account's root URI. Reads use a read-only session; each change is one transaction, and bytes are
stored before the transaction that records them.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import math
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.lean import LeanReader, open_lean, timestamp
from pyreve.db.models import Entity, File, FsLock, Metadata, User
from pyreve.db.models.file import FOLDER
from pyreve.db.repos import dav_paths
from pyreve.db.repos import files as repo
from pyreve.db.seed import GroupPermission
from pyreve.db.uow import writing
from pyreve.errors import AppError, Code, OwnerOnly
from pyreve.fs import capabilities as cap
from pyreve.fs import locks, operations, permissions, tree
from pyreve.fs.drivers.local import KeyOutsideRoot
from pyreve.fs.navigators import MyNavigator, Navigator, navigator_for
from pyreve.fs.uri import MY, FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import transfer
from pyreve.services.context import Ctx
from pyreve.services.dav_account import DavLogin
from pyreve.services.share import access as share_access

log = logging.getLogger("pyreve.webdav")
DEAD_PREFIX = "dav:"
DAV_PREFIX = "/dav"
CHECKSUMS = "sys:dav_checksums"
BATCH = 500
_SYS_FILES = re.compile(r"^(\.DS_Store|\._.*|Thumbs\.db|desktop\.ini|\.Spotlight-V100|\.Trashes|\.fseventsd)$",
                        re.IGNORECASE)


def is_sys_file(name: str) -> bool:
    return bool(_SYS_FILES.match(name))


class Missing(AppError):
    """Nothing at the path; ``parent`` is set when only the last element is missing (it could be created)."""

    def __init__(self, parent: Item | None):
        super().__init__(Code.NOT_FOUND, "Not found")
        self.parent = parent


class Exists(AppError):
    def __init__(self) -> None:
        super().__init__(Code.OBJECT_EXIST, "Object existed")


class NotAFile(AppError):
    """A file-only method on a folder (DAV: 405 Method Not Allowed)."""

    def __init__(self) -> None:
        super().__init__(Code.NO_PERMISSION, "Not a file")


class PreconditionFailed(AppError):
    def __init__(self, msg: str = "Precondition failed") -> None:
        super().__init__(Code.STALE_VERSION, msg)


class TooDeep(AppError):
    def __init__(self) -> None:
        super().__init__(Code.FILE_COUNT_LIMIT_REACHED, "Too many files")


@dataclass
class Dav:
    """One DAV request: the caller, the account's login and root."""

    ctx: Ctx
    login: DavLogin
    root: FileURI

    @property
    def user_id(self) -> int:
        return self.ctx.user.id

    def uri(self, elements: list[str]) -> FileURI:
        return self.root.join(*elements) if elements else self.root.without_query()


@dataclass(slots=True)
class Item:
    """A resource: its row, its URI where it lives, that file system's navigator, its elements below the root."""

    file: File
    uri: FileURI
    nav: Navigator
    elements: list[str]

    @property
    def folder(self) -> bool:
        return self.file.type == FOLDER

    @property
    def lock_path(self) -> str | None:
        return operations.lock_path(self.uri)


def etag(rt_ids: Any, file: Any) -> str | None:
    if file.type == FOLDER or not file.primary_entity:
        return None
    return f'"{rt_ids.encode(file.primary_entity, IdType.ENTITY)}"'


WRITER = "dav_writer"


@asynccontextmanager
async def _writer(dav: Dav) -> AsyncIterator[AsyncSession]:
    """One transaction that changes the tree. On SQLite (one writer at a time) this worker's DAV writes
    queue here first, so few of them ever wait in SQLite's busy handler, where waiters can starve."""
    rt = dav.ctx.rt
    if rt.config.database.type != "sqlite":
        async with writing(rt.sessions) as session:
            session.info[WRITER] = True
            yield session
        return
    async with _write_queue(rt), writing(rt.sessions) as session:
        session.info[WRITER] = True
        yield session


def _write_queue(rt: Any) -> WriteQueue:
    queue: WriteQueue | None = rt.extras.get("dav_write_queue")
    if queue is None:
        queue = rt.extras["dav_write_queue"] = WriteQueue(Path(str(rt.config.sqlite_path) + ".dav-write.lock"))
    return queue


class WriteQueue:
    """DAV write transactions on SQLite, one at a time across this worker (an asyncio lock) and across
    workers (a file lock, handed over the moment it is released, unlike SQLite's polling busy wait)."""

    def __init__(self, path: Path):
        self._path = path
        self._local = asyncio.Lock()
        self._fd: int | None = None

    async def __aenter__(self) -> None:
        await self._local.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.to_thread(fcntl.flock, self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._local.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _reader(rt: Any) -> AsyncSession:
    """A session for reads only (no write lock on SQLite)."""
    engine = rt.extras.get("dav_reader")
    if engine is None:
        engine = rt.extras["dav_reader"] = read_only(rt.engine)
    return AsyncSession(engine, expire_on_commit=False)


# --- resolving paths -------------------------------------------------------------------------------

async def _redirect(session: AsyncSession, dav: Dav, folder: File, rest: list[str]
                    ) -> tuple[Navigator, File, FileURI]:
    """Follow a saved-share shortcut: the rest of the path, rebased on the share it points to."""
    target_text = await repo.metadata_value(session, folder.id, "sys:shared_redirect")
    if not target_text:
        raise tree.symbolic_error()
    target = FileURI.parse(target_text).join(*rest)
    nav = navigator_for(target, dav.user_id, dav.ctx.rt.ids, share_access(dav.ctx))
    try:
        return nav, await nav.resolve(session, target), target
    except tree.PathNotFound:
        raise Missing(None) from None


async def locate(session: AsyncSession, dav: Dav, elements: list[str]) -> Item:
    """The resource at ``elements`` below the account root, or :class:`Missing`."""
    uri = dav.uri(elements)
    nav = navigator_for(uri, dav.user_id, dav.ctx.rt.ids, share_access(dav.ctx))
    if not isinstance(nav, MyNavigator):
        try:
            return Item(await nav.resolve(session, uri), uri, nav, elements)
        except tree.PathNotFound:
            raise Missing(None) from None
    current = await repo.root(session, dav.user_id)
    if current is None:  # the user's file system was never opened: its root is made now
        if session.info.get(WRITER):
            current = await tree.ensure_root(session, dav.user_id)
        else:
            async with _writer(dav) as writer:
                current = await tree.ensure_root(writer, dav.user_id)
    names = uri.elements
    skip = len(names) - len(elements)  # the account root's own elements
    for index, name in enumerate(names):
        if current.is_symbolic:
            nav2, found, target = await _redirect(session, dav, current, names[index:])
            return Item(found, target, nav2, elements)
        if current.type != FOLDER:
            raise Missing(None)
        child = await repo.child(session, current.id, name)
        if child is None:
            parent = None
            if index == len(names) - 1 and index >= skip:
                parent = Item(current, uri.dir(), nav, elements[:-1])
            raise Missing(parent)
        current = child
    return Item(current, uri, nav, elements)


def _owned(dav: Dav, item: Item) -> None:
    if item.file.owner_id != dav.user_id:
        raise OwnerOnly()


def _creatable(dav: Dav, missing: Missing) -> Item:
    """The folder a missing resource would go into: 409 (Conflict) when that does not exist either."""
    if dav.root.fs != MY:  # a share mounted as the account's root: nothing can be created in it
        raise AppError(Code.NO_PERMISSION, "Not supported action")
    if missing.parent is None or not missing.parent.folder:
        raise AppError(Code.CONFLICT, "Parent does not exist")
    parent = missing.parent
    parent.nav.require(cap.CREATE)
    _owned(dav, parent)
    return parent


async def _writable_parent(session: AsyncSession, dav: Dav, elements: list[str]) -> Item:
    """The folder a new resource at ``elements`` goes into: 409 (Conflict) when it does not exist."""
    try:
        await locate(session, dav, elements)
    except Missing as missing:
        return _creatable(dav, missing)
    raise Exists()


# --- reading ---------------------------------------------------------------------------------------

@dataclass(slots=True)
class Entry:
    """One resource of a PROPFIND answer."""

    elements: list[str]
    folder: bool
    name: str
    size: int
    created_at: datetime | str  # lean reads keep SQLite's text until a property needs it
    updated_at: datetime | str
    etag: str | None
    file_id: int
    owned: bool
    lock_path: str | None
    dead: dict[str, str] = field(default_factory=dict)
    checksums: str = ""
    href: str = ""  # when known beforehand


@dataclass
class Found:
    entries: list[Entry]
    locks: list[FsLock]
    used: int
    available: int


def _entry(dav: Dav, file: Any, elements: list[str], uri: FileURI | None) -> Entry:
    return Entry(elements=elements, folder=file.type == FOLDER, name=elements[-1] if elements else file.name,
                 size=file.size or 0, created_at=file.created_at, updated_at=file.updated_at,
                 etag=etag(dav.ctx.rt.ids, file), file_id=file.id, owned=file.owner_id == dav.user_id,
                 lock_path=operations.lock_path(uri) if uri is not None else None)


_CHILD_COLUMNS = (File.id, File.type, File.name, File.size, File.primary_entity, File.owner_id, File.created_at,
                  File.updated_at, File.is_symbolic)


def _subject(dav: Dav) -> permissions.Subject:
    return permissions.Subject(dav.ctx.user.id, dav.ctx.user.group.id)


async def propfind(dav: Dav, elements: list[str], depth: int | None, dead: bool, checksums: bool) -> Found:
    """The resource at ``elements`` and, with ``depth`` 1 or None (infinity), what is below it."""
    limit = max(1, int(dav.ctx.user.group.settings.get("max_walked_files") or 100000))
    fast = _propfind_lean(dav, elements, depth, dead, checksums, limit)
    if fast is not None:
        return fast
    async with _reader(dav.ctx.rt) as session:
        item = await locate(session, dav, elements)
        item.nav.require(cap.INFO) if not item.folder else item.nav.require(cap.LIST_CHILDREN)
        await permissions.require(session, _subject(dav), item.file, permissions.READ)
        top = _entry(dav, item.file, elements, item.uri)
        out = [top]
        if item.folder and depth != 0 and not item.file.is_symbolic:
            level: list[tuple[int, list[str], FileURI]] = [(item.file.id, elements, item.uri)]
            while level:
                next_level: list[tuple[int, list[str], FileURI]] = []
                for folder_id, base, base_uri in level:
                    where = item.nav.children_filter(await session.get(File, folder_id)) \
                        if not isinstance(item.nav, MyNavigator) else [File.file_children == folder_id]
                    rows = (await session.execute(sa.select(*_CHILD_COLUMNS).where(*where))).all()
                    for row in rows:
                        child_elements = [*base, row.name]
                        child_uri = base_uri.join(row.name) if base_uri.fs == MY else None
                        if dav.login.disable_sys_files and is_sys_file(row.name):
                            continue
                        out.append(_entry(dav, row, child_elements, child_uri))
                        if row.type == FOLDER and depth is None and not row.is_symbolic:
                            next_level.append((row.id, child_elements, child_uri or base_uri))
                    if depth is None and len(out) > limit:
                        raise TooDeep()
                level = next_level
        ids = [e.file_id for e in out]
        if dead or checksums:
            await _attach_metadata(session, out, ids, dead, checksums, dav)
        held = await _live_locks(session, item.file.owner_id) if item.uri.fs == MY else []
        used = await session.scalar(sa.select(User.storage).where(User.id == dav.user_id)) or 0
    return Found(out, held, used, max(0, dav.ctx.user.group.max_storage - used))


# --- lean reads (SQLite): the found case of GET and PROPFIND without the ORM; the rest takes the full path

def _lean(dav: Dav) -> LeanReader | None:
    """The worker's lean reader, when the database allows one and the account's root is plain ``my``."""
    extras = dav.ctx.rt.extras
    if "dav_lean" not in extras:
        extras["dav_lean"] = open_lean(dav.ctx.rt.config)
    reader: LeanReader | None = extras["dav_lean"]
    if reader is None or dav.root.fs != MY or dav.root.id:
        return None
    return reader


def close(rt: Any) -> None:
    reader = rt.extras.pop("dav_lean", None)
    if reader is not None:
        reader.close()
    queue = rt.extras.pop("dav_write_queue", None)
    if queue is not None:
        queue.close()
    writer = rt.extras.pop("dav_writer", None)
    if writer is not None:
        writer.close()


@dataclass(slots=True)
class _LeanRow:
    id: int
    type: int
    name: str
    size: int
    primary_entity: int | None
    owner_id: int
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class LockRow:
    token: str
    path: str
    depth_infinity: bool
    expires_at: datetime | None
    application: dict[str, Any] | None
    shared: bool = False


def _lean_row(row: tuple[Any, ...]) -> _LeanRow:
    return _LeanRow(row[0], row[1], row[2], row[3] or 0, row[4], row[5], timestamp(row[6]), timestamp(row[7]))


_PLAIN = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]*")


def quote_element(name: str) -> str:
    return name if _PLAIN.fullmatch(name) else quote(name, safe="!$&'()*+,;=:@")


def href_of(elements: list[str], collection: bool) -> str:
    """``/dav/<escaped elements>`` (a trailing slash for collections)."""
    path = DAV_PREFIX + "/" + "/".join(quote_element(e) for e in elements)
    if collection and not path.endswith("/"):
        path += "/"
    return path


def _propfind_lean(dav: Dav, elements: list[str], depth: int | None, dead: bool, checksums: bool,
                   limit: int) -> Found | None:
    reader = _lean(dav)
    if reader is None:
        return None
    names = dav.uri(elements).elements
    found = dav_paths.at_path(reader, dav.user_id, names)
    if found is None or found[8] or found[13]:  # missing, a shortcut, permissions or a mount: the full path
        return None
    top_path = "/" + "/".join(names)
    out = [_entry_at(dav, _lean_row(found), elements, top_path)]
    if found[1] == FOLDER and depth != 0:
        level: list[tuple[int, list[str], str]] = [(found[0], elements, top_path.rstrip("/"))]
        sys_files = dav.login.disable_sys_files
        encode, kind, me = dav.ctx.rt.ids.encode, IdType.ENTITY, dav.user_id
        while level:
            next_level: list[tuple[int, list[str], str]] = []
            for folder_id, base, base_path in level:
                prefix = href_of(base, True)
                for row in dav_paths.children(reader, folder_id):
                    file_id, kind_of, name, size, primary, owner = row[:6]
                    if sys_files and is_sys_file(name):
                        continue
                    folder = kind_of == FOLDER
                    child_path = f"{base_path}/{name}"
                    child_elements = [*base, name]
                    out.append(Entry(child_elements, folder, name, size or 0, row[6], row[7],
                                     None if folder or not primary else f'"{encode(primary, kind)}"', file_id,
                                     owner == me, child_path, href=prefix + quote_element(name) + ("/" * folder)))
                    if folder and depth is None and not row[8]:
                        next_level.append((file_id, child_elements, child_path))
                if depth is None and len(out) > limit:
                    raise TooDeep()
            level = next_level
    if dead or checksums:
        _lean_metadata(reader, out, dead, checksums)
    now = utcnow().isoformat(sep=" ")
    held = [LockRow(token, path, bool(infinite), timestamp(expires) if expires else None,
                    json.loads(app) if isinstance(app, str) else app, bool(shared))
            for token, path, infinite, expires, app, shared in dav_paths.live_locks(reader, dav.user_id, now)]
    used = dav_paths.storage(reader, dav.user_id)  # fresh: the cached identity may be a second old
    return Found(out, held, used, max(0, dav.ctx.user.group.max_storage - used))  # type: ignore[arg-type]


def _entry_at(dav: Dav, file: _LeanRow, elements: list[str], lock_path: str) -> Entry:
    return Entry(elements=elements, folder=file.type == FOLDER, name=elements[-1] if elements else file.name,
                 size=file.size, created_at=file.created_at, updated_at=file.updated_at,
                 etag=etag(dav.ctx.rt.ids, file), file_id=file.id, owned=file.owner_id == dav.user_id,
                 lock_path=lock_path)


def _lean_metadata(reader: LeanReader, out: list[Entry], dead: bool, checksums: bool) -> None:
    by_id = {e.file_id: e for e in out}
    ids = list(by_id)
    for start in range(0, len(ids), BATCH):
        for file_id, name, value in dav_paths.metadata(reader, ids[start:start + BATCH], dead, checksums):
            _apply_metadata(by_id[file_id], name, value)


def _apply_metadata(entry: Entry, name: str, value: str) -> None:
    if name == CHECKSUMS:
        current, _, sums = value.partition(" ")
        if entry.etag and entry.etag.strip('"') == current:
            entry.checksums = sums
    elif name.startswith(DEAD_PREFIX):
        entry.dead[name[len(DEAD_PREFIX):]] = value


async def _attach_metadata(session: AsyncSession, out: list[Entry], ids: list[int], dead: bool, checksums: bool,
                           dav: Dav) -> None:
    by_id = {e.file_id: e for e in out}
    conditions: list[sa.ColumnElement[bool]] = []
    if dead:
        conditions.append(Metadata.name.like(DEAD_PREFIX + "%"))
    if checksums:
        conditions.append(Metadata.name == CHECKSUMS)
    for start in range(0, len(ids), BATCH):
        stmt = sa.select(Metadata.file_id, Metadata.name, Metadata.value).where(
            Metadata.file_id.in_(ids[start:start + BATCH]), sa.or_(*conditions))
        for file_id, name, value in (await session.execute(stmt)).all():
            _apply_metadata(by_id[file_id], name, value)


async def _live_locks(session: AsyncSession, owner_id: int) -> list[FsLock]:
    return await locks.live(session, owner_id)


def covers(lock: FsLock | LockRow, path: str | None) -> bool:
    if path is None:
        return False
    return lock.path == path or (lock.depth_infinity and (
        lock.path == "/" or path.startswith(lock.path.rstrip("/") + "/")))


@dataclass(frozen=True)
class State:
    """What an If header condition is checked against."""

    exists: bool
    etag: str | None
    tokens: frozenset[str]


async def state(dav: Dav, elements: list[str]) -> State:
    async with _reader(dav.ctx.rt) as session:
        try:
            item = await locate(session, dav, elements)
        except Missing as missing:
            path = operations.lock_path(dav.uri(elements)) if missing.parent is not None else None
            owner = dav.user_id
            exists, tag = False, None
        else:
            path, owner, exists, tag = item.lock_path, item.file.owner_id, True, etag(dav.ctx.rt.ids, item.file)
        held = await _live_locks(session, owner) if path is not None else []
    return State(exists, tag, frozenset(lock.token for lock in held if covers(lock, path)))


@dataclass(frozen=True)
class Content:
    """What a GET serves: a file on disk (or nothing, for an empty file), or a URL to redirect to."""

    name: str
    size: int
    etag: str
    updated_at: datetime
    path: Path | None = None
    redirect: str = ""


async def content(dav: Dav, elements: list[str], site: Callable[[], str]) -> Content:
    """What GET serves; ``site`` gives ``scheme://host`` for a redirect (asked only when one is made)."""
    rt = dav.ctx.rt
    reader = _lean(dav)
    found = dav_paths.at_path(reader, dav.user_id, dav.uri(elements).elements) if reader is not None else None
    if found is not None and not found[8] and not found[13]:
        if found[1] == FOLDER:
            raise NotAFile()
        if found[10] is not None:
            row = _lean_row(found)
            return await _serve(dav, site, row, row.name, found[10], found[11] or 0, found[12])
    async with _reader(rt) as session:
        item = await locate(session, dav, elements)
        item.nav.require(cap.DOWNLOAD)
        file = item.file
        if file.type == FOLDER:
            raise NotAFile()
        await permissions.require(session, _subject(dav), file, permissions.READ)
        entity = await session.get(Entity, file.primary_entity) if file.primary_entity else None
    if entity is None:
        raise AppError(Code.ENTITY_NOT_EXIST, "Entity not exist")
    return await _serve(dav, site, file, file.name, entity.source, entity.size, entity.storage_policy_entities)


async def _serve(dav: Dav, site: Callable[[], str], file: Any, name: str, source: str, size: int,
                 policy_id: int) -> Content:
    rt = dav.ctx.rt
    tag = etag(rt.ids, file) or ""
    if size == 0:
        return Content(name, 0, tag, file.updated_at)
    found = await transfer.policy(rt, policy_id)
    if found is None:
        raise AppError(Code.ENTITY_NOT_EXIST, "Entity not exist")
    proxied = dav.login.proxy and dav.ctx.user.group.can(GroupPermission.WEBDAV_PROXY)
    if found.type != "local" and not proxied:  # storage that serves its own bytes: a signed URL
        ttl = max(1, rt.settings.int("entity_url_default_ttl", 3600))
        url = transfer.content_url(rt, site(), file.primary_entity, max(0, dav.ctx.user.group.speed_limit), name,
                                   False, int(time.time()) + ttl)
        return Content(name, size, tag, file.updated_at, redirect=url)
    return Content(name, size, tag, file.updated_at, path=_blob_path(rt, found, source))


PATH_CACHE = 20_000


def _blob_path(rt: Any, policy: Any, source: str) -> Path:
    """Where a blob is on disk: resolved (and checked to stay inside its root) once per worker, since
    a blob's key never changes."""
    cache: dict[tuple[int, Any, str], Path] = rt.extras.setdefault("dav_blob_paths", {})
    key = (policy.id, policy.updated_at, source)
    hit = cache.get(key)
    if hit is None:
        try:
            hit = transfer.driver(rt, policy).path(source)
        except KeyOutsideRoot:
            raise AppError(Code.ENTITY_NOT_EXIST, "Entity not exist") from None
        if len(cache) >= PATH_CACHE:
            cache.clear()
        cache[key] = hit
    return hit


def allowed_methods(dav: Dav, item: Item | None) -> list[str]:
    if item is None:
        return ["OPTIONS", "LOCK", "PUT", "MKCOL"]
    if item.file.owner_id != dav.user_id:
        return ["OPTIONS", "COPY", "PROPFIND"] + ([] if item.folder else ["GET", "HEAD", "POST"])
    out = ["OPTIONS", "DELETE", "MOVE", "COPY", "PROPFIND"]
    if not item.folder:
        out += ["GET", "HEAD", "POST"]
    out += ["LOCK", "UNLOCK", "PROPPATCH"]
    if not item.folder:
        out.append("PUT")
    return out


async def options(dav: Dav, elements: list[str]) -> list[str]:
    async with _reader(dav.ctx.rt) as session:
        try:
            item: Item | None = await locate(session, dav, elements)
        except (Missing, AppError):
            item = None
    return allowed_methods(dav, item)


# --- locks -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LockInfo:
    token: str
    path: str
    infinite: bool
    owner: str  # the client's <owner> element, serialized
    timeout: int | None  # seconds; None = infinite
    created: bool = False
    shared: bool = False


def _info(lock: FsLock | LockRow) -> LockInfo:
    app = lock.application or {}
    timeout = None
    if lock.expires_at is not None:
        timeout = max(0, math.ceil((lock.expires_at - utcnow()).total_seconds()))
    return LockInfo(lock.token, lock.path, lock.depth_infinity, str(app.get("owner") or ""), timeout,
                    shared=lock.shared)


def lock_info(lock: FsLock | LockRow) -> LockInfo:
    return _info(lock)
