"""WebDAV account queries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pyreve.db.models import DavAccount, Group, User


async def page(session: AsyncSession, owner_id: int, before: int | None, limit: int) -> list[DavAccount]:
    """Newest first; ``before`` is the id of the last account of the previous page."""
    stmt = sa.select(DavAccount).where(DavAccount.owner_id == owner_id, DavAccount.deleted_at.is_(None))
    if before is not None:
        stmt = stmt.where(DavAccount.id < before)
    return list((await session.execute(stmt.order_by(DavAccount.id.desc()).limit(limit))).scalars())


async def owned(session: AsyncSession, account_id: int, owner_id: int) -> DavAccount | None:
    stmt = sa.select(DavAccount).where(DavAccount.id == account_id, DavAccount.owner_id == owner_id,
                                       DavAccount.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete(session: AsyncSession, account: DavAccount) -> None:
    await session.delete(account)  # through the ORM, so the owner's cached logins are dropped


async def logins(conn: AsyncConnection, email: str) -> list[Any]:
    """Every account of the (not deleted) user with this e-mail address, with the user's id and status."""
    stmt = (sa.select(DavAccount.id, DavAccount.password, DavAccount.options, DavAccount.uri,
                      User.id.label("user_id"), User.status, Group.permissions)
            .join(User, User.id == DavAccount.owner_id).join(Group, Group.id == User.group_users)
            .where(sa.func.lower(User.email) == email.lower(), User.deleted_at.is_(None),
                   DavAccount.deleted_at.is_(None))
            .order_by(DavAccount.id))
    result = await conn.execute(stmt)
    return [row for row in result]
