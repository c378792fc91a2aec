"""Path locks shared by the File API and WebDAV, stored in the database so every worker sees them.

A lock covers one path of one owner's tree (depth 0) or the path and everything below it (depth
infinity). It is exclusive, or shared: several shared locks may cover one path, while an exclusive one
allows no other lock (RFC 4918 §6.1-6.2). Operations check that no lock they do not hold covers their
targets; conflicts answer 40073 with the lock details (spec: files.md §17).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import FsLock
from pyreve.errors import AppError, Code
from pyreve.fs.uri import FileURI
from pyreve.kit.clock import utcnow

# Lock owner applications, as clients know them.
APP_UPLOAD, APP_DAV, APP_VIEWER = "upload", "dav", "viewer"

# Lock tokens the current request presented (WebDAV's If header): locks it holds do not block it.
_submitted: ContextVar[frozenset[str]] = ContextVar("pyreve_submitted_lock_tokens", default=frozenset())


def submitted_tokens() -> frozenset[str]:
    return _submitted.get()


@contextmanager
def submitted(tokens: frozenset[str]) -> Iterator[None]:
    """Within this block, checks treat the locks of ``tokens`` as held by the caller."""
    reset = _submitted.set(tokens)
    try:
        yield
    finally:
        _submitted.reset(reset)


def _covers(lock_path: str, lock_infinite: bool, target: str, target_infinite: bool) -> bool:
    if lock_path == target:
        return True
    if lock_infinite and (lock_path == "/" or target.startswith(lock_path.rstrip("/") + "/")):
        return True
    return target_infinite and (target == "/" or lock_path.startswith(target.rstrip("/") + "/"))


async def live(session: AsyncSession, owner_id: int) -> list[FsLock]:
    """Every lock of one owner's tree that has not expired."""
    stmt = sa.select(FsLock).where(FsLock.owner_id == owner_id,
                                   sa.or_(FsLock.expires_at.is_(None), FsLock.expires_at > utcnow()))
    return list((await session.execute(stmt)).scalars())


async def conflicts(session: AsyncSession, owner_id: int, path: str, infinite: bool,
                    held: frozenset[str] | None = None) -> list[FsLock]:
    """Live locks covering ``path`` other than ``held`` (by default, the tokens the request submitted).

    Holding one shared lock of a resource is enough to change it: the other shared locks on it belong
    to the holders it is shared with (RFC 4918 §6.2), so they are no conflict then."""
    if held is None:
        held = _submitted.get()
    rows = await live(session, owner_id)
    mine = [lock for lock in rows if lock.token in held and lock.shared]

    def shared_with_me(lock: FsLock) -> bool:
        # Where this lock meets the target: the target itself, or the member below it that the lock is on.
        meets = path if _covers(lock.path, lock.depth_infinity, path, False) else lock.path
        return lock.shared and any(_covers(m.path, m.depth_infinity, meets, False) for m in mine)

    return [lock for lock in rows if lock.token not in held
            and _covers(lock.path, lock.depth_infinity, path, infinite) and not shared_with_me(lock)]


def conflict_error(locks: list[FsLock], owner_uri: FileURI | None, reveal: bool) -> AppError:
    data: list[dict[str, Any]] = []
    for lock in locks:
        item: dict[str, Any] = {"type": 1 if lock.depth_infinity else 0,
                                "owner": {"application": lock.application or {"type": "dav"}}}
        if lock.shared:  # left out for exclusive locks, as Go's omitempty would
            item["shared"] = True
        if reveal and owner_uri is not None:
            item["path"] = str(owner_uri.root().join(*[e for e in lock.path.split("/") if e]))
            item["token"] = lock.token
        data.append(item)
    return AppError(Code.LOCK_CONFLICT, "Lock conflict", data=data)


async def ensure_unlocked(session: AsyncSession, owner_id: int, targets: list[tuple[str, bool]],
                          owner_uri: FileURI | None, reveal: bool, held: frozenset[str] | None = None) -> None:
    found: list[FsLock] = []
    for path, infinite in targets:
        found.extend(await conflicts(session, owner_id, path, infinite, held))
    if found:
        unique = {lock.token: lock for lock in found}
        raise conflict_error(list(unique.values()), owner_uri, reveal)


async def acquire(session: AsyncSession, owner_id: int, path: str, infinite: bool, application: dict[str, Any],
                  ttl: timedelta | None, owner_uri: FileURI | None = None, reveal: bool = True,
                  token: str | None = None, held: frozenset[str] = frozenset(), shared: bool = False) -> str:
    """A new lock; refused while another lock covers the path, unless both are shared."""
    existing = [lock for lock in await conflicts(session, owner_id, path, infinite, held)
                if not (shared and lock.shared)]
    if existing:
        raise conflict_error(existing, owner_uri, reveal)
    token = token or "opaquelocktoken:" + secrets.token_hex(16)
    now = utcnow()
    session.add(FsLock(token=token, owner_id=owner_id, path=path, depth_infinity=infinite, shared=shared,
                       application=application, created_at=now, expires_at=now + ttl if ttl else None))
    await session.flush()
    return token


async def release(session: AsyncSession, tokens: list[str]) -> int:
    if not tokens:
        return 0
    result = await session.execute(sa.delete(FsLock).where(FsLock.token.in_(tokens)))
    return int(result.rowcount or 0)


async def purge_expired(session: AsyncSession) -> None:
    await session.execute(sa.delete(FsLock).where(FsLock.expires_at.is_not(None), FsLock.expires_at <= utcnow()))
