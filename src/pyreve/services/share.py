"""Share links (spec: share.md): create, edit, delete and list them; what a visitor sees of one.

Browsing and downloading through ``cloudreve://<id>[:<password>]@share`` URIs happens in the file and
transfer services through the share navigator (fs/navigators.py); this module gives them what a visit
needs: the visitor's access (group permission and the password-guessing limit), the atomic download
counter of single-file shares, and the check that a link handed out earlier still works.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.models import File, Share
from pyreve.db.models.file import FILE, FOLDER
from pyreve.db.repos import files as file_repo
from pyreve.db.repos import shares as repo
from pyreve.db.seed import GroupPermission
from pyreve.db.uow import writing
from pyreve.errors import AppError, Code, ParamError
from pyreve.fs import activities, operations, tree
from pyreve.fs import capabilities as cap
from pyreve.fs.navigators import ShareAccess, navigator_for, share_not_found, share_problem
from pyreve.fs.uri import SHARE, FileURI
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import ratelimit
from pyreve.services.context import Ctx, Principal, Runtime

PASSWORD_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ORDER_BY = ("views", "downloads", "remain_downloads")


# --- what a share looks like to the requester ----------------------------------------------------

@dataclass(frozen=True)
class ShareOwner:
    id: int
    nick: str
    avatar: str
    email: str
    created_at: datetime | None
    group_id: int
    group_name: str
    settings: dict[str, Any]  # their preferences: which links their profile lists is public


@dataclass
class ShareView:
    """One share link as the requester may see it (rendered by api/schemas/share.py)."""

    id: int
    name: str
    source_type: int
    visited: int
    downloaded: int
    remain_downloads: int | None
    expires: datetime | None
    created_at: datetime
    password: str
    props: dict[str, Any]
    owner: ShareOwner
    unlocked: bool  # password, counters and expiry are shown
    expired: bool
    mine: bool  # the requester owns it: owner-only members are shown
    show_email: bool
    site: str
    size: int = 0  # a single file's size, shown with the counters
    source_uri: str = ""


def _build(link: Any, name: str, requester: Principal, *, unlocked: bool, expired: bool, site: str) -> ShareView:
    owner = ShareOwner(id=link.user_shares, nick=link.owner_nick or "", avatar=link.owner_avatar or "",
                       email=link.owner_email or "", created_at=link.owner_created_at,
                       group_id=link.owner_group_id, group_name=link.owner_group_name or "",
                       settings=dict(link.owner_settings or {}))
    size = (link.file_size or 0) if unlocked and link.file_type == FILE else 0
    return ShareView(id=link.id, name=name, source_type=link.file_type, visited=link.views,
                     downloaded=link.downloads, remain_downloads=link.remain_downloads, expires=link.expires,
                     created_at=link.created_at, password=link.password or "", props=dict(link.props or {}),
                     owner=owner, unlocked=unlocked, expired=expired, mine=link.user_shares == requester.id,
                     show_email=not requester.anonymous, site=site, size=size)


async def _names(conn: Any, links: Iterable[Any]) -> dict[int, str]:
    """Each link's display name: a trashed source shows the name it had before."""
    links = list(links)
    out = {link.id: link.file_name for link in links}
    trashed = [link for link in links if link.file_parent is None]
    if trashed:
        meta = await file_repo.metadata(conn, [link.file_shares for link in trashed], public_only=False)
        for link in trashed:
            restore = meta[link.file_shares].get(operations.RESTORE_URI)
            if restore:
                with contextlib.suppress(AppError):
                    out[link.id] = FileURI.parse(restore).name or link.file_name
    return out


def site_origins(rt: Runtime) -> list[str]:
    """``scheme://host`` of every configured site URL, in order."""
    configured = [u.strip() for u in rt.settings.str("siteURL").split(",") if u.strip()] or ["http://localhost"]
    return [f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, configured)]


def site_url(rt: Runtime, host: str = "") -> str:
    """``scheme://host`` of the configured site URL the request came through, else of the first one."""
    origins = site_origins(rt)
    return next((origin for origin in origins if host and urlsplit(origin).netloc == host), origins[0])


def link_url(rt: Runtime, share_id: int, password: str, site: str) -> str:
    url = f"{site}/s/{rt.ids.encode(share_id, IdType.SHARE)}"
    return f"{url}/{password}" if password else url


def share_uri(share_hash: str, password: str = "") -> FileURI:
    return FileURI(fs=SHARE, id=share_hash, password=password)


def redirect_target(share_hash: str, password: str) -> str:
    """Where ``/s/<id>[/<password>]`` sends the browser: the web client's explorer at the share."""
    return "/home?" + urlencode({"path": str(share_uri(share_hash, password))})


