"""Queries on the file tree, entities and metadata."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import Entity, File, FileEntity, Metadata, User
from pyreve.db.models.file import FOLDER
from pyreve.db.uow import mark_user_changed

ORDER_COLUMNS = {"name": File.name, "size": File.size, "updated_at": File.updated_at}


async def root(session: AsyncSession, owner_id: int) -> File | None:
    stmt = sa.select(File).where(File.owner_id == owner_id, File.file_children.is_(None), File.name == "")
    return (await session.execute(stmt.order_by(File.id).limit(1))).scalar_one_or_none()


async def lock_owner(session: AsyncSession, owner_id: int) -> None:
    """Serialise tree changes that must not race per owner (root creation, capacity)."""
    await session.execute(sa.select(User.id).where(User.id == owner_id).with_for_update())


async def child(session: AsyncSession, parent_id: int, name: str) -> File | None:
    stmt = sa.select(File).where(File.file_children == parent_id, File.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_id(session: AsyncSession, file_id: int) -> File | None:
    return await session.get(File, file_id)


async def page(session: AsyncSession, where: Sequence[sa.ColumnElement[bool]], order: str, desc: bool,
               after: tuple[Any, int] | None, limit: int) -> list[File]:
    """Keyset page ordered by (order column, id); ``after`` is the last row's (value, id)."""
    column = ORDER_COLUMNS.get(order, File.id)
    conditions = list(where)
    if after is not None:
        value, last_id = after
        if column is File.id:
            conditions.append(File.id < last_id if desc else File.id > last_id)
        elif desc:
            conditions.append(sa.or_(column < value, sa.and_(column == value, File.id < last_id)))
        else:
            conditions.append(sa.or_(column > value, sa.and_(column == value, File.id > last_id)))
    ordering = [column.desc(), File.id.desc()] if desc else [column.asc(), File.id.asc()]
    if column is File.id:
        ordering = ordering[1:]
    stmt = sa.select(File).where(*conditions).order_by(*ordering).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def count(session: AsyncSession, where: Sequence[sa.ColumnElement[bool]]) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(File).where(*where)) or 0)


async def offset_page(session: AsyncSession, where: Sequence[sa.ColumnElement[bool]], order: str, desc: bool,
                      offset: int, limit: int) -> list[File]:
    column = ORDER_COLUMNS.get(order, File.id)
    ordering = [column.desc(), File.id.desc()] if desc else [column.asc(), File.id.asc()]
    stmt = sa.select(File).where(*where).order_by(*ordering).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def metadata(session: AsyncSession, file_ids: Iterable[int], public_only: bool = True
                   ) -> dict[int, dict[str, str]]:
    ids = list(file_ids)
    out: dict[int, dict[str, str]] = {i: {} for i in ids}
    if not ids:
        return out
    stmt = sa.select(Metadata.file_id, Metadata.name, Metadata.value).where(Metadata.file_id.in_(ids))
    if public_only:
        stmt = stmt.where(Metadata.is_public.is_(True))
    for file_id, name, value in (await session.execute(stmt)).all():
        out[file_id][name] = value
    return out


async def metadata_value(session: AsyncSession, file_id: int, name: str) -> str | None:
    stmt = sa.select(Metadata.value).where(Metadata.file_id == file_id, Metadata.name == name)
    return (await session.execute(stmt)).scalar_one_or_none()


async def set_metadata(session: AsyncSession, file_id: int, values: dict[str, str], public: bool) -> None:
    if not values:
        return
    existing = {m.name: m for m in (await session.execute(
        sa.select(Metadata).where(Metadata.file_id == file_id, Metadata.name.in_(list(values))))).scalars()}
    for name, value in values.items():
        row = existing.get(name)
        if row is None:
            session.add(Metadata(file_id=file_id, name=name, value=value, is_public=public))
        else:
            row.value, row.is_public = value, public
    await session.flush()


async def delete_metadata(session: AsyncSession, file_id: int, names: Iterable[str]) -> None:
    names = list(names)
    if names:
        await session.execute(sa.delete(Metadata).where(Metadata.file_id == file_id, Metadata.name.in_(names)))


async def entities_of(session: AsyncSession, file_id: int) -> list[Entity]:
    stmt = (sa.select(Entity).join(FileEntity, FileEntity.entity_id == Entity.id)
            .where(FileEntity.file_id == file_id).order_by(Entity.id.desc()))
    return list((await session.execute(stmt)).scalars())


async def link(session: AsyncSession, file_id: int, entity_id: int) -> None:
    session.add(FileEntity(file_id=file_id, entity_id=entity_id))
    await session.flush()


async def unlink(session: AsyncSession, file_id: int, entity: Entity) -> None:
    """Drop one file↔entity link and one reference; the blob goes when nothing references it."""
    await session.execute(sa.delete(FileEntity).where(FileEntity.file_id == file_id,
                                                      FileEntity.entity_id == entity.id))
    await session.execute(sa.update(Entity).where(Entity.id == entity.id)
                          .values(reference_count=Entity.reference_count - 1))


async def add_storage(session: AsyncSession, owner_id: int, delta: int, limit: int | None = None) -> bool:
    """Change a user's used storage; with ``limit``, only if the result stays within it (atomic)."""
    if delta == 0:
        return True
    stmt = sa.update(User).where(User.id == owner_id).values(storage=User.storage + delta)
    if limit is not None and delta > 0:
        stmt = stmt.where(User.storage + delta <= limit)
    changed = bool((await session.execute(stmt)).rowcount)
    if changed:
        mark_user_changed(session, owner_id)
    return changed


async def subfolder_ids(session: AsyncSession, parent_ids: list[int]) -> list[int]:
    if not parent_ids:
        return []
    stmt = sa.select(File.id).where(File.file_children.in_(parent_ids), File.type == FOLDER)
    return list((await session.execute(stmt)).scalars())


async def children_ids(session: AsyncSession, parent_ids: list[int]) -> list[tuple[int, int]]:
    if not parent_ids:
        return []
    stmt = sa.select(File.id, File.type).where(File.file_children.in_(parent_ids))
    return [(row.id, row.type) for row in (await session.execute(stmt)).all()]
