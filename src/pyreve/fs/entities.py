"""Blob bookkeeping: links, reference counts, storage accounting and permanent deletion.

Invariant (data-model.md §15): a user's ``storage`` equals the sum, over their files (trash
included), of the sizes of all entities linked to each file. Every change here adjusts it in the
same transaction as the links it changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import Entity, File, FileEntity, Metadata, UploadSession
from pyreve.db.models.file import FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.repos import shares as share_repo
from pyreve.errors import AppError, Code

BATCH = 500


async def unlink(session: AsyncSession, file: File, entity: Entity) -> None:
    """Detach one entity from one file; its owner is charged that much less."""
    await repo.unlink(session, file.id, entity)
    await repo.add_storage(session, file.owner_id, -entity.size)


async def subtree_ids(session: AsyncSession, roots: Iterable[File], limit: int) -> list[int]:
    """Ids of ``roots`` and everything below them, breadth first; 40079 past ``limit`` rows."""
    out: list[int] = []
    level = [f.id for f in roots]
    while level:
        out.extend(level)
        if len(out) > limit:
            raise AppError(Code.FILE_COUNT_LIMIT_REACHED, "Too many files")
        folders: list[int] = []
        for start in range(0, len(level), BATCH):
            folders.extend(await repo.subfolder_ids(session, level[start:start + BATCH]))
        files = []
        for start in range(0, len(level), BATCH):
            rows = await repo.children_ids(session, level[start:start + BATCH])
            files.extend(i for i, kind in rows if kind != FOLDER)
        out.extend(files)
        if len(out) > limit:
            raise AppError(Code.FILE_COUNT_LIMIT_REACHED, "Too many files")
        level = folders
    return out


async def delete_permanently(session: AsyncSession, roots: list[File], limit: int, unlink_only: bool = False
                             ) -> None:
    """Delete rows, their metadata and links; release the owners' storage; orphaned blobs are left
    with reference_count 0 for the recycle job."""
    ids = await subtree_ids(session, roots, limit)
    storage: dict[int, int] = defaultdict(int)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        links = (await session.execute(
            sa.select(FileEntity.entity_id, File.owner_id, Entity.size)
            .join(File, File.id == FileEntity.file_id).join(Entity, Entity.id == FileEntity.entity_id)
            .where(FileEntity.file_id.in_(chunk)))).all()
        per_entity: dict[int, int] = defaultdict(int)
        for entity_id, owner_id, size in links:
            per_entity[entity_id] += 1
            storage[owner_id] -= size
        for entity_id, count in per_entity.items():
            values: dict[str, object] = {"reference_count": Entity.reference_count - count}
            if unlink_only:
                values["recycle_options"] = {"unlink_only": True}
            await session.execute(sa.update(Entity).where(Entity.id == entity_id).values(**values))
        await session.execute(sa.delete(FileEntity).where(FileEntity.file_id.in_(chunk)))
        await session.execute(sa.delete(Metadata).where(Metadata.file_id.in_(chunk)))
        await session.execute(sa.delete(UploadSession).where(UploadSession.file_id.in_(chunk)))
        await share_repo.delete_of_files(session, chunk)
    # Children first, so no row ever points at a deleted parent.
    for start in range(len(ids), 0, -BATCH):
        chunk = ids[max(0, start - BATCH):start]
        await session.execute(sa.update(File).where(File.id.in_(chunk)).values(file_children=None))
        await session.execute(sa.delete(File).where(File.id.in_(chunk)))
    for owner_id, delta in storage.items():
        await repo.add_storage(session, owner_id, delta)


async def orphans(session: AsyncSession, limit: int = BATCH) -> list[Entity]:
    stmt = sa.select(Entity).where(Entity.reference_count <= 0).order_by(Entity.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def forget_entities(session: AsyncSession, entity_ids: list[int]) -> None:
    """Remove entity rows whose blobs are gone (only while still unreferenced)."""
    if entity_ids:
        await session.execute(sa.delete(Entity).where(Entity.id.in_(entity_ids), Entity.reference_count <= 0))
