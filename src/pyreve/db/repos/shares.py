"""Queries on share links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pyreve.db.models import File, Group, Share, User

MAX_DEPTH = 1024
UNLIMITED = 2_147_483_647  # where a share without a download limit sorts among limited ones
ORDER_COLUMNS: dict[str, Any] = {
    "views": Share.views,
    "downloads": Share.downloads,
    "remain_downloads": sa.func.coalesce(Share.remain_downloads, UNLIMITED),
}
BATCH = 500

Reader = AsyncSession | AsyncConnection

# A share with what decides whether it is valid and how it is shown: its owner and its source file.
_LINK_COLUMNS = (
    Share.id, Share.password, Share.views, Share.downloads, Share.expires, Share.remain_downloads, Share.props,
    Share.file_shares, Share.user_shares, Share.created_at,
    User.status.label("owner_status"), User.nick.label("owner_nick"), User.avatar.label("owner_avatar"),
    User.email.label("owner_email"), User.created_at.label("owner_created_at"), User.settings.label("owner_settings"),
    User.group_users.label("owner_group_id"), Group.name.label("owner_group_name"),
    File.name.label("file_name"), File.type.label("file_type"), File.size.label("file_size"),
    File.file_children.label("file_parent"),
    File.owner_id.label("file_owner"), File.is_symbolic.label("file_symbolic"),
)


def _links() -> sa.Select[Any]:
    return (sa.select(*_LINK_COLUMNS).join(User, User.id == Share.user_shares)
            .join(Group, Group.id == User.group_users).join(File, File.id == Share.file_shares)
            .where(Share.deleted_at.is_(None)))


def _chain(seed: Any, name: str) -> Any:
    """The rows from each seed row up through its parents (columns start, id, parent, name, depth)."""
    chain = seed.cte(name, recursive=True)
    step = (sa.select(chain.c.start, File.id, File.file_children, File.name, chain.c.depth + 1)
            .join(chain, File.id == chain.c.parent).where(chain.c.depth < MAX_DEPTH))
    return chain.union_all(step)


def _seed(where: sa.ColumnElement[bool]) -> Any:
    return sa.select(File.id.label("start"), File.id.label("id"), File.file_children.label("parent"),
                     File.name.label("name"), sa.literal(0).label("depth")).where(where)


def _link_statement() -> sa.Select[Any]:
    share_id: Any = sa.bindparam("share_id")
    source = sa.select(Share.file_shares).where(Share.id == share_id).scalar_subquery()
    chain = _chain(_seed(File.id == source), "share_source_chain")
    top = sa.select(chain.c.name).where(chain.c.parent.is_(None)).limit(1).scalar_subquery()
    return _links().add_columns(top.label("top_name")).where(Share.id == share_id)


def _tops_statement() -> sa.Select[Any]:
    chain = _chain(_seed(File.id.in_(sa.bindparam("ids", expanding=True))), "share_chain")
    return sa.select(chain.c.start, chain.c.name).where(chain.c.parent.is_(None))


# Built once: building these statements costs more than running them.
_LINK = _link_statement()
_TOPS = _tops_statement()


async def link(conn: Reader, share_id: int) -> sa.Row[Any] | None:
    """One share with its owner, its source and (``top_name``) the name of the parent-less row the
    source's chain of parents ends at: ``""`` for the owner's root, else a trash entry."""
    return (await conn.execute(_LINK, {"share_id": share_id})).first()


async def links_page(conn: Reader, where: Sequence[sa.ColumnElement[bool]], order: str, desc: bool,
                     after: tuple[int, int] | None, limit: int) -> list[sa.Row[Any]]:
    """Keyset page of shares ordered by (order key, id); ``after`` is the last row's (key, id)."""
    key = ORDER_COLUMNS.get(order)
    conditions = list(where)
    if after is not None:
        value, last_id = after
        if key is None:
            conditions.append(Share.id < last_id if desc else Share.id > last_id)
        elif desc:
            conditions.append(sa.or_(key < value, sa.and_(key == value, Share.id < last_id)))
        else:
            conditions.append(sa.or_(key > value, sa.and_(key == value, Share.id > last_id)))
    ordering: list[Any] = [] if key is None else [key.desc() if desc else key.asc()]
    ordering.append(Share.id.desc() if desc else Share.id.asc())
    stmt = _links().where(*conditions).order_by(*ordering).limit(limit)
    return list((await conn.execute(stmt)).all())


