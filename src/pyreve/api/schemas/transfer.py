"""Wire shapes of the upload and download routes (spec: upload.md §2, §7; files.md §10)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pyreve.api.schemas.common import Body
from pyreve.api.schemas.docs import Out, PolicyOut


class UploadBody(Body):
    uri: str = Field(min_length=1, max_length=65535)
    size: int = Field(ge=0)
    policy_id: str = Field(default="", max_length=255)
    last_modified: int = 0
    mime_type: str = Field(default="", max_length=255)
    metadata: dict[str, str] | None = Field(default=None, max_length=256)
    entity_type: Literal["", "version", "live_photo"] = ""
    encryption_supported: list[str] | None = None


class CancelUploadBody(Body):
    id: str = Field(min_length=1, max_length=64)
    uri: str = Field(min_length=1, max_length=65535)


class UrlBody(Body):
    uris: list[str] = Field(min_length=1)
    download: bool = False
    redirect: bool = False
    entity: str = Field(default="", max_length=255)
    use_primary_site_url: bool = False
    skip_error: bool = False
    archive: bool = False
    no_cache: bool = False


class UploadCredentialOut(Out):
    session_id: str
    upload_id: str
    chunk_size: int
    expires: int
    upload_urls: list[str] | None = None
    credential: str | None = None
    completeURL: str | None = None  # noqa: N815 (wire name)
    storage_policy: PolicyOut | None = None
    uri: str
    callback_secret: str
    mime_type: str | None = None
    upload_policy: str | None = None


class EntityUrlOut(Out):
    url: str
    stream_saver_display_name: str | None = None


class UrlsOut(Out):
    urls: list[EntityUrlOut]
    expires: str | None
