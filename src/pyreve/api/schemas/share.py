from __future__ import annotations

from typing import Any

from pydantic import Field

from pyreve.api.schemas.common import Body, omit_empty
from pyreve.api.schemas.docs import Out, PaginationOut, UserOut
from pyreve.api.schemas.user import redacted_user_wire
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.services.context import Runtime
from pyreve.services.share import ShareSettings, ShareView

MAX_EXPIRE = 100 * 366 * 24 * 3600
MAX_DOWNLOADS = 2_147_483_647
MAX_BATCH = 1000  # share ids in one batch delete


def share_wire(rt: Runtime, view: ShareView) -> dict[str, Any]:
    """The Share object (share.md §2)."""
    share_hash = rt.ids.encode(view.id, IdType.SHARE)
    url = f"{view.site}/s/{share_hash}"
    if view.password and view.unlocked:
        url += "/" + view.password
    out: dict[str, Any] = {
        "id": share_hash,
        "name": view.name,
        "visited": view.visited,
        "unlocked": view.unlocked,
        "source_type": view.source_type,
        "owner": redacted_user_wire(rt, view.owner, show_email=view.show_email),
        "created_at": rfc3339(view.created_at),
        "expired": view.expired,
        "url": url,
        "password_protected": bool(view.password),
        "size": view.size,  # always sent; 0 unless unlocked and a single file
    }
    if view.unlocked:
        out["show_readme"] = bool(view.props.get("show_readme"))
        out["downloaded"] = view.downloaded
        if view.remain_downloads is not None:
            out["remain_downloads"] = view.remain_downloads
        if view.expires is not None:
            out["expires"] = rfc3339(view.expires)
        if view.password:
            out["password"] = view.password
    if view.mine:
        out["is_private"] = bool(view.password)
        out["share_view"] = bool(view.props.get("share_view"))
    if view.source_uri:
        out["source_uri"] = view.source_uri
    return omit_empty(out, "name", "is_private", "share_view")


class ShareBody(Body):
    uri: str = Field(min_length=1, max_length=65535)
    is_private: bool = False
    password: str | None = Field(default=None, max_length=32, pattern=r"^[0-9A-Za-z]*$")
    downloads: int | None = Field(default=None, le=MAX_DOWNLOADS)
    expire: int | None = Field(default=None, le=MAX_EXPIRE)
    share_view: bool = False
    show_readme: bool = False

    def settings(self) -> ShareSettings:
        return ShareSettings(uri=self.uri, is_private=self.is_private, password=self.password or "",
                             downloads=self.downloads or 0, expire=self.expire or 0, share_view=self.share_view,
                             show_readme=self.show_readme)


class ShareIdsBody(Body):
    ids: list[str] = Field(max_length=MAX_BATCH)  # empty: nothing to do


class ShareOut(Out):
    id: str
    name: str | None = None
    visited: int
    downloaded: int | None = None
    remain_downloads: int | None = None
    expires: str | None = None
    unlocked: bool
    source_type: int
    owner: UserOut
    created_at: str
    expired: bool
    url: str
    password: str | None = None
    is_private: bool | None = None
    share_view: bool | None = None
    source_uri: str | None = None
    password_protected: bool
    show_readme: bool | None = None
    size: int


class SharesOut(Out):
    shares: list[ShareOut] | None
    pagination: PaginationOut
