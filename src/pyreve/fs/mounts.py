"""Storage policies a group may use, and policies mounted on folders (spec: files.md §19).

A group uses its default policy (``groups.storage_policy_id``) and any policy linked to it in
``group_storage_policies``. A folder may have one of those mounted: new blobs below it go to the
policy of the nearest mounted folder at or above their parent, as long as the owner's group may still
use it; otherwise to the group's default.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File, Group, GroupStoragePolicy, StoragePolicy
from pyreve.fs import tree


async def default_policy_id(session: AsyncSession, group_id: int) -> int | None:
    return await session.scalar(sa.select(Group.storage_policy_id).where(Group.id == group_id))


async def available(session: AsyncSession, group_id: int) -> list[StoragePolicy]:
    """The group's policies: its default first, then the linked ones by id."""
    default_id = await default_policy_id(session, group_id)
    linked = sa.select(GroupStoragePolicy.storage_policy_id).where(GroupStoragePolicy.group_id == group_id)
    stmt = (sa.select(StoragePolicy)
            .where(sa.or_(StoragePolicy.id == default_id, StoragePolicy.id.in_(linked)),
                   StoragePolicy.deleted_at.is_(None))
            .order_by(StoragePolicy.id))
    rows = list((await session.execute(stmt)).scalars())
    return sorted(rows, key=lambda p: (p.id != default_id, p.id))


@dataclass(frozen=True)
class Preferred:
    policy: StoragePolicy | None
    mounted_on: File | None  # the folder whose mount chose it; None for the group's default


async def mounted(session: AsyncSession, folder: File, group_id: int) -> Preferred | None:
    """The nearest mount at or above ``folder`` whose policy the group may use, if any."""
    chain = [row for row in reversed(await tree.ancestors(session, folder)) if row.mounted_policy_id is not None]
    if not chain:
        return None
    usable = {p.id: p for p in await available(session, group_id)}
    for row in chain:
        if row.mounted_policy_id in usable:
            return Preferred(usable[row.mounted_policy_id], row)
    return None


async def preferred(session: AsyncSession, folder: File, group_id: int) -> Preferred:
    """The policy new blobs below ``folder`` (a folder, or a file whose parent counts) go to."""
    found = await mounted(session, folder, group_id)
    if found is not None:
        return found
    default_id = await default_policy_id(session, group_id)
    policy = await session.get(StoragePolicy, default_id) if default_id else None
    return Preferred(policy, None)