def _reader(rt: Runtime) -> AsyncEngine:
    engine: AsyncEngine | None = rt.extras.get("share_reader")
    if engine is None:
        engine = rt.extras["share_reader"] = read_only(rt.engine)
    return engine


def _read_session(rt: Runtime) -> AsyncSession:
    """A session for reads only: on SQLite it takes no write lock."""
    return AsyncSession(_reader(rt), expire_on_commit=False)


# --- visiting --------------------------------------------------------------------------------------

class PasswordGuard:
    """Wrong share passwords are throttled per (share, visitor address) and per address: while either
    is held back every guess is refused, right ones too (or a guesser could tell them apart). Other
    visitors of the share are not affected. The password may be compared inside the caller's write
    transaction; the failures are then written when it ends (``uow.after_write``)."""

    def __init__(self, rt: Runtime, ip: str):
        self.rt = rt
        self.ip = ip
        self.guards: dict[int, ratelimit.Guard] = {}

    def _guard(self, share_id: int) -> ratelimit.Guard:
        guard = self.guards.get(share_id)
        if guard is None:
            guard = self.guards[share_id] = ratelimit.Guard(
                self.rt, ratelimit.SHARE, ratelimit.SHARE_IP, str(share_id), self.ip)
        return guard

    async def check(self, share_id: int) -> None:
        await self._guard(share_id).check()

    async def failed(self, share_id: int) -> None:
        await self._guard(share_id).failed()

    async def succeeded(self, share_id: int) -> None:
        await self._guard(share_id).succeeded()


def access(ctx: Ctx, *, spent_ok: bool = False) -> ShareAccess:
    """How the requester of ``ctx`` may open share URIs."""
    return ShareAccess(permissions=ctx.user.group.permissions, guard=PasswordGuard(ctx.rt, ctx.ip),
                       spent_ok=spent_ok)


async def count_download(rt: Runtime, share_id: int) -> None:
    """One download of a single-file share; 404 once none are left (decided by the database)."""
    async with writing(rt.sessions) as session:
        if not await repo.count_download(session, share_id, utcnow()):
            raise share_not_found()


async def check_live(rt: Runtime, share_hash: str) -> None:
    """A download URL handed out through a share serves only while the share still works (its
    download count aside: that URL was one of the downloads)."""
    try:
        share_id = rt.ids.decode(share_hash, IdType.SHARE)
    except AppError:
        raise share_not_found() from None
    async with _reader(rt).connect() as conn:
        link = await repo.link(conn, share_id)
    if link is None or share_problem(link, link.top_name, utcnow(), spent_ok=True):
        raise share_not_found()


async def mark_shared(session: AsyncSession, user_id: int, views: Iterable[Any]) -> None:
    """Set ``shared`` on the file views (services/file.py FileView) of the requester's own files."""
    mine = [v for v in views if v is not None and v.file.owner_id == user_id]
    if mine:
        found = await repo.shared(session, [v.file.id for v in mine])
        for view in mine:
            view.shared = view.file.id in found


async def of_file(ctx: Ctx, session: AsyncSession, file: File, name: str) -> list[ShareView]:
    """The owner's links to ``file`` for its extended info (shown unlocked)."""
    links = await repo.of_file(session, file.id)
    if not links:
        return []
    tops = await repo.tops(session, [file.id])
    now, site = utcnow(), site_url(ctx.rt)
    return [_build(link, name, ctx.user, unlocked=True, site=site,
                   expired=share_problem(link, tops.get(file.id), now) is not None) for link in links]


async def check_shortcut(session: AsyncSession, rt: Runtime, user_id: int, redirect: str) -> None:
    """Nobody saves their own share to their files (40059). A shortcut to a link that does not exist
    (any more) is only useless: visiting it answers "not found"."""
    try:
        share_id = _share_id(rt, FileURI.parse(redirect).id)
    except AppError:
        return
    if await repo.owner_of(session, share_id) == user_id:
        raise AppError(Code.SAVE_OWN_SHARE, "Cannot save your own share")


# --- managing --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShareSettings:
    uri: str
    is_private: bool = False
    password: str = ""
    downloads: int = 0
    expire: int = 0
    share_view: bool = False
    show_readme: bool = False

    def apply(self, share: Share, current_password: str | None) -> None:
        share.remain_downloads = self.downloads if self.downloads > 0 else None
        share.expires = utcnow() + timedelta(seconds=self.expire) if self.expire > 0 else None
        props = {"share_view": self.share_view}
        if self.show_readme:
            props["show_readme"] = True
        share.props = props
        if not self.is_private:
            share.password = None
        else:
            share.password = self.password or current_password or "".join(
                secrets.choice(PASSWORD_ALPHABET) for _ in range(8))


