"""Direct links (spec: files.md §12): permanent ``/f/{id}/{name}`` links to a file's current version.

A link is a row; following it redirects to a signed content URL of the file's primary entity, as long
as the owner is active, the file is out of the trash and guests may read it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from pyreve.db.models import DirectLink, Entity, File, User
from pyreve.db.models.file import FILE
from pyreve.db.seed import ANONYMOUS_GROUP_ID
from pyreve.db.uow import writing
from pyreve.errors import AppError, BatchError, Code, OwnerOnly
from pyreve.fs import activities, permissions, tree
from pyreve.fs import capabilities as cap
from pyreve.fs.navigators import navigator_for
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import share as shares
from pyreve.services import transfer
from pyreve.services.context import Ctx, Runtime
from pyreve.services.file import IS_ADMIN, origin, parse_uris, subject


@dataclass(frozen=True)
class Made:
    """One result of ``PUT /file/source``: a permanent link (``link_id``) or an expiring URL."""

    uri: str
    link_id: int | None = None
    name: str = ""
    url: str = ""


def not_found() -> AppError:
    return AppError(Code.NOT_FOUND, "Direct link not found")


async def create(ctx: Ctx, texts: list[str], site: str) -> list[Made]:
    """One link per file (a new one on every call); failures of single items raise 40081 with the rest
    as data."""
    settings = ctx.user.group.settings
    batch_size = int(settings.get("source_batch") or 0)
    if batch_size <= 0:
        raise AppError(Code.GROUP_NOT_ALLOWED, "Group not allowed to create direct links")
    if len(texts) > batch_size:
        raise AppError(Code.BATCH_SOURCE_SIZE, f"Maximum allowed batch size: {batch_size}")
    uris = parse_uris(ctx, texts)
    redirected = bool(settings.get("redirected_source"))
    made: list[Made] = []
    failures: dict[str, AppError] = {}
    who = subject(ctx)
    ttl = max(1, ctx.rt.settings.int("entity_url_default_ttl", 3600))
    async with writing(ctx.rt.sessions) as session:
        for uri in uris:
            key = str(uri)
            try:
                nav = navigator_for(uri, ctx.user.id, ctx.rt.ids, shares.access(ctx))
                nav.require(cap.DOWNLOAD)
                async with session.begin_nested():
                    file = await nav.resolve(session, uri)
                    if file.owner_id != ctx.user.id and not ctx.user.group.can(IS_ADMIN):
                        raise OwnerOnly()
                    await permissions.require(session, who, file, permissions.READ)
                    if file.type != FILE or not file.primary_entity:
                        raise transfer.entity_not_exist()
                    entity = await session.get(Entity, file.primary_entity)
                    if entity is None:
                        raise transfer.entity_not_exist()
                    if not redirected:
                        url = transfer.content_url(ctx.rt, site, entity.id, ctx.user.group.speed_limit, file.name,
                                                   False, int(time.time()) + ttl)
                        made.append(Made(key, url=url))
                        continue
                    link = DirectLink(name=file.name, downloads=0, file_id=file.id,
                                      speed=max(0, ctx.user.group.speed_limit))
                    session.add(link)
                    await session.flush()
                    await activities.record(session, origin(ctx), activities.GET_DIRECT_LINK, file.id,
                                            direct_link=ctx.rt.ids.encode(link.id, IdType.SOURCE_LINK))
                    made.append(Made(key, link_id=link.id, name=link.name))
            except AppError as err:
                failures[key] = err
    if failures:
        error = BatchError(failures)
        error.data = made
        raise error
    return made


async def remove(ctx: Ctx, hashed: str) -> None:
    """Forget a link (the file's owner only)."""
    link_id = ctx.rt.ids.decode(hashed, IdType.SOURCE_LINK)
    async with writing(ctx.rt.sessions) as session:
        link = await session.get(DirectLink, link_id)
        if link is None or link.deleted_at is not None:
            raise not_found()
        file = await session.get(File, link.file_id)
        if file is None or file.owner_id != ctx.user.id:
            raise OwnerOnly()
        link.deleted_at = utcnow()
        await activities.record(session, origin(ctx), activities.DELETE_DIRECT_LINK, file.id, direct_link=hashed)


@dataclass(frozen=True)
class Redirect:
    url: str
    expires: int  # Unix seconds


async def follow(rt: Runtime, hashed: str, name: str, site: str, ip: str = "", user_agent: str = "",
                 download: bool = False) -> Redirect:
    """Where link ``hashed`` named ``name`` points now; counts the download. 404 whenever it does not work.
    ``download``: the content is served as an attachment (``/f/d/...``) rather than inline."""
    try:
        link_id = rt.ids.decode(hashed, IdType.SOURCE_LINK)
    except AppError:
        raise not_found() from None
    guest = permissions.Subject(0, ANONYMOUS_GROUP_ID)
    async with writing(rt.sessions) as session:
        link = await session.get(DirectLink, link_id)
        if link is None or link.deleted_at is not None or link.name != name:
            raise not_found()
        file = await session.get(File, link.file_id)
        if file is None or file.type != FILE or not file.primary_entity:
            raise not_found()
        status = await session.scalar(sa.select(User.status).where(User.id == file.owner_id,
                                                                   User.deleted_at.is_(None)))
        if status != "active":
            raise not_found()
        where = await tree.locate(session, file)
        if where.in_trash:
            raise not_found()
        if not permissions.allows(await permissions.granted(session, guest, file), permissions.READ):
            raise not_found()
        entity = await session.get(Entity, file.primary_entity)
        if entity is None or entity.reference_count <= 0:
            raise not_found()
        await session.execute(sa.update(DirectLink).where(DirectLink.id == link.id)
                              .values(downloads=DirectLink.downloads + 1))
        await activities.record(session, activities.Origin(0, ip, user_agent), activities.ENTITY_DOWNLOADED,
                                file.id, entity_id=entity.id, direct_link=hashed)
    return Redirect(*_content_url(rt, site, entity.id, link.speed, link.name, download))


def _content_url(rt: Runtime, site: str, entity_id: int, speed: int, name: str, download: bool) -> tuple[str, int]:
    """A signed content URL and its expiry, reused (per worker) while it has long enough to live."""
    cache: dict[tuple[int, int, str, str, bool], tuple[str, int]] = rt.extras.setdefault("direct_link_urls", {})
    now = int(time.time())
    key = (entity_id, speed, name, site, download)
    hit = cache.get(key)
    if hit is not None and hit[1] - rt.settings.int("entity_url_cache_margin", 600) > now:
        return hit
    ttl = max(1, rt.settings.int("entity_url_default_ttl", 3600))
    made = transfer.content_url(rt, site, entity_id, speed, name, download, now + ttl), now + ttl
    if len(cache) >= transfer.URL_CACHE_SIZE:
        cache.clear()
    cache[key] = made
    return made
