"""Wire shapes of versions, direct links, permissions, activities and policy mounts (files.md §11–16, §19)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import Field

from pyreve.api.schemas.common import Body
from pyreve.api.schemas.docs import Out
from pyreve.api.schemas.user import redacted_user_wire
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.services.context import Runtime

DIRECT_LINK_PATH = "/f/{id}/{name}"
UriText = Annotated[str, Field(min_length=1, max_length=65535)]


def direct_link_url(rt: Runtime, site: str, link_id: int, name: str) -> str:
    return site + DIRECT_LINK_PATH.format(id=rt.ids.encode(link_id, IdType.SOURCE_LINK), name=quote(name, safe=""))


def activity_wire(rt: Runtime, row: Any, users: dict[int, Any]) -> dict[str, Any]:
    user = users.get(row.user_id) if row.user_id else None
    out: dict[str, Any] = {
        "id": rt.ids.encode(row.id, IdType.AUDIT_LOG),
        "content": {"category": row.type, **(row.content or {})},
        "created_at": rfc3339(row.created_at),
        "user": redacted_user_wire(rt, user, show_email=False) if user is not None else None,
    }
    if row.entity_id:
        out["version_id"] = rt.ids.encode(row.entity_id, IdType.ENTITY)
    return out


class VersionBody(Body):
    uri: UriText
    version: str = Field(min_length=1, max_length=255)


class UrisOnlyBody(Body):
    uris: list[str] = Field(min_length=1)


class PermissionSettingBody(Body):
    user_explicit: dict[str, str | None] | None = Field(default=None, max_length=1000)
    group_explicit: dict[str, str | None] | None = Field(default=None, max_length=1000)
    same_group: str | None = Field(default=None, max_length=64)
    other: str | None = Field(default=None, max_length=64)
    anonymous: str | None = Field(default=None, max_length=64)
    everyone: str | None = Field(default=None, max_length=64)


class PermissionBody(Body):
    uris: list[str] = Field(min_length=1)
    setting: PermissionSettingBody


class PolicyBody(Body):
    uri: UriText
    policy_id: str = Field(min_length=1, max_length=255)


class DirectLinkOut(Out):
    link: str
    file_url: str


class ActivityOut(Out):
    id: str
    content: dict[str, Any]
    created_at: str
    user: dict[str, Any] | None = None
    version_id: str | None = None


class PaginationOut(Out):
    page: int
    page_size: int
    next_token: str | None = None
    is_cursor: bool | None = None


class ActivitiesOut(Out):
    activities: list[ActivityOut]
    pagination: PaginationOut


ActivityFilter = Literal["", "my", "updates", "reads"]
