"""Navigators: how each file system (my, trash, shared_with_me; share later) resolves URIs and lists.

One navigator per (fs, requester) per request. Operations first check a capability bit (403 "Not
supported action" when missing), then ownership.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File
from pyreve.errors import AppError, Code, NotLoggedIn
from pyreve.fs import capabilities as cap
from pyreve.fs import tree
from pyreve.fs.uri import MY, SHARED_WITH_ME, TRASH, FileURI
from pyreve.kit import boolset
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

    async def resolve(self, session: AsyncSession, uri: FileURI) -> File:
        raise NotImplementedError

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


def navigator_for(uri: FileURI, user_id: int, ids: HashIds) -> Navigator:
    """The navigator of ``uri`` for the requester (``user_id`` 0 = anonymous guest)."""
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
    raise AppError(Code.FEATURE_NOT_ENABLED, "Sharing is not available yet")


