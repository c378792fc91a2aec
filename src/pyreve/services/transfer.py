"""Moving bytes (spec: upload.md, files.md §5, §10): upload sessions and chunks, content updates,
download URLs, entity and archive downloads, and the periodic clean-up jobs.

Bytes are never moved inside a transaction: a session is recorded, the bytes are stored, then a short
transaction records the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import os
import random
import time
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.models import Entity, File, StoragePolicy
from pyreve.db.models.file import ENTITY_LIVE_PHOTO, ENTITY_THUMBNAIL, ENTITY_VERSION, FILE, FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.seed import GroupPermission
from pyreve.db.uow import writing
from pyreve.errors import AppError, BatchError, Code, ParamError
from pyreve.fs import activities, jobs, permissions, uploads
from pyreve.fs import capabilities as cap
from pyreve.fs.drivers.local import KeyOutsideRoot, LocalDriver, LongWrite, OutOfOrder, ShortWrite
from pyreve.fs.metadata import validate_patches
from pyreve.fs.navigators import ShareAccess, ShareNavigator, navigator_for
from pyreve.fs.storage import driver_for
from pyreve.fs.uri import FileURI
from pyreve.kit.hashid import IdType
from pyreve.kit.schedule import every
from pyreve.kit.signing import sign_path, verify_path
from pyreve.kit.zipstream import Member
from pyreve.services import share as shares
from pyreve.services.context import Ctx, Runtime
from pyreve.services.file import FileView, group_policy, origin, parse_uris, subject, view_of

log = logging.getLogger("pyreve.transfer")

CONTENT_PATH = "/api/v4/file/content/{id}/{speed}/{name}"
ARCHIVE_PATH = "/api/v4/file/archive/{id}/archive.zip"
ARCHIVE_KEY = "archive_"
URL_CACHE_SIZE = 10_000
POLICY_TTL = 5.0
WALK_LIMIT = 1_000_000


def secret_key(rt: Runtime) -> bytes:
    return rt.settings.str("secret_key").encode()


def _read_engine(rt: Runtime) -> AsyncEngine:
    engine: AsyncEngine | None = rt.extras.get("transfer_reader")
    if engine is None:
        engine = rt.extras["transfer_reader"] = read_only(rt.engine)
    return engine


def _reader(rt: Runtime) -> AsyncSession:
    """A session for reads only: on SQLite it takes no write lock."""
    return AsyncSession(_read_engine(rt), expire_on_commit=False)


async def policy(rt: Runtime, policy_id: int) -> StoragePolicy | None:
    """A storage policy row, cached per worker for a few seconds."""
    cache: dict[int, tuple[float, StoragePolicy | None]] = rt.extras.setdefault("transfer_policies", {})
    hit = cache.get(policy_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    async with _reader(rt) as session:
        found = await session.get(StoragePolicy, policy_id)
    cache[policy_id] = (time.monotonic() + POLICY_TTL, found)
    return found


def driver(rt: Runtime, found: StoragePolicy) -> LocalDriver:
    return driver_for(found, rt.config.data_dir)


# --- upload sessions -------------------------------------------------------------------------------

@dataclass
class NewSession:
    sid: str
    uri: str
    chunk_size: int
    expires: datetime
    policy: StoragePolicy
    callback_secret: str


def _session_ttl(rt: Runtime) -> int:
    return max(1, rt.settings.int("upload_session_timeout", 86400))


async def _prepare(ctx: Ctx, uri: FileURI, req: uploads.UploadRequest) -> uploads.Prepared:
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    nav.require(cap.UPLOAD, cap.LOCK)
    owner = uploads.Owner(ctx.user.id, ctx.user.group.max_storage, ctx.user.group.id)
    prepared: uploads.Prepared | None = None
    for _attempt in range(3):
        try:
            async with writing(ctx.rt.sessions) as session:
                prepared = await uploads.prepare(session, nav, req, owner, await group_policy(session, ctx))
            break
        except IntegrityError:
            continue  # a concurrent change took the name: the next attempt sees it
    if prepared is None:
        raise AppError(Code.OBJECT_EXIST, "Object existed")
    try:
        await driver(ctx.rt, prepared.policy).ensure_empty(prepared.entity.source)
    except (OSError, KeyOutsideRoot) as exc:
        await _discard(ctx, prepared)
        raise AppError(Code.IO_FAILED, "Failed to create placeholder file", cause=exc) from exc
    return prepared


async def _discard(ctx: Ctx, prepared: uploads.Prepared) -> None:
    """Undo a session whose bytes could not be stored ("upload failed" handling, upload.md §7)."""
    try:
        async with writing(ctx.rt.sessions) as session:
            file = await repo.by_id(session, prepared.file.id)
            if file is not None:
                await uploads.cancel(session, ctx.user.id, file, prepared.row.id, WALK_LIMIT)
        await _recycle_soon(ctx.rt)
    except Exception:
        log.exception("cannot undo upload session %s", prepared.row.id)


async def create_upload_session(ctx: Ctx, uri_text: str, size: int, policy_id: str, last_modified: int,
                                mime_type: str, metadata: dict[str, str] | None, entity_type: str) -> NewSession:
    patches = validate_patches([{"key": k, "value": v} for k, v in (metadata or {}).items()], ctx.rt.ids,
                               ctx.rt.settings.json("emojis", {}))
    uri = FileURI.parse(uri_text)
    if entity_type not in uploads.ENTITY_TYPES:
        raise ParamError("Unknown entity type")
    try:
        ctx.rt.ids.decode(policy_id, IdType.POLICY)
    except AppError:
        raise ParamError("unknown policy id") from None
    ttl = _session_ttl(ctx.rt)
    req = uploads.UploadRequest(
        uri=uri.without_query(), size=size, entity_type=uploads.ENTITY_TYPES[entity_type], ttl=ttl,
        mime_type=mime_type or mimetypes.guess_type(uri.name)[0] or "",
        last_modified=last_modified if last_modified > 0 else None,
        metadata={p["key"]: p["value"] for p in patches})
    prepared = await _prepare(ctx, uri, req)
    return NewSession(sid=prepared.row.id, uri=prepared.row.uri, chunk_size=prepared.row.chunk_size,
                      expires=prepared.row.expires_at, policy=prepared.policy,
                      callback_secret=prepared.row.callback_secret)


def _write_error(exc: Exception) -> AppError:
    if isinstance(exc, OutOfOrder):
        return AppError(Code.IO_FAILED, "Failed to upload file: size of unfinished uploaded chunks is not as expected")
    if isinstance(exc, (ShortWrite, LongWrite)):
        return AppError(Code.IO_FAILED, "Uploaded data does not match purposed size", cause=exc)
    return AppError(Code.IO_FAILED, "Failed to upload file", cause=exc)


async def upload_chunk(ctx: Ctx, sid: str, index_text: str, length: int | None, body: AsyncIterable[bytes]) -> None:
    """Store chunk ``index`` of session ``sid``; the last one completes the upload (upload.md §3)."""
    rt = ctx.rt
    async with _reader(rt) as session:
        row = await uploads.live_session(session, sid, ctx.user.id)
        entity = await session.get(Entity, row.entity_id)
    if entity is None:
        raise uploads.session_expired()
    found = await policy(rt, row.policy_id)
    if found is None or (found.type != "local" and not (found.settings or {}).get("relay")):
        raise AppError(Code.POLICY_NOT_ALLOWED, "Storage policy does not accept uploads through this server")
    try:
        index = int(index_text)
    except ValueError:
        raise ParamError("Index is not a number") from None
    span = uploads.chunk_span(row, index)
    if length is None or length != span.length:
        raise AppError(Code.INVALID_CONTENT_LENGTH, f"Invalid Content-Length (expected: {span.length})")
    store = driver(rt, found)
    try:
        await store.write_at(entity.source, span.offset, aiter(body), span.length)
    except (OutOfOrder, ShortWrite, LongWrite, KeyOutsideRoot, OSError) as exc:
        raise _write_error(exc) from exc
    finally:
        await _forget_if_abandoned(rt, store, entity)
    if span.last:
        if store.size(entity.source) != row.size:
            raise AppError(Code.IO_FAILED, "Uploaded data does not match purposed size")
        async with writing(rt.sessions) as session:
            await uploads.complete(session, sid, origin(ctx))


async def _forget_if_abandoned(rt: Runtime, store: LocalDriver, entity: Entity) -> None:
    """A chunk that landed after its session was cancelled and its blob recycled must not linger."""
    async with _reader(rt) as session:
        refs = await session.scalar(sa.select(Entity.reference_count).where(Entity.id == entity.id))
    if refs is None or refs <= 0:
        await store.delete(entity.source)


async def cancel_upload(ctx: Ctx, sid: str, uri_text: str) -> None:
    uri = FileURI.parse(uri_text)
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    async with writing(ctx.rt.sessions) as session:
        file = await nav.resolve(session, uri)
        await uploads.cancel(session, ctx.user.id, file, sid, WALK_LIMIT)
    await _recycle_soon(ctx.rt)


async def _recycle_soon(rt: Runtime) -> None:
    """Blobs of a cancelled upload go right away (in the background), not at the next scheduled run."""
    running: asyncio.Task[None] | None = rt.extras.get("transfer_recycling")
    if running is not None and not running.done():
        rt.extras["transfer_recycle_again"] = True
        return

    async def recycle() -> None:
        while True:
            rt.extras["transfer_recycle_again"] = False
            try:
                await jobs.recycle_orphans(rt.sessions, rt.config.data_dir)
            except Exception:
                log.exception("recycling orphan blobs failed")
            if not rt.extras.get("transfer_recycle_again"):
                return

    rt.extras["transfer_recycling"] = asyncio.create_task(recycle())


async def stop_background(rt: Runtime) -> None:
    running: asyncio.Task[None] | None = rt.extras.pop("transfer_recycling", None)
    if running is not None and not running.done():
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running


async def put_content(ctx: Ctx, uri_text: str, previous: str, length: int | None,
                      body: AsyncIterable[bytes], held: frozenset[str] = frozenset()) -> FileView:
    """Replace (or create) a file's content in one request (files.md §5). ``held``: lock tokens the
    writer holds on the file (an office server's WOPI lock)."""
    if length is None or length < 0:
        raise ParamError("invalid content length")
    if length > ctx.rt.settings.int("maxEditSize", 52428800):
        raise AppError(Code.FILE_TOO_LARGE, "File is too large")
    uri = FileURI.parse(uri_text).without_query()
    previous_id = None
    if previous:
        try:
            previous_id = ctx.rt.ids.decode(previous, IdType.ENTITY)
        except AppError:
            raise ParamError("Unknown version ID") from None
    req = uploads.UploadRequest(uri=uri, size=length, entity_type=ENTITY_VERSION, ttl=_session_ttl(ctx.rt),
                                mime_type=mimetypes.guess_type(uri.name)[0] or "", previous=previous_id,
                                held=held)
    prepared = await _prepare(ctx, uri, req)
    try:
        try:
            await driver(ctx.rt, prepared.policy).write_at(prepared.entity.source, 0, aiter(body), length)
        except (OutOfOrder, ShortWrite, LongWrite, KeyOutsideRoot, OSError) as exc:
            raise _write_error(exc) from exc
        async with writing(ctx.rt.sessions) as session:
            await uploads.complete(session, prepared.row.id, origin(ctx))
    except BaseException:
        await asyncio.shield(_discard(ctx, prepared))
        raise
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    async with _reader(ctx.rt) as session:
        file = await repo.by_id(session, prepared.file.id)
        if file is None:
            raise AppError(Code.FILE_NOT_FOUND, "File not found")
        return await view_of(session, nav, file, uri, ctx.user.id)


# --- download URLs ---------------------------------------------------------------------------------

@dataclass
class Urls:
    urls: list[dict[str, str]]
    expires: datetime | None


def entity_not_exist() -> AppError:
    return AppError(Code.ENTITY_NOT_EXIST, "Entity not exist")


def display_name(file: File, entity: Entity) -> str:
    if entity.type == ENTITY_THUMBNAIL:
        return f"{file.name}_thumbnail"
    if entity.type == ENTITY_LIVE_PHOTO:
        return f"{file.name}_live_photo.mov"
    return file.name


def content_url(rt: Runtime, site: str, entity_id: int, speed: int, name: str, download: bool,
                expires: int, share: str = "") -> str:
    """``share``: the hashed id of the share the URL is handed out through; it is signed with the path,
    and the content route serves only while that share still works."""
    path = CONTENT_PATH.format(id=rt.ids.encode(entity_id, IdType.ENTITY), speed=speed, name=name)
    escaped = CONTENT_PATH.format(id=rt.ids.encode(entity_id, IdType.ENTITY), speed=speed,
                                  name=quote(name, safe=""))
    url = f"{site}{escaped}?sign={quote(sign_path(secret_key(rt), _signed(path, share), expires), safe=':')}"
    if share:
        url += f"&share={share}"
    return url + "&download=true" if download else url


def _signed(path: str, share: str | None) -> str:
    return f"{path}?share={share}" if share else path


async def _pick_entity(session: AsyncSession, rt: Runtime, file: File, entity_hash: str) -> Entity:
    if file.type != FILE:
        raise entity_not_exist()
    if entity_hash:
        for candidate in await repo.entities_of(session, file.id):
            if candidate.upload_session_id is None and rt.ids.encode(candidate.id, IdType.ENTITY) == entity_hash:
                return candidate
        raise entity_not_exist()
    if not file.primary_entity:
        raise entity_not_exist()
    primary = await session.get(Entity, file.primary_entity)
    if primary is None:
        raise entity_not_exist()
    return primary


async def file_urls(ctx: Ctx, texts: list[str], *, download: bool, entity_hash: str, skip_error: bool,
                    no_cache: bool, site: str) -> Urls:
    """Signed content URLs of each file's primary (or chosen) entity (files.md §10)."""
    rt = ctx.rt
    uris = parse_uris(ctx, texts)
    ttl = max(1, rt.settings.int("entity_url_default_ttl", 3600))
    margin = rt.settings.int("entity_url_cache_margin", 600)
    speed = max(0, ctx.user.group.speed_limit)
    now = int(time.time())
    expires_at = now + ttl
    # Per worker: the same link for the same entity while it has long enough to live (files.md §10.1).
    cache: dict[tuple[int, int, str, bool, str, str], tuple[str, int]] = rt.extras.setdefault("transfer_urls", {})
    counted: list[tuple[int, str, int]] = []  # (index, key, share id): downloads of single-file shares
    out: list[dict[str, str]] = []
    failures: dict[str, AppError] = {}
    earliest: int | None = None
    issued: list[tuple[str, activities.Event]] = []
    who = subject(ctx)
    async with _reader(rt) as session:
        for uri in uris:
            key = str(uri)
            try:
                nav = navigator_for(uri, ctx.user.id, rt.ids, shares.access(ctx))
                nav.require(cap.DOWNLOAD)
                file = await nav.resolve(session, uri)
                await permissions.require(session, who, file, permissions.READ)
                entity = await _pick_entity(session, rt, file, entity_hash)
                name = display_name(file, entity)
                share = ""
                if isinstance(nav, ShareNavigator) and nav.share_id is not None and not nav.is_owner:
                    share = rt.ids.encode(nav.share_id, IdType.SHARE)
                    if nav.single_file:
                        counted.append((len(out), key, nav.share_id))
                cache_key = (entity.id, speed, name, download, site, share)
                cached = None if no_cache else cache.get(cache_key)
                if cached is not None and cached[1] - margin > now:
                    url, expires = cached
                else:
                    url = content_url(rt, site, entity.id, speed, name, download, expires_at, share)
                    expires = expires_at
                    if ttl - margin > 0:
                        if len(cache) >= URL_CACHE_SIZE:
                            cache.clear()
                        cache[cache_key] = (url, expires)
                earliest = expires if earliest is None else min(earliest, expires)
                out.append({"url": url})
                issued.append((key, activities.Event(activities.ENTITY_DOWNLOADED, file.id, entity.id)))
            except AppError as err:
                failures[key] = err
                out.append({"url": ""})
    for index, key, share_id in counted:  # each URL is one download, while any are left
        try:
            await shares.count_download(rt, share_id)
        except AppError as err:
            failures[key] = err
            out[index] = {"url": ""}
    if failures and not skip_error:
        raise BatchError(failures)
    if issued:
        async with writing(rt.sessions) as session:
            await activities.record_many(session, origin(ctx), [e for k, e in issued if k not in failures])
    return Urls(out, datetime.fromtimestamp(earliest, UTC) if earliest is not None else None)


async def archive_url(ctx: Ctx, texts: list[str], site: str) -> Urls:
    """One signed URL for a ZIP of ``texts`` built when it is fetched (files.md §10.4)."""
    rt = ctx.rt
    uris = parse_uris(ctx, texts)
    if not ctx.user.group.can(GroupPermission.ARCHIVE_DOWNLOAD):
        raise AppError(Code.GROUP_NOT_ALLOWED, "Group not allowed to download archives")
    await _check_shared(ctx, uris)
    sid = str(uuid.uuid4())
    ttl = max(1, rt.settings.int("archive_timeout", 600))
    await rt.kv.set(ARCHIVE_KEY + sid, json.dumps({"uris": [str(u) for u in uris], "requester_id": ctx.user.id}),
                    ttl)
    expires = int(time.time()) + ttl
    path = ARCHIVE_PATH.format(id=sid)
    url = f"{site}{path}?sign={quote(sign_path(secret_key(rt), path, expires), safe=':')}"
    return Urls([{"url": url}], datetime.fromtimestamp(expires, UTC))


async def _check_shared(ctx: Ctx, uris: list[FileURI]) -> None:
    """Share URIs in an archive must open for the requester now; a single-file share counts a download."""
    counted: set[int] = set()
    async with _reader(ctx.rt) as session:
        for uri in uris:
            nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
            if isinstance(nav, ShareNavigator):
                nav.require(cap.DOWNLOAD)
                await nav.resolve(session, uri)
                if nav.single_file and nav.share_id is not None and not nav.is_owner:
                    counted.add(nav.share_id)
    for share_id in sorted(counted):
        await shares.count_download(ctx.rt, share_id)


# --- serving ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Blob:
    """What a content request serves: ``path`` is None for empty entities (nothing to read)."""

    entity_hash: str
    path: Path | None
    size: int
    updated_at: datetime


def check_sign(rt: Runtime, path: str, sign: str | None) -> None:
    verify_path(secret_key(rt), path, sign)


async def check_content_sign(rt: Runtime, path: str, sign: str | None, share: str | None) -> None:
    """A content URL's signature; one handed out through a share also needs the share to still work."""
    verify_path(secret_key(rt), _signed(path, share), sign)
    if share:
        await shares.check_live(rt, share)


_ENTITY_COLUMNS = (Entity.source, Entity.size, Entity.storage_policy_entities, Entity.reference_count,
                   Entity.updated_at)


async def blob(rt: Runtime, entity_hash: str) -> Blob:
    entity_id = rt.ids.decode(entity_hash, IdType.ENTITY)
    async with _read_engine(rt).connect() as conn:
        row = (await conn.execute(sa.select(*_ENTITY_COLUMNS).where(Entity.id == entity_id))).first()
    if row is None or row.reference_count <= 0:
        raise entity_not_exist()
    if row.size == 0:
        return Blob(entity_hash, None, 0, row.updated_at)
    found = await policy(rt, row.storage_policy_entities)
    if found is None:
        raise entity_not_exist()
    try:
        path = driver(rt, found).path(row.source)
    except KeyOutsideRoot:
        raise entity_not_exist() from None
    return Blob(entity_hash, path, row.size, row.updated_at)


def media_type(rt: Runtime, name: str) -> str:
    """From the ``mime_mapping`` setting, then the platform's table."""
    raw = rt.settings.str("mime_mapping")
    cached = rt.extras.get("transfer_mime")
    if cached is None or cached[0] != raw:
        try:
            mapping = {str(k).lower(): str(v) for k, v in (json.loads(raw) or {}).items()}
        except (ValueError, AttributeError):
            mapping = {}
        cached = (raw, mapping)
        rt.extras["transfer_mime"] = cached
    _, dot, ext = name.rpartition(".")
    if dot:
        hit = cached[1].get("." + ext.lower())
        if hit:
            return hit
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


async def archive_members(rt: Runtime, sid: str) -> list[Member]:
    """The entries of an archive session, as its requester sees them (folders walked)."""
    raw = await rt.kv.get(ARCHIVE_KEY + sid)
    if raw is None:
        raise AppError(Code.NOT_FOUND, "Archive session not exist")
    stored = json.loads(raw)
    requester_id = int(stored["requester_id"])
    requester = await rt.identity.get(requester_id) if requester_id else rt.anonymous()
    if requester is None or requester.status != "active":
        raise AppError(Code.NOT_FOUND, "Requester not found")
    members: list[Member] = []
    total = 0
    who = permissions.Subject(requester.id, requester.group.id)
    async with _reader(rt) as session:
        for text in stored["uris"]:
            uri = FileURI.parse(text)
            # A share's downloads may have run out by handing out this very archive.
            nav = navigator_for(uri, requester.id, rt.ids, ShareAccess(requester.group.permissions, spent_ok=True))
            nav.require(cap.DOWNLOAD)
            top = await nav.resolve(session, uri)
            if top.file_children is None and top.name == "":
                raise AppError(Code.NO_PERMISSION, "cannot operate root file")
            await permissions.require(session, who, top, permissions.READ)
            if top.type == FOLDER:
                members.extend(await _walk(rt, session, top, who))
            else:
                members.extend(await _file_members(rt, session, [(top.name, top)]))
    total = sum(m.size for m in members)
    limit = int(requester.group.settings.get("compress_size") or 0)
    if limit and total > limit:
        raise AppError(Code.FILE_TOO_LARGE, "total size of to-be compressed file exceed group limit")
    return members


async def _walk(rt: Runtime, session: AsyncSession, top: File, who: permissions.Subject) -> list[Member]:
    """Everything below ``top`` that ``who`` may read."""
    out = [Member(top.name + "/", 0, top.updated_at)]
    prefixes = {top.id: top.name + "/"}
    settings = {top.id: await permissions.own_setting_chain(session, top)}
    level = [top.id]
    while level:
        next_level: list[int] = []
        files: list[tuple[str, File]] = []
        for start in range(0, len(level), 500):
            rows = (await session.execute(sa.select(File).where(File.file_children.in_(level[start:start + 500]))
                                          .order_by(File.id))).scalars()
            for row in rows:
                name = prefixes[row.file_children] + row.name  # type: ignore[index]
                setting = row.permissions or settings[row.file_children]  # type: ignore[index]
                if not permissions.allows(await permissions.evaluate(session, who, row.owner_id, setting),
                                          permissions.READ):
                    continue
                if row.type == FOLDER:
                    if row.is_symbolic:
                        continue
                    settings[row.id] = setting
                    prefixes[row.id] = name + "/"
                    out.append(Member(name + "/", 0, row.updated_at))
                    next_level.append(row.id)
                else:
                    files.append((name, row))
        out.extend(await _file_members(rt, session, files))
        level = next_level
    return out


async def _file_members(rt: Runtime, session: AsyncSession, files: list[tuple[str, File]]) -> list[Member]:
    ids = [f.primary_entity for _, f in files if f.primary_entity]
    found: dict[int, Entity] = {}
    for start in range(0, len(ids), 500):
        rows = (await session.execute(sa.select(Entity).where(Entity.id.in_(ids[start:start + 500])))).scalars()
        found.update({e.id: e for e in rows})
    out = []
    for name, file in files:
        entity = found.get(file.primary_entity or 0)
        if entity is None:
            continue  # nothing stored yet (an upload in progress): skipped, as the reference does
        path = None
        if entity.size:
            owner_policy = await policy(rt, entity.storage_policy_entities)
            if owner_policy is None:
                continue
            path = driver(rt, owner_policy).path(entity.source)
        out.append(Member(name, entity.size, file.updated_at, path))
    return out


# --- periodic jobs ---------------------------------------------------------------------------------

async def periodic_jobs(rt: Runtime) -> None:
    """Recycle orphan blobs and purge expired upload sessions and locks, forever (cancel to stop)."""
    next_recycle = next_purge = time.monotonic() + random.uniform(0.5, 2.0)
    while True:
        now = time.monotonic()
        wait = max(0.05, min(next_recycle, next_purge) - now)
        await asyncio.sleep(min(wait, 60.0))
        now = time.monotonic()
        with contextlib.suppress(Exception):
            await rt.settings.refresh_if_stale()
        if now >= next_purge:
            try:
                await jobs.purge_uploads(rt.sessions, WALK_LIMIT)
                await jobs.purge_locks(rt.sessions)
            except Exception:
                log.exception("purging expired upload sessions failed")
            next_purge = time.monotonic() + every(rt.settings.str("cron_garbage_collect"), 1800)
        if now >= next_recycle:
            try:
                await jobs.recycle_orphans(rt.sessions, rt.config.data_dir)
            except Exception:
                log.exception("recycling orphan blobs failed")
            next_recycle = time.monotonic() + every(rt.settings.str("cron_entity_collect"), 900)



def stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def utc_timestamp(moment: datetime) -> float:
    """Unix seconds of a naive UTC (database) or aware datetime."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
