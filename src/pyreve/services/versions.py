"""File versions (spec: files.md §11): choose the current version, delete an old one.

Both are owner-only, need the navigator's "version control" capability and the "update" file
permission, and run with the owner's tree locked; each is one transaction with its activity record.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import Entity, File, UploadSession
from pyreve.db.models.file import ENTITY_THUMBNAIL, ENTITY_VERSION, FILE
from pyreve.db.repos import files as repo
from pyreve.db.uow import writing
from pyreve.errors import AppError, Code, OwnerOnly, ParamError
from pyreve.fs import activities, entities, locks, operations, permissions
from pyreve.fs import capabilities as cap
from pyreve.fs.navigators import navigator_for
from pyreve.fs.uploads import META_SESSION, META_THUMB_DISABLED
from pyreve.fs.uri import FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import share as shares
from pyreve.services.context import Ctx
from pyreve.services.file import origin, parse_uri, subject


def entity_not_exist() -> AppError:
    return AppError(Code.ENTITY_NOT_EXIST, "Version not found")


async def _target(ctx: Ctx, session: AsyncSession, uri: FileURI) -> tuple[File, list[Entity]]:
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
    nav.require(cap.VERSION_CONTROL)
    file = await nav.resolve(session, uri)
    if file.owner_id != ctx.user.id:
        raise OwnerOnly()
    if file.type != FILE:
        raise AppError(Code.NO_PERMISSION, "target must be a valid file")
    await permissions.require(session, subject(ctx), file, permissions.UPDATE)
    await operations.check_locks(session, file.owner_id, [(operations.lock_path(uri), False)])
    return file, await repo.entities_of(session, file.id)


def _version_id(ctx: Ctx, text: str) -> int:
    try:
        return ctx.rt.ids.decode(text, IdType.ENTITY)
    except AppError:
        raise ParamError("Unknown version ID") from None


async def set_current(ctx: Ctx, uri_text: str, version: str) -> None:
    """Make ``version`` the file's content: its size becomes the file's, thumbnails are dropped."""
    uri = parse_uri(uri_text).without_query()
    wanted = _version_id(ctx, version)
    async with writing(ctx.rt.sessions) as session:
        await repo.lock_owner(session, ctx.user.id)
        file, linked = await _target(ctx, session, uri)
        if file.primary_entity == wanted:
            return
        chosen = next((e for e in linked if e.id == wanted and e.type == ENTITY_VERSION
                       and e.upload_session_id is None), None)
        if chosen is None:
            raise entity_not_exist()
        file.primary_entity = chosen.id
        file.size = chosen.size
        file.updated_at = utcnow()
        for thumb in (e for e in linked if e.type == ENTITY_THUMBNAIL):
            await entities.unlink(session, file, thumb)
        await repo.delete_metadata(session, file.id, [META_THUMB_DISABLED])
        await activities.record(session, origin(ctx), activities.SET_CURRENT_VERSION, file.id, entity_id=chosen.id)


async def delete(ctx: Ctx, uri_text: str, version: str) -> None:
    """Unlink a version that is not the current one; its blob goes once nothing references it."""
    uri = parse_uri(uri_text).without_query()
    wanted = _version_id(ctx, version)
    async with writing(ctx.rt.sessions) as session:
        await repo.lock_owner(session, ctx.user.id)
        file, linked = await _target(ctx, session, uri)
        if file.primary_entity == wanted:
            raise AppError(Code.NO_PERMISSION, "cannot delete current version")
        doomed = next((e for e in linked if e.id == wanted), None)
        if doomed is None:
            raise entity_not_exist()
        await entities.unlink(session, file, doomed)
        if doomed.upload_session_id is not None:  # an unfinished upload: its session goes too
            row = await session.get(UploadSession, doomed.upload_session_id)
            if row is not None:
                await session.execute(sa.delete(UploadSession).where(UploadSession.id == row.id))
                await locks.release(session, [row.lock_token])
            await repo.delete_metadata(session, file.id, [META_SESSION])
        await activities.record(session, origin(ctx), activities.DELETE_VERSION, file.id, entity_id=doomed.id)
