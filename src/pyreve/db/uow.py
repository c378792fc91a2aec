"""Units of work: one service call = one transaction, opened either to read or to write.

- :func:`reading` takes no write lock (a plain ``BEGIN`` on SQLite, which WAL runs beside the
  writer); a write statement in it is a bug and raises.
- :func:`writing` takes the write lock up front on SQLite. A task holding one may not open another,
  nor write to the database-backed KV store: on SQLite the second write would wait on the first, its
  own, and every other writer of the site would wait behind both (:func:`refuse_nested_write`).
- After a write commits, the users whose rows (or WebDAV accounts) it changed are announced to the
  session factory's ``info["on_users_changed"]``, so per-worker caches of those rows are dropped
  everywhere before the caller's next request (decision 0005).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from pyreve.db.engine import read_only
from pyreve.db.models import DavAccount, User

ON_USERS_CHANGED = "on_users_changed"
READING = "reading"  # in a session's info: the session was opened by :func:`reading`
_CHANGED_USERS = "changed_users"

UsersChanged = Callable[[Iterable[int]], Awaitable[None]]


class NestedWrite(RuntimeError):
    """A write was attempted while the same task holds a write transaction."""


class _Held:
    """The write transaction a task holds; child tasks inherit the context, not the hold."""

    __slots__ = ("task", "open", "after")

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.open = True
        self.after: list[Callable[[], Awaitable[None]]] = []


_held: ContextVar[_Held | None] = ContextVar("pyreve_write_held", default=None)


def _held_here() -> _Held | None:
    held = _held.get()
    return held if held is not None and held.open and held.task is asyncio.current_task() else None


def refuse_nested_write(what: str) -> None:
    if _held_here() is not None:
        raise NestedWrite(f"{what} while this task holds a write transaction")


def after_write(work: Callable[[], Awaitable[None]]) -> bool:
    """Run ``work`` once the write transaction this task holds has ended, committed or not (a KV
    write it may not do inside); False when no write is held, and the caller may do it at once."""
    held = _held_here()
    if held is None:
        return False
    held.after.append(work)
    return True


@asynccontextmanager
async def writing(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    refuse_nested_write("a second write transaction")
    held = _Held()
    token = _held.set(held)
    try:
        async with factory() as session:
            async with session.begin():
                yield session
            changed: set[int] | None = session.info.get(_CHANGED_USERS)
    finally:
        held.open = False
        _held.reset(token)
        for work in held.after:
            await work()
    if changed:
        announce: UsersChanged | None = session.info.get(ON_USERS_CHANGED)
        if announce is not None:
            await announce(changed)


_readers: WeakKeyDictionary[async_sessionmaker[AsyncSession], AsyncEngine] = WeakKeyDictionary()


@asynccontextmanager
async def reading(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    reader = _readers.get(factory)
    if reader is None:
        reader = _readers[factory] = read_only(factory.kw["bind"])
    async with factory(bind=reader, info={READING: True}) as session, session.begin():
        yield session


def mark_user_changed(session: AsyncSession | Session, user_id: int) -> None:
    """For changes the ORM does not see (a Core ``UPDATE users``): announce them after commit."""
    session.info.setdefault(_CHANGED_USERS, set()).add(user_id)


@sa.event.listens_for(Session, "after_flush")
def _track_user_changes(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, User) and obj.id is not None:
            mark_user_changed(session, obj.id)
        elif isinstance(obj, DavAccount) and obj.owner_id is not None:
            mark_user_changed(session, obj.owner_id)