def _share_id(rt: Runtime, share_hash: str) -> int:
    return rt.ids.decode(share_hash, IdType.SHARE)


async def _source(ctx: Ctx, session: AsyncSession, uri_text: str) -> File:
    """The file or folder ``uri`` names in the requester's own drive, shareable."""
    try:
        uri = FileURI.parse(uri_text).without_query()
    except AppError:
        raise ParamError("unknown uri") from None
    nav = navigator_for(uri, ctx.user.id, ctx.rt.ids)
    nav.require(cap.SHARE)
    try:
        file = await nav.resolve(session, uri)
    except tree.PathNotFound:
        raise AppError(Code.NOT_FOUND, "src file not found") from None
    if operations.is_root(file):
        raise operations.root_error()
    if file.owner_id != ctx.user.id:
        raise AppError(Code.NO_PERMISSION, "permission denied")
    if file.is_symbolic:
        raise AppError(Code.NO_PERMISSION, "cannot share symbolic file")
    return file


def _may_share(ctx: Ctx) -> None:
    if not ctx.user.group.can(GroupPermission.SHARE):
        raise AppError(Code.GROUP_NOT_ALLOWED, "Group permission denied")


async def create(ctx: Ctx, settings: ShareSettings, host: str) -> str:
    """A new link (every call makes one); its URL."""
    _may_share(ctx)
    async with writing(ctx.rt.sessions) as session:
        file = await _source(ctx, session, settings.uri)
        share = Share(views=0, downloads=0, file_shares=file.id, user_shares=ctx.user.id)
        settings.apply(share, None)
        session.add(share)
        await session.flush()
        await _record(ctx, session, activities.SHARE, share)
    return link_url(ctx.rt, share.id, share.password or "", site_url(ctx.rt, host))


async def edit(ctx: Ctx, share_hash: str, settings: ShareSettings, host: str) -> str:
    """Change a link's limits, view settings and password; ``settings.uri`` must name its source."""
    share_id = _share_id(ctx.rt, share_hash)
    _may_share(ctx)
    async with writing(ctx.rt.sessions) as session:
        share = await repo.by_id(session, share_id, for_update=True)
        if share is None or share.user_shares != ctx.user.id:
            raise AppError(Code.NOT_FOUND, "Share not found")
        file = await _source(ctx, session, settings.uri)
        if share.file_shares != file.id:
            raise AppError(Code.NOT_FOUND, "share link not found")
        settings.apply(share, share.password)
        await _record(ctx, session, activities.EDIT_SHARE, share)
    return link_url(ctx.rt, share.id, share.password or "", site_url(ctx.rt, host))


async def delete(ctx: Ctx, share_hash: str) -> None:
    share_id = _share_id(ctx.rt, share_hash)
    async with writing(ctx.rt.sessions) as session:
        share = await repo.by_id(session, share_id, for_update=True)
        if share is None or (share.user_shares != ctx.user.id and not ctx.user.group.can(GroupPermission.IS_ADMIN)):
            raise AppError(Code.NOT_FOUND, "share not found")
        share.deleted_at = utcnow()
        await _record(ctx, session, activities.DELETE_SHARE, share)


async def delete_many(ctx: Ctx, share_hashes: list[str]) -> None:
    """Delete those of the links that are the requester's own; the others are left alone, unmentioned
    (as Cloudreve does), so nobody learns which ids exist."""
    share_ids = sorted({_share_id(ctx.rt, share_hash) for share_hash in share_hashes})
    async with writing(ctx.rt.sessions) as session:
        for share in await repo.of_owner(session, ctx.user.id, share_ids):
            share.deleted_at = utcnow()
            await _record(ctx, session, activities.DELETE_SHARE, share)


async def _record(ctx: Ctx, session: AsyncSession, kind: int, share: Share) -> None:
    """The change of a share link, in the file's activity log."""
    await activities.record(session, activities.Origin(ctx.user.id, ctx.ip, ctx.user_agent, ctx.correlation_id),
                            kind, share.file_shares, share=ctx.rt.ids.encode(share.id, IdType.SHARE))