def order_value(row: sa.Row[Any], order: str) -> int:
    if order == "views":
        return int(row.views)
    if order == "downloads":
        return int(row.downloads)
    if order == "remain_downloads":
        return UNLIMITED if row.remain_downloads is None else int(row.remain_downloads)
    return int(row.id)


async def tops(conn: Reader, file_ids: Iterable[int]) -> dict[int, str]:
    """For each file, the name of the parent-less row its chain of parents ends at: the owner's root
    (name ``""``) or a trash entry."""
    out: dict[int, str] = {}
    ids = list(set(file_ids))
    for start in range(0, len(ids), BATCH):
        rows = await conn.execute(_TOPS, {"ids": ids[start:start + BATCH]})
        out.update({row.start: row.name for row in rows})
    return out


async def by_id(session: AsyncSession, share_id: int, *, for_update: bool = False) -> Share | None:
    stmt = sa.select(Share).where(Share.id == share_id, Share.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def of_owner(session: AsyncSession, owner_id: int, share_ids: Sequence[int]) -> list[Share]:
    """The live links among ``share_ids`` that belong to ``owner_id``, locked for the change."""
    out: list[Share] = []
    for start in range(0, len(share_ids), BATCH):
        stmt = (sa.select(Share).where(Share.id.in_(share_ids[start:start + BATCH]), Share.user_shares == owner_id,
                                       Share.deleted_at.is_(None)).order_by(Share.id).with_for_update())
        out += (await session.execute(stmt)).scalars()
    return out


async def of_file(session: AsyncSession, file_id: int) -> list[sa.Row[Any]]:
    stmt = _links().where(Share.file_shares == file_id).order_by(Share.id)
    return list((await session.execute(stmt)).all())


async def shared(conn: Reader, file_ids: Iterable[int]) -> set[int]:
    """The files among ``file_ids`` with at least one share link."""
    ids = list(set(file_ids))
    out: set[int] = set()
    for start in range(0, len(ids), BATCH):
        stmt = (sa.select(Share.file_shares).distinct()
                .where(Share.file_shares.in_(ids[start:start + BATCH]), Share.deleted_at.is_(None)))
        out.update((await conn.execute(stmt)).scalars())
    return out


async def count_view(conn: Reader, share_id: int) -> None:
    await conn.execute(sa.update(Share).where(Share.id == share_id).values(views=Share.views + 1))


async def count_download(session: AsyncSession, share_id: int, now: datetime) -> bool:
    """One more download, only while downloads remain and the link has not expired: a single
    conditional UPDATE, so concurrent requests can never take more downloads than are left."""
    stmt = (sa.update(Share)
            .where(Share.id == share_id, Share.deleted_at.is_(None),
                   sa.or_(Share.remain_downloads.is_(None), Share.remain_downloads > 0),
                   sa.or_(Share.expires.is_(None), Share.expires > now))
            .values(downloads=Share.downloads + 1,
                    remain_downloads=sa.case((Share.remain_downloads.is_(None), None),
                                             else_=Share.remain_downloads - 1)))
    result: Any = await session.execute(stmt)
    return bool(result.rowcount)


async def delete_of_files(session: AsyncSession, file_ids: Sequence[int]) -> None:
    """Remove every link (deleted ones too) to files that are being deleted for good."""
    for start in range(0, len(file_ids), BATCH):
        await session.execute(sa.delete(Share).where(Share.file_shares.in_(file_ids[start:start + BATCH])))


async def owner_of(conn: Reader, share_id: int) -> int | None:
    stmt = sa.select(Share.user_shares).where(Share.id == share_id, Share.deleted_at.is_(None))
    return await conn.scalar(stmt)
