"""Thumbnails (spec: files.md §4): the signed URL of a file's thumbnail entity.

A file without one gets it on its first request: the media pipeline renders it in a sandboxed child
process and the result is stored next to the version's blob as a thumbnail entity (type 1), charged
to the file's owner like any other linked entity. A file no generator can handle is marked
``thumb:disabled`` and answers 40077 from then on (until its content changes).

Each version is rendered once however many requests ask at the same time: requests in one worker
share one task; workers share a claim in the KV store (the first ``incr`` wins) and the others wait
for the result to appear in the database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.models import Entity, File, FileEntity
from pyreve.db.models.file import ENTITY_THUMBNAIL, FILE
from pyreve.db.repos import files as repo
from pyreve.db.uow import writing
from pyreve.errors import AppError, Code, ParamError
from pyreve.fs import capabilities as cap
from pyreve.fs import permissions
from pyreve.fs.drivers.local import KeyOutsideRoot
from pyreve.fs.names import extension
from pyreve.fs.navigators import navigator_for
from pyreve.fs.uri import FileURI
from pyreve.kit import boolset
from pyreve.media import sandbox, thumbnails
from pyreve.media.thumbnails import ThumbOptions
from pyreve.services import share as shares
from pyreve.services import transfer
from pyreve.services.context import Ctx, Runtime

log = logging.getLogger("pyreve.thumb")

THUMB_DISABLED = "thumb:disabled"
CLAIM_PREFIX = "thumb_claim_"
POLL_FIRST, POLL_MAX = 0.05, 0.25
URL_CACHE_SIZE = 10_000
DEFAULT_SUFFIX = "._thumb"


def not_available() -> AppError:
    return AppError(Code.ENTITY_NOT_EXIST, "Entity not exist")


@dataclass(frozen=True)
class ThumbUrl:
    url: str
    expires: datetime


def _reader(rt: Runtime) -> AsyncSession:
    engine = rt.extras.get("thumb_reader")
    if engine is None:
        engine = rt.extras["thumb_reader"] = read_only(rt.engine)
    return AsyncSession(engine, expire_on_commit=False)


def _exts(text: str) -> tuple[str, ...]:
    return tuple(e.strip().lower().lstrip(".") for e in text.split(",") if e.strip())


def options(rt: Runtime) -> ThumbOptions:
    s = rt.settings
    return ThumbOptions(
        width=s.int("thumb_width", 400), height=s.int("thumb_height", 300),
        encode=s.str("thumb_encode_method") or "png", quality=s.int("thumb_encode_quality", 95),
        builtin=s.bool("thumb_builtin_enabled"), builtin_max_size=s.int("thumb_builtin_max_size", 78_643_200),
        music_cover=s.bool("thumb_music_cover_enabled"), music_cover_exts=_exts(s.str("thumb_music_cover_exts")),
        music_cover_max_size=s.int("thumb_music_cover_max_size", 1 << 30),
        ffmpeg=s.bool("thumb_ffmpeg_enabled"), ffmpeg_path=s.str("thumb_ffmpeg_path") or "ffmpeg",
        ffmpeg_exts=_exts(s.str("thumb_ffmpeg_exts")), ffmpeg_max_size=s.int("thumb_ffmpeg_max_size", 10 << 30),
        ffmpeg_seek=s.str("thumb_ffmpeg_seek") or "00:00:01.00")


def supported_exts(rt: Runtime) -> list[str]:
    """What ``/site/config/thumb`` advertises: the extensions thumbnails can be made of."""
    return thumbnails.supported_exts(options(rt))


def limits(rt: Runtime) -> sandbox.Limits:
    seconds = max(5, rt.settings.int("queue_thumb_max_execution", 300))
    return sandbox.Limits(seconds=float(seconds), cpu=seconds)


def _slots(rt: Runtime) -> asyncio.Semaphore:
    """Renders this worker runs at once (``queue_thumb_worker_num``, at most two per core)."""
    slots: asyncio.Semaphore | None = rt.extras.get("thumb_slots")
    if slots is None:
        wanted = max(1, rt.settings.int("queue_thumb_worker_num", 15))
        slots = rt.extras["thumb_slots"] = asyncio.Semaphore(min(wanted, 2 * (os.cpu_count() or 1)))
    return slots


# --- the route -------------------------------------------------------------------------------------

async def thumbnail_url(ctx: Ctx, uri_text: str, site: str) -> ThumbUrl:
    """``GET /file/thumb``: a signed URL of the thumbnail, generating it first if need be."""
    rt = ctx.rt
    try:
        uri = FileURI.parse(uri_text)
    except AppError:
        raise ParamError("unknown uri") from None
    nav = navigator_for(uri, ctx.user.id, rt.ids, shares.access(ctx))
    async with _reader(rt) as session:
        file = await nav.resolve(session, uri)
        await permissions.require(session, permissions.Subject(ctx.user.id, ctx.user.group.id), file,
                                  permissions.READ)
        if file.type != FILE or await repo.metadata_value(session, file.id, THUMB_DISABLED) is not None:
            raise not_available()
        thumb = await _thumbnail_of(session, file.id)
        primary = await session.get(Entity, file.primary_entity) if file.primary_entity else None
    if thumb is None:
        if primary is None or primary.upload_session_id is not None:
            raise not_available()
        if not boolset.enabled(nav.capabilities, cap.GENERATE_THUMB):
            raise not_available()
        thumb = await _generate_once(rt, file.id, primary.id)
    return _signed(rt, site, file, thumb)


async def _thumbnail_of(session: AsyncSession, file_id: int) -> Entity | None:
    stmt = (sa.select(Entity).join(FileEntity, FileEntity.entity_id == Entity.id)
            .where(FileEntity.file_id == file_id, Entity.type == ENTITY_THUMBNAIL,
                   Entity.upload_session_id.is_(None)).order_by(Entity.id.desc()).limit(1))
    return (await session.execute(stmt)).scalars().first()


def thumbnail_format(rt: Runtime, source: str) -> str:
    """The image format of a stored thumbnail, from its key (``jpg`` for keys that do not say)."""
    suffix = rt.settings.str("thumb_entity_suffix") or DEFAULT_SUFFIX
    found = re.search(r"\.(png|jpg|webp)" + re.escape(suffix) + "$", source)
    return found.group(1) if found else "jpg"


def _signed(rt: Runtime, site: str, file: File, thumb: Entity) -> ThumbUrl:
    """One URL per thumbnail while it has long enough to live, so browsers can cache the image."""
    ttl = max(1, rt.settings.int("entity_url_default_ttl", 3600))
    margin = rt.settings.int("entity_url_cache_margin", 600)
    now = int(time.time())
    name = f"{file.name}_thumbnail.{thumbnail_format(rt, thumb.source)}"
    cache: dict[tuple[int, str, str], tuple[str, int]] = rt.extras.setdefault("thumb_urls", {})
    key = (thumb.id, name, site)
    hit = cache.get(key)
    if hit is not None and hit[1] - margin > now:
        url, expires = hit
    else:
        # Expiry rounded up to a step, so every worker signs the very same URL within a step.
        step = max(1, min(margin, ttl // 2))
        expires = (now + ttl) // step * step + step
        url = transfer.content_url(rt, site, thumb.id, 0, name, False, expires)
        if ttl - margin > 0:
            if len(cache) >= URL_CACHE_SIZE:
                cache.clear()
            cache[key] = (url, expires)
    return ThumbUrl(url, datetime.fromtimestamp(expires, UTC))


# --- generating once ------------------------------------------------------------------------------

async def _generate_once(rt: Runtime, file_id: int, primary_id: int) -> Entity:
    """The thumbnail of this version; concurrent callers in this worker share one attempt."""
    flights: dict[tuple[int, int], asyncio.Task[Entity]] = rt.extras.setdefault("thumb_flights", {})
    key = (file_id, primary_id)
    flight = flights.get(key)
    if flight is None:
        flight = asyncio.create_task(_generate_shared(rt, file_id, primary_id))
        flights[key] = flight
        flight.add_done_callback(lambda done: (flights.pop(key, None), done.cancelled() or done.exception()))
    return await asyncio.shield(flight)


async def _current(rt: Runtime, file_id: int, primary_id: int) -> Entity | None:
    """The stored thumbnail, None while there is none; 40077 once the file cannot have one."""
    async with _reader(rt) as session:
        file = await session.get(File, file_id)
        if file is None or file.primary_entity != primary_id:
            raise not_available()  # deleted, or new content arrived meanwhile
        if await repo.metadata_value(session, file_id, THUMB_DISABLED) is not None:
            raise not_available()
        return await _thumbnail_of(session, file_id)


async def _generate_shared(rt: Runtime, file_id: int, primary_id: int) -> Entity:
    """Across workers: whoever claims the version renders it; the others watch the database."""
    bounds = limits(rt)
    claim = f"{CLAIM_PREFIX}{file_id}_{primary_id}"
    window = bounds.seconds + 30
    deadline = time.monotonic() + window
    delay = POLL_FIRST
    while True:
        found = await _current(rt, file_id, primary_id)
        if found is not None:
            return found
        if await rt.kv.incr(claim, window) == 1:
            try:
                found = await _current(rt, file_id, primary_id)  # finished just before we claimed
                return found if found is not None else await _generate(rt, file_id, primary_id, bounds)
            finally:
                await rt.kv.delete(claim)
        if time.monotonic() > deadline:
            raise not_available()
        await asyncio.sleep(delay)
        delay = min(delay * 2, POLL_MAX)


def _scratch(rt: Runtime) -> Path:
    base = Path(rt.settings.str("temp_path") or "temp")
    folder = (base if base.is_absolute() else rt.config.data_dir / base) / "thumb"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def _generate(rt: Runtime, file_id: int, primary_id: int, bounds: sandbox.Limits) -> Entity:
    async with _reader(rt) as session:
        file = await session.get(File, file_id)
        primary = await session.get(Entity, primary_id)
    if file is None or primary is None:
        raise not_available()
    opts = options(rt)
    ext = extension(file.name)
    policy = await transfer.policy(rt, primary.storage_policy_entities)
    if primary.size <= 0 or policy is None or not thumbnails.candidates(ext, primary.size, opts):
        await _disable(rt, file_id, primary_id, "no generator accepts it")
        raise not_available()
    store = transfer.driver(rt, policy)
    try:
        src = store.path(primary.source)
    except KeyOutsideRoot:
        raise not_available() from None
    scratch = await asyncio.to_thread(_scratch, rt)
    out = scratch / f"{uuid.uuid4().hex}.{opts.output[1]}"
    started = time.monotonic()
    try:
        async with _slots(rt):
            result = await sandbox.run({"op": "thumb", "src": str(src), "ext": ext, "size": primary.size,
                                        "out": str(out), "options": opts.to_dict(), "scratch": str(scratch)}, bounds)
        if not result.get("ok"):
            await _disable(rt, file_id, primary_id, str(result.get("reason", "")))
            raise not_available()
        suffix = rt.settings.str("thumb_entity_suffix") or DEFAULT_SUFFIX
        key = f"{primary.source}.{secrets.token_hex(8)}.{result['format']}{suffix}"
        size = await asyncio.to_thread(_place, out, store.path(key))
    finally:
        await asyncio.to_thread(out.unlink, True)
    try:
        entity, created = await _record(rt, file_id, primary_id, key, size, policy.id)
    except BaseException:
        await store.delete(key)
        raise
    if not created:
        await store.delete(key)
        return entity
    log.info("thumbnail generated for file %d (version %d) by %s in %.3f s: %d bytes, %dx%d, peak %d KiB",
             file_id, primary_id, result.get("generator"), time.monotonic() - started, size,
             result.get("width", 0), result.get("height", 0), result.get("peak_kib", 0))
    return entity


def _place(src: Path, dest: Path) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)
    return dest.stat().st_size


async def _record(rt: Runtime, file_id: int, primary_id: int, key: str, size: int, policy_id: int
                  ) -> tuple[Entity, bool]:
    """Link the stored thumbnail to the file and charge its owner; (entity, whether it is new)."""
    async with _reader(rt) as session:
        owner_id = await session.scalar(sa.select(File.owner_id).where(File.id == file_id))
    owner = await rt.identity.get(owner_id) if owner_id is not None else None
    async with writing(rt.sessions) as session:
        file = await repo.by_id(session, file_id)
        if file is None or file.primary_entity != primary_id:
            raise not_available()
        existing = await _thumbnail_of(session, file_id)
        if existing is not None:
            return existing, False
        limit = owner.group.max_storage if owner is not None else None
        if not await repo.add_storage(session, file.owner_id, size, limit=limit):
            raise AppError(Code.INSUFFICIENT_CAPACITY, "Insufficient capacity")
        entity = Entity(type=ENTITY_THUMBNAIL, source=key, size=size, reference_count=1,
                        storage_policy_entities=policy_id, created_by=file.owner_id)
        session.add(entity)
        await session.flush()
        await repo.link(session, file.id, entity.id)
        return entity, True


async def _disable(rt: Runtime, file_id: int, primary_id: int, reason: str) -> None:
    """Mark the file as having no thumbnail (unless its content changed meanwhile)."""
    log.info("no thumbnail for file %d (version %d): %s", file_id, primary_id, reason)
    async with writing(rt.sessions) as session:
        file = await repo.by_id(session, file_id)
        if file is not None and file.primary_entity == primary_id:
            await repo.set_metadata(session, file_id, {THUMB_DISABLED: ""}, public=True)
