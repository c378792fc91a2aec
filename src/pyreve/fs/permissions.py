"""Per-file permissions (spec: files.md §15): what a requester may do with a file.

A file or folder may carry an explicit setting; a file without one inherits the setting of its nearest
ancestor that has one (within its tree: a trashed item's chain ends at its trash entry). A setting grants
boolsets of the bits below to:

1. ``user_explicit[user]`` — the named user;
2. ``group_explicit[group]`` — members of the named group;
3. ``anonymous`` — guests (not signed in);
4. ``same_group`` — signed-in users, other than the owner, in the owner's group;
5. ``other`` — signed-in users outside the owner's group;
6. ``everyone`` — anybody, the owner included.

The first entry that applies and is set decides; when none does (or there is no setting at all) the
requester may do everything (``None``). The owner is therefore restricted only by an entry naming them,
their group, or everyone; changing or clearing a setting stays possible for the owner whatever it says.

Every route that reads or changes a file calls :func:`require` (or :func:`granted` for a listing).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File, Group, User
from pyreve.errors import AppError, Code, ParamError
from pyreve.fs import tree
from pyreve.kit import boolset
from pyreve.kit.hashid import HashIds, IdType

READ, UPDATE, CREATE, DELETE = 0, 1, 2, 3
NAMES = ("same_group", "other", "anonymous", "everyone")
Setting = dict[str, Any]
_OWNER_GROUPS = "pyreve_owner_groups"


@dataclass(frozen=True)
class Subject:
    """Who asks: a user id (0 for a guest) and that user's group."""

    user_id: int
    group_id: int

    @property
    def anonymous(self) -> bool:
        return self.user_id == 0


def denied() -> AppError:
    return AppError(Code.NO_PERMISSION, "You do not have permission to do this")


def allows(granted_bits: bytes | None, bit: int) -> bool:
    return granted_bits is None or boolset.enabled(granted_bits, bit)


# --- evaluation ------------------------------------------------------------------------------------

async def own_setting_chain(session: AsyncSession, file: File) -> Setting | None:
    """The setting that applies to ``file``: its own, else its nearest ancestor's."""
    if file.permissions:
        return file.permissions
    for row in reversed(await tree.ancestors(session, file)):
        if row.permissions:
            return row.permissions
    return None


async def owner_group(session: AsyncSession, owner_id: int) -> int | None:
    """The group of a file's owner, remembered for the rest of the transaction."""
    cache: dict[int, int | None] = session.info.setdefault(_OWNER_GROUPS, {})
    if owner_id not in cache:
        cache[owner_id] = await session.scalar(sa.select(User.group_users).where(User.id == owner_id))
    return cache[owner_id]


def _bits(value: Any) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(str(value))
    except (binascii.Error, ValueError):
        return b""


async def evaluate(session: AsyncSession, subject: Subject, owner_id: int, setting: Setting | None) -> bytes | None:
    """The bits ``setting`` grants ``subject`` on a file of ``owner_id`` (None: everything)."""
    if not setting:
        return None
    users: Mapping[str, Any] = setting.get("user_explicit") or {}
    groups: Mapping[str, Any] = setting.get("group_explicit") or {}
    if not subject.anonymous and users.get(str(subject.user_id)) is not None:
        return _bits(users[str(subject.user_id)])
    if groups.get(str(subject.group_id)) is not None:
        return _bits(groups[str(subject.group_id)])
    if subject.anonymous:
        if setting.get("anonymous") is not None:
            return _bits(setting["anonymous"])
    elif subject.user_id != owner_id:
        key = "same_group" if subject.group_id == await owner_group(session, owner_id) else "other"
        if setting.get(key) is not None:
            return _bits(setting[key])
    return _bits(setting.get("everyone"))


async def granted(session: AsyncSession, subject: Subject, file: File) -> bytes | None:
    """The bits ``subject`` has on ``file``; None means every permission."""
    return await evaluate(session, subject, file.owner_id, await own_setting_chain(session, file))


async def require(session: AsyncSession, subject: Subject, file: File, *bits: int) -> bytes | None:
    """403 unless ``subject`` holds every one of ``bits`` on ``file``; returns what it holds."""
    held = await granted(session, subject, file)
    if not all(allows(held, bit) for bit in bits):
        raise denied()
    return held


async def granted_children(session: AsyncSession, subject: Subject, folder: File | None,
                           children: Iterable[File]) -> dict[int, bytes | None]:
    """The bits ``subject`` has on each of ``children`` of ``folder`` (one walk for all of them)."""
    inherited = await own_setting_chain(session, folder) if folder is not None else None
    out: dict[int, bytes | None] = {}
    for child in children:
        if folder is None or child.file_children != folder.id:
            out[child.id] = await granted(session, subject, child)
        else:
            out[child.id] = await evaluate(session, subject, child.owner_id, child.permissions or inherited)
    return out


# --- the setting on the wire -----------------------------------------------------------------------

def _boolset(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParamError("Invalid permission boolset")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ParamError("Invalid permission boolset") from None
    return base64.b64encode(raw).decode()


async def parse_setting(session: AsyncSession, ids: HashIds, wire: Mapping[str, Any]) -> Setting:
    """A PermissionSetting from the client, stored with database ids; 40001 for unknown users or groups."""
    stored: Setting = {}
    for key, kind, model in (("user_explicit", IdType.USER, User), ("group_explicit", IdType.GROUP, Group)):
        entries = wire.get(key) or {}
        if not isinstance(entries, Mapping):
            raise ParamError(f"Invalid {key}")
        decoded: dict[int, str] = {}
        for hashed, value in entries.items():
            bits = _boolset(value)
            if bits is not None:
                decoded[ids.decode(str(hashed), kind)] = bits
        if decoded:
            wanted = list(decoded)
            found = set((await session.execute(
                sa.select(model.id).where(model.id.in_(wanted), model.deleted_at.is_(None)))).scalars())
            if set(wanted) - found:
                raise ParamError("Unknown user" if model is User else "Unknown group")
            stored[key] = {str(k): v for k, v in sorted(decoded.items())}
    for key in NAMES:
        bits = _boolset(wire.get(key))
        if bits is not None:
            stored[key] = bits
    return stored


def render_setting(ids: HashIds, stored: Setting | None) -> dict[str, Any] | None:
    """A stored setting as the client's PermissionSetting (hashed ids)."""
    if not stored:
        return None
    out: dict[str, Any] = {
        "user_explicit": {ids.encode(int(k), IdType.USER): v for k, v in (stored.get("user_explicit") or {}).items()},
        "group_explicit": {ids.encode(int(k), IdType.GROUP): v
                           for k, v in (stored.get("group_explicit") or {}).items()},
    }
    for key in NAMES:
        out[key] = stored.get(key)
    return out


async def set_setting(session: AsyncSession, file: File, setting: Setting | None) -> None:
    file.permissions = setting or None
    await session.flush()
