"""User and group queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pyreve.db.models import Group, Passkey, User

_PRINCIPAL_COLUMNS = (
    User.id, User.email, User.nick, User.status, User.avatar, User.created_at, User.updated_at,
    User.storage, User.settings, User.password, User.two_factor_secret,
    Group.id.label("group_id"), Group.name.label("group_name"), Group.permissions.label("group_permissions"),
    Group.max_storage.label("group_max_storage"), Group.speed_limit.label("group_speed_limit"),
    Group.settings.label("group_settings"),
)


async def principal_row(conn: AsyncConnection | AsyncSession, user_id: int) -> sa.Row[Any] | None:
    """One row with the user and their group, for the per-request identity."""
    stmt = (sa.select(*_PRINCIPAL_COLUMNS).join(Group, Group.id == User.group_users)
            .where(User.id == user_id, User.deleted_at.is_(None)))
    return (await conn.execute(stmt)).first()


async def by_email(session: AsyncSession, email: str, *, for_update: bool = False) -> User | None:
    stmt = sa.select(User).where(sa.func.lower(User.email) == email.lower(), User.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_id(session: AsyncSession, user_id: int, *, for_update: bool = False) -> User | None:
    stmt = sa.select(User).where(User.id == user_id, User.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def public_profiles(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, sa.Row[Any]]:
    """What others may see of each user (their public profile's members), by id."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    stmt = (sa.select(User.id, User.nick, User.avatar, User.created_at, User.settings)
            .where(User.id.in_(ids), User.deleted_at.is_(None)))
    return {row.id: row for row in (await session.execute(stmt)).all()}


async def group(session: AsyncSession | AsyncConnection, group_id: int) -> sa.Row[Any] | None:
    return (await session.execute(sa.select(Group.__table__).where(Group.id == group_id))).first()


async def search(session: AsyncSession, keyword: str, limit: int) -> list[sa.Row[Any]]:
    like = f"%{_escape_like(keyword.lower())}%"
    stmt = (sa.select(User.id, User.email, User.nick, User.avatar, User.created_at, User.settings,
                      Group.id.label("group_id"), Group.name.label("group_name"))
            .join(Group, Group.id == User.group_users)
            .where(User.deleted_at.is_(None),
                   sa.or_(sa.func.lower(User.email).like(like, escape="\\"),
                          sa.func.lower(User.nick).like(like, escape="\\")))
            .order_by(User.id).limit(limit))
    return list((await session.execute(stmt)).all())


async def list_groups(session: AsyncSession, exclude: int) -> list[sa.Row[Any]]:
    stmt = sa.select(Group.id, Group.name).where(Group.id != exclude, Group.deleted_at.is_(None)).order_by(Group.id)
    return list((await session.execute(stmt)).all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def has_passkey(session: AsyncSession, user_id: int) -> bool:
    stmt = sa.select(Passkey.id).where(Passkey.user_id == user_id, Passkey.deleted_at.is_(None)).limit(1)
    return (await session.execute(stmt)).first() is not None
