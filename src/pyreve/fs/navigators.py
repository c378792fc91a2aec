"""Navigators: how each file system (my, share, trash, shared_with_me) resolves URIs and lists.

One navigator per (fs, requester) per request. Operations first check a capability bit (403 "Not
supported action" when missing), then ownership.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File
from pyreve.db.models.file import FOLDER
from pyreve.db.repos import shares as share_repo
from pyreve.db.seed import GroupPermission
from pyreve.errors import AppError, Code, NotLoggedIn
from pyreve.fs import capabilities as cap
from pyreve.fs import tree, views
from pyreve.fs.uri import MY, SHARE, SHARED_WITH_ME, TRASH, FileURI
from pyreve.kit import boolset
from pyreve.kit.clock import utcnow
from pyreve.kit.hashid import HashIds, IdType

ORDER_BY_OPTIONS = ["name", "size", "updated_at", "created_at"]
DIRECTION_OPTIONS = ["asc", "desc"]


def not_supported() -> AppError:
    return AppError(Code.NO_PERMISSION, "Not supported action")


@dataclass
class Navigator:
    fs: str
    capabilities: bytes
    user_id: int
    ids: HashIds

    def require(self, *bits: int) -> None:
        if not all(boolset.enabled(self.capabilities, bit) for bit in bits):
            raise not_supported()

    @property
    def has_root(self) -> bool:
        return self.fs == MY

    @property
    def single_file(self) -> bool:
        """The listing shows one shared file in place of a folder (a single-file share)."""
        return False

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        raise NotImplementedError

    async def view(self, session: AsyncSession, folder: File | None, settings: dict[str, Any]
                   ) -> dict[str, Any] | None:
        """The explorer view a listing of ``folder`` uses (``settings``: the requester's preferences)."""
        return await views.effective(session, self.fs, folder, settings)

    def child_uri(self, parent: FileURI, file: File) -> FileURI:
        return parent.join(file.name)

    def children_filter(self, folder: File | None) -> Sequence[sa.ColumnElement[bool]]:
        raise NotImplementedError


class MyNavigator(Navigator):
    async def root(self, session: AsyncSession) -> File:
        return await tree.ensure_root(session, self.user_id)

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        return await tree.walk(session, await self.root(session), uri.elements)

    def children_filter(self, folder: File | None) -> Sequence[sa.ColumnElement[bool]]:
        assert folder is not None
        return [File.file_children == folder.id]


class TrashNavigator(Navigator):
    """Trash entries are the owner's parent-less rows with a (UUID) name; one level only."""

    @property
    def has_root(self) -> bool:
        return False

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        elements = uri.elements
        if len(elements) != 1:
            raise tree.PathNotFound(None, elements)
        stmt = sa.select(File).where(File.owner_id == self.user_id, File.file_children.is_(None),
                                     File.name == elements[0], File.name != "")
        found = (await session.execute(stmt)).scalar_one_or_none()
        if found is None:
            raise tree.PathNotFound(None, elements)
        return found

    def child_uri(self, parent: FileURI, file: File) -> FileURI:
        return parent.root().join(file.name)

    def children_filter(self, folder: File | None) -> Sequence[sa.ColumnElement[bool]]:
        return [File.owner_id == self.user_id, File.file_children.is_(None), File.name != ""]


class SharedWithMeNavigator(Navigator):
    """The requester's saved-share shortcuts (symbolic rows), flat."""

    @property
    def has_root(self) -> bool:
        return False

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        elements = uri.elements
        if len(elements) != 1:
            raise tree.PathNotFound(None, elements)
        file_id = self.ids.decode(elements[0], IdType.FILE)
        found = await session.get(File, file_id)
        if found is None or found.owner_id != self.user_id or not found.is_symbolic:
            raise tree.PathNotFound(None, elements)
        return found

    def child_uri(self, parent: FileURI, file: File) -> FileURI:
        return parent.root().join(self.ids.encode(file.id, IdType.FILE))

    def children_filter(self, folder: File | None) -> Sequence[sa.ColumnElement[bool]]:
        return [File.owner_id == self.user_id, File.is_symbolic.is_(True), File.file_children.is_not(None)]


# --- share links ----------------------------------------------------------------------------------

class PasswordGuard(Protocol):
    """Limits guessing share passwords: ``check`` refuses while too many guesses failed. ``failed``
    and ``succeeded`` are called inside the caller's transaction: what they write waits for its end."""

    async def check(self, share_id: int) -> None: ...

    async def failed(self, share_id: int) -> None: ...

    async def succeeded(self, share_id: int) -> None: ...


@dataclass(frozen=True)
class ShareAccess:
    """What opening a share needs to know about the visitor besides their id."""

    permissions: bytes = b""  # the visitor's group permissions (bit 7: may open share links)
    guard: PasswordGuard | None = None
    spent_ok: bool = False  # a link whose downloads ran out still opens (URLs handed out before)


def share_not_found() -> AppError:
    return AppError(Code.NOT_FOUND, "Shared file does not exist")


def share_problem(link: Any, top: str | None, now: datetime, spent_ok: bool = False) -> str | None:
    """Why a share link (a row of ``share_repo.link``) does not work, or None when it does; ``top``: the
    name of the row the source's chain of parents ends at (``""`` for the owner's root)."""
    if link.expires is not None and link.expires <= now:
        return "expired"
    if not spent_ok and link.remain_downloads is not None and link.remain_downloads <= 0:
        return "no downloads left"
    if link.owner_status != "active":
        return "owner inactive"
    if link.file_parent is None or link.file_owner != link.user_shares or top != "":
        return "source deleted"
    return None


@dataclass
class OpenShare:
    link: Any  # the row of share_repo.link
    source: File
    root: File  # listed at the share's root: the shared folder, or the shared file's folder
    single_file: bool


class ShareNavigator(Navigator):
    """``cloudreve://<share id>[:<password>]@share/...``: below the shared folder, or the one shared file."""

    def __init__(self, user_id: int, ids: HashIds, access: ShareAccess | None):
        super().__init__(SHARE, cap.SHARE_FS, user_id, ids)
        self.access = access or ShareAccess()
        self.opened: OpenShare | None = None

    @property
    def has_root(self) -> bool:
        return True

    @property
    def single_file(self) -> bool:
        return self.opened is not None and self.opened.single_file

    @property
    def share_id(self) -> int | None:
        return None if self.opened is None else int(self.opened.link.id)

    @property
    def is_owner(self) -> bool:
        return self.opened is not None and self.opened.link.user_shares == self.user_id

    async def open(self, session: AsyncSession, uri: FileURI) -> OpenShare:
        """Load the share once: 404 unless it works, 40069 for a wrong password, 403 without bit 7."""
        if self.opened is not None:
            return self.opened
        try:
            share_id = self.ids.decode(uri.id, IdType.SHARE)
        except AppError:
            raise share_not_found() from None
        link = await share_repo.link(session, share_id)
        if link is None:
            raise share_not_found()
        if share_problem(link, link.top_name, utcnow(), self.access.spent_ok):
            raise share_not_found()
        owner = link.user_shares == self.user_id
        if link.password and not owner:
            guard = self.access.guard
            if guard is not None and uri.password:
                await guard.check(share_id)
            if not hmac.compare_digest(uri.password.encode(), link.password.encode()):
                if guard is not None and uri.password:
                    await guard.failed(share_id)
                raise AppError(Code.INCORRECT_PASSWORD, "Incorrect share password")
            if guard is not None:
                await guard.succeeded(share_id)
        if not owner and not boolset.enabled(self.access.permissions, GroupPermission.SHARE_DOWNLOAD):
            raise AppError(Code.NO_PERMISSION, "You don't have permission to access share links")
        source = await session.get(File, link.file_shares)
        if source is None or source.file_children is None:
            raise share_not_found()
        single = source.type != FOLDER
        root = source if not single else await session.get(File, source.file_children)
        if root is None:
            raise share_not_found()
        self.opened = OpenShare(link, source, root, single)
        return self.opened

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        opened = await self.open(session, uri)
        elements = uri.elements
        if opened.single_file:
            if not elements:
                return opened.root
            if elements == [opened.source.name]:
                return opened.source
            raise tree.PathNotFound(None, elements)
        return await tree.walk(session, opened.root, elements)

    def children_filter(self, folder: File | None) -> Sequence[sa.ColumnElement[bool]]:
        assert folder is not None
        if self.opened is not None and self.opened.single_file and folder.id == self.opened.root.id:
            return [File.id == self.opened.source.id]
        return [File.file_children == folder.id]

    async def view(self, session: AsyncSession, folder: File | None, settings: dict[str, Any]
                   ) -> dict[str, Any] | None:
        """The owner's view: nearest saved one up to the share's root. Visitors see it only when the
        share exposes it (``share_view``)."""
        opened = self.opened
        if opened is None or folder is None:
            return None
        if not self.is_owner and not (opened.link.props or {}).get("share_view"):
            return None
        if (opened.link.owner_settings or {}).get("disable_view_sync"):
            return None
        current: File | None = folder
        while current is not None:
            saved = (current.props or {}).get("view")
            if saved:
                return dict(saved)
            if current.id == opened.root.id or current.file_children is None:
                break
            current = await session.get(File, current.file_children)
        return dict(views.DEFAULT_VIEW)


def navigator_for(uri: FileURI, user_id: int, ids: HashIds, access: ShareAccess | None = None) -> Navigator:
    """The navigator of ``uri`` for the requester (``user_id`` 0 = anonymous guest); ``access`` tells
    a share's navigator about the visitor (without it only the share's owner gets in)."""
    if uri.fs in (MY, TRASH, SHARED_WITH_ME) and user_id == 0:
        raise NotLoggedIn()
    if uri.fs == MY:
        if uri.id and uri.id != ids.encode(user_id, IdType.USER):
            raise AppError(Code.NO_PERMISSION, "Not allowed to access other users' files")
        return MyNavigator(MY, cap.MY, user_id, ids)
    if uri.fs == TRASH:
        return TrashNavigator(TRASH, cap.TRASH, user_id, ids)
    if uri.fs == SHARED_WITH_ME:
        return SharedWithMeNavigator(SHARED_WITH_ME, cap.SHARED_WITH_ME, user_id, ids)
    return ShareNavigator(user_id, ids, access)


