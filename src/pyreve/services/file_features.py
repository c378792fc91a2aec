"""Permission settings (files.md §15), file activities (§16) and storage policy mounts (§19)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pyreve.db.models import AuditLog, File, Group, StoragePolicy, User
from pyreve.db.models.file import FOLDER
from pyreve.db.repos import files as repo
from pyreve.db.uow import reading, writing
from pyreve.errors import AppError, Code, OwnerOnly, ParamError
from pyreve.fs import activities, mounts, operations, permissions
from pyreve.fs import capabilities as cap
from pyreve.fs.navigators import navigator_for
from pyreve.fs.operations import Batch
from pyreve.kit.hashid import IdType
from pyreve.services import share as shares
from pyreve.services.context import Ctx
from pyreve.services.file import IS_ADMIN, origin, parse_uri, parse_uris, subject

MIN_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE = 10, 100


# --- permissions -----------------------------------------------------------------------------------

async def set_permission(ctx: Ctx, texts: list[str], setting: Mapping[str, Any] | None) -> None:
    """Give each file the explicit ``setting`` (None: clear it, so the file inherits its parent's)."""
    uris = parse_uris(ctx, texts)
    batch = Batch()
    async with writing(ctx.rt.sessions) as session:
        if not ctx.user.anonymous:
            await repo.lock_owner(session, ctx.user.id)
        stored = await permissions.parse_setting(session, ctx.rt.ids, setting) if setting is not None else None
        for uri in uris:
            key = str(uri)
            try:
                nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
                nav.require(cap.UPDATE_METADATA, cap.LOCK)
                file = await nav.resolve(session, uri)
                if file.owner_id != ctx.user.id and not ctx.user.group.can(IS_ADMIN):
                    raise OwnerOnly()
                if operations.is_root(file):
                    raise operations.root_error()
                await permissions.set_setting(session, file, stored)
                await activities.record(session, origin(ctx), activities.SET_FILE_PERMISSION, file.id,
                                        cleared=stored is None)
            except AppError as err:
                batch.fail(key, err)
    batch.raise_if_failed()


# --- activities ------------------------------------------------------------------------------------

@dataclass
class ActivityPage:
    rows: list[AuditLog]
    users: dict[int, Any]
    next_token: str | None
    page_size: int


async def list_activities(ctx: Ctx, uri_text: str, page_size: int, direction: str, token: str,
                          kind_filter: str) -> ActivityPage:
    if not MIN_ACTIVITY_PAGE <= page_size <= MAX_ACTIVITY_PAGE:
        raise ParamError("PageSize too short" if page_size < MIN_ACTIVITY_PAGE else "PageSize too long")
    if direction not in ("", "asc", "desc"):
        raise ParamError("Unknown order direction")
    uri = parse_uri(uri_text)
    async with reading(ctx.rt.sessions) as session:
        nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
        nav.require(cap.INFO)
        file = await nav.resolve(session, uri)
        if file.owner_id != ctx.user.id and not ctx.user.group.can(IS_ADMIN):
            raise OwnerOnly()
        await permissions.require(session, subject(ctx), file, permissions.READ)
        rows, next_token = await activities.page(session, ctx.rt.ids, file.id, ctx.user.id, kind_filter, page_size,
                                                 direction == "desc", token)
        user_ids = sorted({r.user_id for r in rows if r.user_id})
        users: dict[int, Any] = {}
        if user_ids:
            stmt = (sa.select(User.id, User.nick, User.avatar, User.created_at, Group.id.label("group_id"),
                              Group.name.label("group_name"))
                    .join(Group, Group.id == User.group_users).where(User.id.in_(user_ids)))
            users = {row.id: row for row in (await session.execute(stmt)).all()}
        return ActivityPage(rows, users, next_token, page_size)


# --- storage policy mounts -------------------------------------------------------------------------

async def mount_policy(ctx: Ctx, uri_text: str, policy_hash: str) -> None:
    """Uploads below the folder ``uri_text`` go to policy ``policy_hash`` (one the user's group may use)."""
    uri = parse_uri(uri_text).without_query()
    policy_id = ctx.rt.ids.decode(policy_hash, IdType.POLICY)
    async with writing(ctx.rt.sessions) as session:
        await repo.lock_owner(session, ctx.user.id)
        policy = await session.get(StoragePolicy, policy_id)
        if policy is None or policy.deleted_at is not None:
            raise AppError(Code.POLICY_NOT_EXIST, "Storage policy not found")
        if policy.id not in {p.id for p in await mounts.available(session, ctx.user.group.id)}:
            raise AppError(Code.NO_PERMISSION, "This storage policy is not available to your group")
        nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
        nav.require(cap.UPDATE_METADATA, cap.LOCK)
        folder: File = await nav.resolve(session, uri)
        if folder.owner_id != ctx.user.id:
            raise OwnerOnly()
        if folder.type != FOLDER or folder.is_symbolic:
            raise AppError(Code.NO_PERMISSION, "target must be a valid folder")
        await permissions.require(session, subject(ctx), folder, permissions.UPDATE)
        await operations.check_locks(session, ctx.user.id, [(operations.lock_path(uri), True)])
        folder.mounted_policy_id = policy.id
        await activities.record(session, origin(ctx), activities.MOUNT, folder.id, policy=policy.name)


async def available_policies(ctx: Ctx) -> list[StoragePolicy]:
    async with reading(ctx.rt.sessions) as session:
        return await mounts.available(session, ctx.user.group.id)