async def info(ctx: Ctx, share_hash: str, password: str, count_views: bool, owner_extended: bool,
               host: str) -> ShareView:
    """One link as the requester sees it: visitors get 404 once it stopped working, its owner sees
    ``expired``; locked (without the password) it shows no password, counters or expiry."""
    rt = ctx.rt
    share_id = _share_id(rt, share_hash)
    # Counting a view writes: then the read and the count share one short write transaction.
    async with (rt.engine if count_views else _reader(rt)).begin() as conn:
        link = await repo.link(conn, share_id)
        if link is None:
            raise AppError(Code.NOT_FOUND, "Share not found")
        expired = share_problem(link, link.top_name, utcnow()) is not None
        mine = link.user_shares == ctx.user.id
        if expired and not mine:
            raise AppError(Code.NOT_FOUND, "Share link expired")
        names = await _names(conn, [link])
        counted = count_views and not expired
        if counted:
            await repo.count_view(conn, share_id)
            await activities.record(conn, activities.Origin(ctx.user.id, ctx.ip, ctx.user_agent, ctx.correlation_id),
                                    activities.SHARE_LINK_VIEWED, link.file_shares, share=share_hash)
    unlocked = not link.password or mine
    if not unlocked and password:
        guard = PasswordGuard(rt, ctx.ip)
        await guard.check(share_id)
        unlocked = secrets.compare_digest(password.encode(), link.password.encode())
        await (guard.succeeded if unlocked else guard.failed)(share_id)
    view = _build(link, names[link.id], ctx.user, unlocked=unlocked, expired=expired, site=site_url(rt, host))
    if counted:
        view.visited += 1
    if owner_extended and mine:
        async with _read_session(rt) as session:
            source = await session.get(File, link.file_shares)
            if source is not None:
                # The share's root as its owner sees it: the folder, or the single file's folder.
                root = source
                if source.type != FOLDER and source.file_children is not None:
                    root = await session.get(File, source.file_children) or source
                view.source_uri = str(await operations.owner_uri(session, root))
    return view


def _page_token(rt: Runtime, token: str) -> tuple[int, int] | None:
    if not token:
        return None
    try:
        payload = json.loads(base64.b64decode(token, validate=True))
        last_id = rt.ids.decode(str(payload["id"]), IdType.SHARE)
        return int(payload.get("int", last_id)), last_id
    except (ValueError, KeyError, TypeError, AttributeError, AppError):
        raise ParamError("Invalid page token") from None


def _next_token(rt: Runtime, last: Any, order: str) -> str:
    payload: dict[str, Any] = {"id": rt.ids.encode(last.id, IdType.SHARE)}
    if order in ORDER_BY:
        payload["int"] = repo.order_value(last, order)
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


async def _page(rt: Runtime, where: list[sa.ColumnElement[bool]], size: int, order_by: str, direction: str,
                token: str) -> tuple[list[Any], dict[str, Any], dict[int, str], dict[int, str]]:
    order = order_by if order_by in ORDER_BY else "id"
    desc = direction == "desc"
    after = _page_token(rt, token)
    async with _reader(rt).connect() as conn:
        rows = await repo.links_page(conn, where, order, desc, after, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        tops = await repo.tops(conn, [row.file_shares for row in rows])
        names = await _names(conn, rows)
    pagination: dict[str, Any] = {"page": 0, "page_size": size, "is_cursor": True}
    if more and rows:
        pagination["next_token"] = _next_token(rt, rows[-1], order)
    return rows, pagination, tops, names


async def list_mine(ctx: Ctx, size: int, order_by: str, direction: str, token: str, host: str
                    ) -> tuple[list[ShareView], dict[str, Any]]:
    """Every link of the requester, expired ones included (``expired: true``), unlocked."""
    rows, pagination, tops, names = await _page(ctx.rt, [Share.user_shares == ctx.user.id], size, order_by,
                                                direction, token)
    now, site = utcnow(), site_url(ctx.rt, host)
    return [_build(row, names[row.id], ctx.user, unlocked=True, site=site,
                   expired=share_problem(row, tops.get(row.file_shares), now) is not None)
            for row in rows], pagination


async def list_public(ctx: Ctx, owner: Principal, size: int, order_by: str, direction: str, token: str,
                      host: str) -> tuple[list[ShareView], dict[str, Any]]:
    """A user's links for their profile page: working ones without a password (with one too when the
    owner chose ``all_share``; none with ``hide_share``), each shown locked."""
    preference = owner.settings.get("share_links_in_profile") or ""
    if preference == "hide_share" or owner.status != "active":
        return [], {"page": 0, "page_size": size, "is_cursor": True}
    now = utcnow()
    where = [Share.user_shares == owner.id, File.file_children.is_not(None),
             sa.or_(Share.expires.is_(None), Share.expires > now),
             sa.or_(Share.remain_downloads.is_(None), Share.remain_downloads > 0)]
    if preference != "all_share":
        where.append(sa.or_(Share.password.is_(None), Share.password == ""))
    rows, pagination, tops, names = await _page(ctx.rt, where, size, order_by, direction, token)
    site = site_url(ctx.rt, host)
    return [_build(row, names[row.id], ctx.user, unlocked=False, expired=False, site=site)
            for row in rows if share_problem(row, tops.get(row.file_shares), now) is None], pagination
