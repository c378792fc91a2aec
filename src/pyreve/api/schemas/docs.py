"""Response shapes for the OpenAPI document.

Handlers build their payloads with the presenters next to these models (omitempty rules make plain
dicts the natural form); tests/contract validates real responses against this document, so the two
cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Envelope(Out, Generic[T]):
    code: int = Field(description="0 on success, 203 to continue, anything else is an error")
    data: T | None = None
    msg: str
    error: str | None = Field(default=None, description="underlying error, debug mode only")
    correlation_id: str | None = None
    aggregated_error: dict[str, Any] | None = Field(
        default=None, description="code 40081 only: the failed items of a batch, each an envelope of its own")


def doc(model: Any, description: str = "Cloudreve envelope") -> dict[str, Any]:
    """Decorator arguments documenting a route's envelope payload."""
    return {"responses": {200: {"model": Envelope[model], "description": description}}}  # type: ignore[valid-type]


class GroupOut(Out):
    id: str
    name: str
    permission: str | None = Field(default=None, description="boolset of group permissions")
    direct_link_batch_size: int | None = None
    trash_retention: int | None = None


class PinnedOut(Out):
    uri: str
    name: str | None = None


class UserOut(Out):
    id: str
    email: str | None = None
    nickname: str
    status: str | None = None
    avatar: str | None = Field(default=None, description='"", "gravatar" or "file"')
    created_at: str
    preferred_theme: str | None = None
    anonymous: bool | None = None
    group: GroupOut | None = None
    pined: list[PinnedOut] | None = None
    language: str | None = None
    disable_view_sync: bool | None = None
    share_links_in_profile: str | None = None


class TokenOut(Out):
    access_token: str
    refresh_token: str
    access_expires: str
    refresh_expires: str


class LoginOut(Out):
    user: UserOut
    token: TokenOut


class PrepareLoginOut(Out):
    webauthn_enabled: bool
    password_enabled: bool
    sso_enabled: bool | None = None
    qq_enabled: bool | None = None


class CaptchaOut(Out):
    image: str = Field(description="PNG data URI")
    ticket: str


class SiteConfigOut(Out):
    """Union of every section's members; each section sends its own subset, empty values omitted."""

    instance_id: str | None = None
    title: str | None = None
    themes: str | None = None
    default_theme: str | None = None
    user: UserOut | None = None
    logo: str | None = None
    logo_light: str | None = None
    captcha_type: str | None = None
    turnstile_site_id: str | None = None
    captcha_ReCaptchaKey: str | None = None  # noqa: N815 (wire name)
    captcha_cap_instance_url: str | None = None
    captcha_cap_key_id: str | None = None
    captcha_cap_site_key: str | None = None
    captcha_cap_asset_server: str | None = None
    app_promotion: bool | None = None
    desktop_app_promotion: bool | None = None
    custom_nav_items: list[dict[str, str]] | None = Field(default=None, description="{icon, name, url} each")
    custom_html: dict[str, str] | None = Field(
        default=None, description="headless_footer, headless_bottom, sidebar_bottom: each only when set")
    login_captcha: bool | None = None
    reg_captcha: bool | None = None
    forget_captcha: bool | None = None
    authn: bool | None = None
    register_enabled: bool | None = None
    tos_url: str | None = None
    privacy_policy_url: str | None = None
    max_batch_size: int | None = None
    file_viewers: list[dict[str, Any]] | None = None
    icons: str | None = None
    map_provider: str | None = None
    google_map_tile_type: str | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    default_viewer_mapping: dict[str, str] | None = Field(default=None, description="extension → viewer id")
    mapbox_ak: str | None = None
    custom_props: list[dict[str, Any]] | None = None
    show_encryption_status: bool | None = None
    full_text_search: bool | None = None
    emoji_preset: str | None = None
    thumb_exts: list[str] | None = Field(default=None, description="section thumb: extensions with thumbnails")


class CapacityOut(Out):
    total: int
    used: int


class PasskeySignInOptionsOut(Out):
    options: dict[str, Any]  # {"publicKey": PublicKeyCredentialRequestOptions, binary members base64url}
    session_id: str


class PasskeyOut(Out):
    id: str
    name: str
    created_at: str
    used_at: str | None = None


class UserSettingsOut(Out):
    version_retention_enabled: bool
    version_retention_ext: list[str] | None = None
    version_retention_max: int | None = None
    passwordless: bool
    two_fa_enabled: bool
    passkeys: list[PasskeyOut] | None = None
    disable_view_sync: bool
    share_links_in_profile: str


class PolicyOut(Out):
    id: str
    name: str
    allowed_suffix: list[str] | None = None
    type: str
    max_size: int
    relay: bool | None = None


class NodeOut(Out):
    id: str
    name: str
    type: str
    capabilities: str


class PaginationOut(Out):
    page: int
    page_size: int
    total_items: int | None = None
    next_token: str | None = None
    is_cursor: bool | None = None


class CreditChangeOut(Out):
    changed_at: str
    diff: int
    reason: str


class CreditChangesOut(Out):
    changes: list[CreditChangeOut]
    pagination: PaginationOut


class PaymentsOut(Out):
    payments: list[dict[str, Any]]
    pagination: PaginationOut


class GroupBriefOut(Out):
    id: str
    name: str


class ManifestIconOut(Out):
    src: str
    sizes: str
    type: str


class ManifestOut(Out):
    short_name: str
    name: str
    icons: list[ManifestIconOut]
    start_url: str
    display: str
    theme_color: str
    background_color: str
