"""Media metadata extraction after uploads (spec: upload.md §6 step 5; files.md §21).

When a transaction that completed an upload commits, the new version is queued here; a background
task reads its EXIF, audio tags and streams in the sandboxed media child and stores what it finds
as public metadata (``exif:*``, ``music:*``, ``stream:*``), replacing what an earlier version left.
Nothing of this runs on the request that uploaded the file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.models import Entity, File, Metadata
from pyreve.db.models.file import ENTITY_VERSION
from pyreve.db.repos import files as repo
from pyreve.db.uow import writing
from pyreve.fs import uploads
from pyreve.fs.drivers.local import KeyOutsideRoot
from pyreve.fs.names import extension
from pyreve.media import metadata, sandbox
from pyreve.media.metadata import MetaOptions
from pyreve.services import transfer
from pyreve.services.context import Runtime

log = logging.getLogger("pyreve.media")


def options(rt: Runtime) -> MetaOptions:
    s = rt.settings
    return MetaOptions(
        exif=s.bool("media_meta_exif"), exif_max_size=s.int("media_meta_exif_size_local", 1 << 30),
        exif_brute_force=s.bool("media_meta_exif_brute_force"),
        music=s.bool("media_meta_music"), music_max_size=s.int("media_meta_music_size_local", 1 << 30),
        ffprobe=s.bool("media_meta_ffprobe"), ffprobe_path=s.str("media_meta_ffprobe_path") or "ffprobe",
        ffprobe_max_size=s.int("media_meta_ffprobe_size_local", 0))


def start(rt: Runtime) -> None:
    """Queue an extraction for every version an upload completes in this runtime's transactions."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = rt.extras.setdefault("media_tasks", set())

    def completed(done: uploads.Completed) -> None:
        if done.entity_type != ENTITY_VERSION or not rt.settings.bool("media_meta"):
            return
        if not metadata.wanted(extension(done.name), done.size, options(rt)):
            return

        def spawn() -> None:
            task = loop.create_task(extract(rt, done.file_id, done.entity_id))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        loop.call_soon(spawn)

    rt.extras["media_hook"] = completed
    uploads.on_completed(rt.sessions, completed)


async def stop(rt: Runtime) -> None:
    hook: Callable[[uploads.Completed], None] | None = rt.extras.pop("media_hook", None)
    if hook is not None:
        uploads.on_completed(rt.sessions, hook, remove=True)
    tasks: set[asyncio.Task[None]] = rt.extras.get("media_tasks", set())
    for task in list(tasks):
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)


def _slots(rt: Runtime) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = rt.extras.get("media_slots")
    if slots is None:
        wanted = max(1, rt.settings.int("queue_media_meta_worker_num", 30))
        slots = rt.extras["media_slots"] = asyncio.Semaphore(min(wanted, 2 * (os.cpu_count() or 1)))
    return slots


def _reader(rt: Runtime) -> AsyncSession:
    engine = rt.extras.get("media_reader")
    if engine is None:
        engine = rt.extras["media_reader"] = read_only(rt.engine)
    return AsyncSession(engine, expire_on_commit=False)


async def extract(rt: Runtime, file_id: int, entity_id: int) -> None:
    """Read the media metadata of ``entity_id`` and store it on the file, if that is still its version."""
    try:
        async with _reader(rt) as session:
            file = await session.get(File, file_id)
            entity = await session.get(Entity, entity_id)
        if file is None or entity is None or file.primary_entity != entity_id:
            return
        policy = await transfer.policy(rt, entity.storage_policy_entities)
        if policy is None:
            return
        src = transfer.driver(rt, policy).path(entity.source)
        seconds = max(5, rt.settings.int("queue_media_meta_max_execution", 600))
        started = time.monotonic()
        async with _slots(rt):
            result = await sandbox.run({"op": "meta", "src": str(src), "ext": extension(file.name),
                                        "size": entity.size, "options": options(rt).to_dict()},
                                       sandbox.Limits(seconds=float(seconds), cpu=seconds))
        if not result.get("ok"):
            log.info("no media metadata for file %d: %s", file_id, result.get("reason"))
            return
        found = {str(k): str(v) for k, v in (result.get("meta") or {}).items()}
        if await _save(rt, file_id, entity_id, found):
            log.info("media metadata extracted for file %d (version %d): %d keys in %.3f s",
                     file_id, entity_id, len(found), time.monotonic() - started)
    except asyncio.CancelledError:
        raise
    except (KeyOutsideRoot, OSError) as exc:
        log.warning("cannot read file %d for media metadata: %s", file_id, exc)
    except Exception:
        log.exception("media metadata extraction failed for file %d", file_id)


async def _save(rt: Runtime, file_id: int, entity_id: int, found: dict[str, str]) -> bool:
    async with writing(rt.sessions) as session:
        file = await repo.by_id(session, file_id)
        if file is None or file.primary_entity != entity_id:
            return False
        stale = sa.or_(*[Metadata.name.startswith(ns, autoescape=True) for ns in metadata.NAMESPACES])
        await session.execute(sa.delete(Metadata).where(Metadata.file_id == file_id, stale,
                                                        Metadata.name.not_in(list(found) or [""])))
        await repo.set_metadata(session, file_id, found, public=True)
        return True
