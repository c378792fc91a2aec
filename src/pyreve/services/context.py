"""The runtime (everything assembled at start) and the per-request context services receive."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pyreve.config import Config
from pyreve.db.engine import read_only
from pyreve.db.repos import users as user_repo
from pyreve.db.seed import ANONYMOUS_GROUP_ID
from pyreve.kit import boolset
from pyreve.kit.hashid import HashIds
from pyreve.kv import KVStore
from pyreve.services.settings import SiteSettings
from pyreve.services.tokens import TokenSigner


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    name: str
    permissions: bytes
    max_storage: int
    speed_limit: int
    settings: dict[str, Any]

    def can(self, flag: int) -> bool:
        return boolset.enabled(self.permissions, flag)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user row with its group, or the anonymous guest (id 0)."""

    id: int
    email: str
    nick: str
    status: str
    avatar: str
    created_at: datetime | None
    updated_at: datetime | None
    storage: int
    settings: dict[str, Any]
    password_digest: str | None
    two_factor_secret: str | None
    group: GroupInfo

    @property
    def anonymous(self) -> bool:
        return self.id == 0


def principal_from_row(row: Any) -> Principal:
    return Principal(
        id=row.id, email=row.email, nick=row.nick or "", status=row.status, avatar=row.avatar or "",
        created_at=row.created_at, updated_at=row.updated_at, storage=row.storage or 0,
        settings=row.settings or {}, password_digest=row.password, two_factor_secret=row.two_factor_secret,
        group=GroupInfo(
            id=row.group_id, name=row.group_name, permissions=row.group_permissions or b"",
            max_storage=row.group_max_storage or 0, speed_limit=row.group_speed_limit or 0,
            settings=row.group_settings or {},
        ),
    )


class IdentityCache:
    """Per-worker cache of user+group rows for the per-request identity.

    Entries live ``ttl`` seconds and are dropped at once when this worker changes the user, so
    another worker's change (a ban, a new password) is seen within ``ttl``.
    """

    def __init__(self, engine: AsyncEngine, ttl: float = 1.0):
        self._engine = read_only(engine)
        self._ttl = ttl
        self._entries: dict[int, tuple[float, Principal | None]] = {}
        self._loading: dict[int, asyncio.Future[Principal | None]] = {}

    async def get(self, user_id: int) -> Principal | None:
        hit = self._entries.get(user_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        pending = self._loading.get(user_id)
        if pending is not None:  # another request is already loading this user: share its result
            return await asyncio.shield(pending)
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._loading[user_id] = future
        try:
            async with self._engine.connect() as conn:
                row = await user_repo.principal_row(conn, user_id)
            principal = principal_from_row(row) if row is not None else None
            if len(self._entries) > 50_000:
                self._entries.clear()
            self._entries[user_id] = (time.monotonic() + self._ttl, principal)
            future.set_result(principal)
            return principal
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, re-raise it themselves
            raise
        finally:
            del self._loading[user_id]

    def forget(self, user_id: int) -> None:
        self._entries.pop(user_id, None)


@dataclass
class Runtime:
    config: Config
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    kv: KVStore
    settings: SiteSettings
    ids: HashIds
    tokens: TokenSigner
    identity: IdentityCache
    anonymous_group: GroupInfo
    extras: dict[str, Any] = field(default_factory=dict)

    def anonymous(self) -> Principal:
        return Principal(
            id=0, email="", nick="", status="active", avatar="", created_at=None, updated_at=None,
            storage=0, settings={}, password_digest=None, two_factor_secret=None, group=self.anonymous_group,
        )


@dataclass(slots=True)
class Ctx:
    """Per-request context handed to services."""

    rt: Runtime
    user: Principal
    ip: str = ""
    correlation_id: str = ""
    user_agent: str = ""


ANONYMOUS_GROUP = ANONYMOUS_GROUP_ID
