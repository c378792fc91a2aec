"""File activities (spec: files.md §16): the audit log, written in the transaction of the change it
records, and read back per file. Event numbers follow the client's ``AuditLogType``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pyreve.db.models import AuditLog
from pyreve.errors import AppError, ParamError
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import HashIds, IdType

FILE_CREATE = 7
FILE_RENAME = 8
SET_FILE_PERMISSION = 9
ENTITY_UPLOADED = 10
ENTITY_DOWNLOADED = 11
COPY_FROM = 12
COPY_TO = 13
MOVE_TO = 14
DELETE_FILE = 15
MOVE_TO_TRASH = 16
SHARE = 17
SHARE_LINK_VIEWED = 18
SET_CURRENT_VERSION = 19
DELETE_VERSION = 20
THUMB_GENERATED = 21
LIVE_PHOTO_UPLOADED = 22
UPDATE_METADATA = 23
EDIT_SHARE = 24
DELETE_SHARE = 25
MOUNT = 26
RELOCATE = 27
GET_DIRECT_LINK = 43
UPDATE_VIEW = 56
DELETE_DIRECT_LINK = 57

READS = (ENTITY_DOWNLOADED, SHARE_LINK_VIEWED)
FILTERS = ("", "my", "updates", "reads")


@dataclass(frozen=True)
class Origin:
    """Who caused an event and from where (user 0: a guest)."""

    user_id: int
    ip: str = ""
    user_agent: str = ""
    correlation_id: str = ""


@dataclass(frozen=True)
class Event:
    kind: int
    file_id: int | None
    entity_id: int | None = None
    props: dict[str, Any] | None = None


def _row(origin: Origin, event: Event, now: Any) -> dict[str, Any]:
    return {"type": event.kind, "user_id": origin.user_id or None, "file_id": event.file_id,
            "entity_id": event.entity_id, "content": event.props or {}, "ip": origin.ip[:64],
            "user_agent": origin.user_agent[:1024], "correlation_id": origin.correlation_id[:36],
            "created_at": now, "updated_at": now}


async def record(session: AsyncSession | AsyncConnection, origin: Origin, kind: int, file_id: int | None, *,
                 entity_id: int | None = None, **props: Any) -> None:
    """Add one event to the current transaction."""
    await record_many(session, origin, [Event(kind, file_id, entity_id, props)])


async def record_many(session: AsyncSession | AsyncConnection, origin: Origin, events: Iterable[Event]) -> None:
    now = utcnow()
    rows = [_row(origin, event, now) for event in events]
    if rows:
        await session.execute(sa.insert(AuditLog), rows)


# --- reading ---------------------------------------------------------------------------------------

def encode_token(ids: HashIds, last_id: int) -> str:
    return base64.b64encode(json.dumps({"id": ids.encode(last_id, IdType.AUDIT_LOG)}).encode()).decode()


def decode_token(ids: HashIds, token: str) -> int:
    try:
        return ids.decode(str(json.loads(base64.b64decode(token, validate=True))["id"]), IdType.AUDIT_LOG)
    except (binascii.Error, ValueError, KeyError, TypeError, AppError):
        raise ParamError("Invalid page token") from None


async def page(session: AsyncSession, ids: HashIds, file_id: int, requester_id: int, kind_filter: str,
               size: int, desc: bool, token: str) -> tuple[list[AuditLog], str | None]:
    """One page of a file's events in id order; the token carries the last id."""
    if kind_filter not in FILTERS:
        raise ParamError("Unknown filter")
    where: list[sa.ColumnElement[bool]] = [AuditLog.file_id == file_id, AuditLog.deleted_at.is_(None)]
    if kind_filter == "my":
        where.append(AuditLog.user_id == requester_id)
    elif kind_filter == "updates":
        where.append(AuditLog.type.not_in(READS))
    elif kind_filter == "reads":
        where.append(AuditLog.type.in_(READS))
    if token:
        last = decode_token(ids, token)
        where.append(AuditLog.id < last if desc else AuditLog.id > last)
    order = AuditLog.id.desc() if desc else AuditLog.id.asc()
    rows = list((await session.execute(sa.select(AuditLog).where(*where).order_by(order).limit(size + 1))).scalars())
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_token(ids, rows[-1].id)
    return rows, None
