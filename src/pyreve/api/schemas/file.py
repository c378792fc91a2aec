from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from pyreve.api.schemas.common import Body, omit_empty
from pyreve.api.schemas.file_features import direct_link_url
from pyreve.api.schemas.share import share_wire
from pyreve.api.schemas.user import redacted_user_wire
from pyreve.kit import boolset
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.services.context import Runtime
from pyreve.services.file import FileView, Listing

ZERO_TIME = rfc3339(None)


def policy_wire(rt: Runtime, policy: Any) -> dict[str, Any] | None:
    if policy is None:
        return None
    settings = policy.settings or {}
    out = {"id": rt.ids.encode(policy.id, IdType.POLICY), "name": policy.name, "type": policy.type,
           "max_size": policy.max_size or 0, "allowed_suffix": settings.get("file_type") or [],
           "relay": bool(settings.get("relay"))}
    return omit_empty(out, "allowed_suffix", "relay")


def entity_wire(rt: Runtime, entity: Any, policies: dict[int, Any], users: dict[int, Any]) -> dict[str, Any]:
    """A version (files.md §0): its policy as in listings, its uploader as anyone may see them."""
    out = {"id": rt.ids.encode(entity.id, IdType.ENTITY), "size": entity.size, "type": entity.type,
           "created_at": rfc3339(entity.created_at),
           "storage_policy": policy_wire(rt, policies.get(entity.storage_policy_entities))}
    uploader = users.get(entity.created_by) if entity.created_by else None
    if uploader is not None:
        out["created_by"] = redacted_user_wire(rt, uploader, show_email=False)
    return omit_empty(out, "storage_policy")


def file_wire(rt: Runtime, view: FileView) -> dict[str, Any]:
    """FileResponse (files.md §0)."""
    file = view.file
    out: dict[str, Any] = {
        "type": file.type,
        "id": rt.ids.encode(file.id, IdType.FILE),
        "name": view.name,
        "created_at": rfc3339(file.created_at),
        "updated_at": rfc3339(file.updated_at),
        "size": file.size or 0,
        "metadata": view.metadata if view.metadata else None,
        "path": str(view.uri),
        "shared": view.shared,
        "capability": boolset.encode(view.capability) if view.capability else "",
        "owned": view.owned,
        "primary_entity": rt.ids.encode(file.primary_entity or 0, IdType.ENTITY),
    }
    if view.permission is not None:
        out["permission"] = boolset.encode(view.permission)
    if view.folder_summary is not None:
        summary = dict(view.folder_summary)
        summary["calculated_at"] = rfc3339(summary["calculated_at"])
        out["folder_summary"] = summary
    if view.extended is not None:
        ext = view.extended
        extended: dict[str, Any] = {
            "storage_policy": policy_wire(rt, ext.get("storage_policy")),
            "storage_used": ext.get("storage_used", 0),
            "entities": [entity_wire(rt, e, ext.get("entity_policies") or {}, ext.get("entity_users") or {})
                         for e in ext.get("entities", [])],
            "shares": [share_wire(rt, share) for share in ext.get("shares") or []],
            "view": ext.get("view"),
            "direct_links": [{"id": rt.ids.encode(link.id, IdType.SOURCE_LINK),
                              "url": direct_link_url(rt, ext.get("site") or "", link.id, link.name),
                              "downloaded": link.downloads or 0, "created_at": rfc3339(link.created_at)}
                             for link in ext.get("direct_links") or []],
            "storage_policy_inherited": bool(ext.get("storage_policy_inherited")),
            "permission": ext.get("permission"),
        }
        out["extended_info"] = omit_empty(extended, "storage_policy", "entities", "shares", "view", "direct_links",
                                          "permission")
    return omit_empty(out, "shared", "capability", "owned")


def empty_parent() -> dict[str, Any]:
    """The zero FileResponse the reference sends as ``parent`` of root-less file systems."""
    return {"type": 0, "id": "", "name": "", "created_at": ZERO_TIME, "updated_at": ZERO_TIME, "size": 0,
            "metadata": None, "path": "", "primary_entity": ""}


def listing_wire(rt: Runtime, listing: Listing) -> dict[str, Any]:
    pagination = omit_empty(dict(listing.pagination), "total_items", "next_token", "is_cursor")
    trash_like = listing.fs in ("trash", "shared_with_me")
    props = {
        "capability": boolset.encode(listing.capability),
        "max_page_size": listing.max_page_size,
        "order_by_options": (["created_at"] if trash_like else None) if listing.searching
        else ["name", "size", "updated_at", "created_at"],
        "order_direction_options": None if listing.searching else ["asc", "desc"],
    }
    out: dict[str, Any] = {
        "files": [file_wire(rt, f) for f in listing.files],
        "parent": file_wire(rt, listing.parent) if listing.parent else empty_parent(),
        "pagination": pagination,
        "props": props,
        "context_hint": None,
        "mixed_type": listing.searching,
        "recursion_limit_reached": listing.recursion_limit_reached,
        "storage_policy": policy_wire(rt, listing.policy),
        "view": listing.view,
        "single_file_view": bool(listing.extra.get("single_file_view")),
    }
    return omit_empty(out, "recursion_limit_reached", "storage_policy", "view", "single_file_view")


class CreateBody(Body):
    uri: str = Field(min_length=1, max_length=65535)
    type: Literal["file", "folder"]
    metadata: dict[str, str] | None = Field(default=None, max_length=256)
    err_on_conflict: bool = False


UriText = Annotated[str, Field(min_length=1, max_length=65535)]


class RenameBody(Body):
    uri: UriText
    new_name: str = Field(min_length=1, max_length=255)


class MoveBody(Body):
    uris: list[str] = Field(min_length=1)
    dst: UriText
    copy_: bool = Field(default=False, alias="copy")


class DeleteBody(Body):
    uris: list[str] = Field(min_length=1)
    unlink: bool = False
    skip_soft_delete: bool = False


class UrisBody(Body):
    uris: list[str] = Field(min_length=1)


class MetadataPatch(Body):
    key: str = Field(min_length=1, max_length=255)
    value: str | None = None
    remove: bool = False
    private: bool = False


class MetadataBody(Body):
    uris: list[str] = Field(min_length=1)
    patches: list[MetadataPatch] = Field(min_length=1, max_length=1024)


class ColumnProps(Body):
    metadata_key: str | None = Field(default=None, max_length=255)
    custom_props_id: str | None = Field(default=None, max_length=255)  # a custom property column's id


class ListViewColumn(Body):
    type: int = Field(ge=0)
    width: int | None = None
    props: ColumnProps | None = None


class ExplorerView(Body):
    """A saved explorer view (files.md §0); absent members are left out of what is stored."""

    page_size: int = Field(ge=50)
    order: str | None = Field(default=None, max_length=255)
    order_direction: Literal["asc", "desc"] | None = None
    view: Literal["list", "grid", "gallery"] | None = None
    thumbnail: bool | None = None
    gallery_width: int | None = Field(default=None, ge=50, le=500)
    columns: list[ListViewColumn] | None = Field(default=None, max_length=1000)

    def stored(self) -> dict[str, Any]:
        out = self.model_dump(exclude_none=True)
        for key in ("order", "order_direction", "view", "thumbnail", "gallery_width", "columns"):
            if key in out and not out[key]:
                del out[key]
        return out


class ViewBody(Body):
    uri: UriText
    view: ExplorerView | None = None


class PinBody(Body):
    uri: UriText
    name: str = Field(default="", max_length=255)


class UnlockBody(Body):
    tokens: list[str] = Field(max_length=16384)
