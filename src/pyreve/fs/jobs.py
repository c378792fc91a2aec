"""Periodic clean-up: orphan blobs, expired upload sessions, expired locks.

Every worker may run these at the same time: each step either claims its rows (a delete that
reports how many it removed) or is idempotent (deleting a missing blob, forgetting rows that are
still unreferenced).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pyreve.db.models import StoragePolicy
from pyreve.db.uow import writing
from pyreve.errors import AppError
from pyreve.fs import entities, locks, uploads
from pyreve.fs.drivers.local import KeyOutsideRoot
from pyreve.fs.storage import driver_for

log = logging.getLogger("pyreve.jobs")
BATCH = 200


async def recycle_orphans(sessions: async_sessionmaker[AsyncSession], data_dir: Path, batch: int = BATCH) -> int:
    """Delete the blobs of unreferenced entities (unless ``recycle_options.unlink_only``), then their rows."""
    total = 0
    while True:
        async with writing(sessions) as session:
            found = await entities.orphans(session, batch)
            policies = {e.storage_policy_entities: await session.get(StoragePolicy, e.storage_policy_entities)
                        for e in found}
        if not found:
            return total
        for entity in found:
            if (entity.recycle_options or {}).get("unlink_only"):
                continue
            policy = policies.get(entity.storage_policy_entities)
            if policy is None:
                continue
            try:
                await driver_for(policy, data_dir).delete(entity.source)
            except (AppError, KeyOutsideRoot, OSError) as exc:
                log.warning("cannot delete blob %r of entity %d: %s", entity.source, entity.id, exc)
        async with writing(sessions) as session:
            await entities.forget_entities(session, [e.id for e in found])
        total += len(found)
        if len(found) < batch:
            return total


async def purge_uploads(sessions: async_sessionmaker[AsyncSession], walk_limit: int) -> int:
    """Expired upload sessions go, with their placeholders (their blobs become orphans)."""
    total = 0
    while True:
        async with writing(sessions) as session:
            purged = await uploads.purge_expired(session, walk_limit)
        total += purged
        if purged < uploads.PURGE_BATCH:
            return total


async def purge_locks(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with writing(sessions) as session:
        await locks.purge_expired(session)
