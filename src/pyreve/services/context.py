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
from pyreve.kv.versions import Version, Versions
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

    Each entry keeps the user's change version read before the row was loaded; an entry is used
    only while that version is still current, so a change committed by any worker or instance is
    seen by the next request (decision 0005). ``ttl`` only bounds how long an idle entry is kept.
    """

    def __init__(self, engine: AsyncEngine, versions: Versions, ttl: float = 60.0):
        self._engine = read_only(engine)
        self._versions = versions
        self._ttl = ttl
        self._entries: dict[int, tuple[Version, float, Principal | None]] = {}
        self._loading: dict[tuple[int, Version], asyncio.Future[Principal | None]] = {}

    async def get(self, user_id: int) -> Principal | None:
        version = await self._versions.read(user_id)
        hit = self._entries.get(user_id)
        if hit is not None and hit[0] == version and hit[1] > time.monotonic():
            return hit[2]
        key = (user_id, version)
        pending = self._loading.get(key)
        if pending is not None:  # another request is already loading this version: share its result
            return await asyncio.shield(pending)
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            async with self._engine.connect() as conn:
                row = await user_repo.principal_row(conn, user_id)
            principal = principal_from_row(row) if row is not None else None
            if len(self._entries) > 50_000:
                self._entries.clear()
            self._entries[user_id] = (version, time.monotonic() + self._ttl, principal)
            future.set_result(principal)
            return principal
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, re-raise it themselves
            raise
        finally:
            del self._loading[key]


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
    versions: Versions
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
