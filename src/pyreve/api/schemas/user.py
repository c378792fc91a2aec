from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pyreve.api.schemas.common import Body, Email, LoginPassword, Password, omit_empty
from pyreve.kit import boolset
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.services.context import GroupInfo, Principal, Runtime


def group_wire(rt: Runtime, group: GroupInfo, *, redacted: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"id": rt.ids.encode(group.id, IdType.GROUP), "name": group.name}
    if redacted:
        return out
    out["permission"] = boolset.encode(group.permissions)
    out["direct_link_batch_size"] = int(group.settings.get("source_batch") or 0)
    out["trash_retention"] = int(group.settings.get("trash_retention") or 0)
    return omit_empty(out, "permission", "direct_link_batch_size", "trash_retention")


def user_wire(rt: Runtime, user: Principal, *, with_group: bool = True) -> dict[str, Any]:
    """The full User object (user.md §Objects)."""
    prefs = user.settings
    out: dict[str, Any] = {
        "id": rt.ids.encode(user.id, IdType.USER),
        "email": user.email,
        "nickname": user.nick,
        "status": "" if user.anonymous else user.status,
        "avatar": user.avatar,
        "created_at": rfc3339(user.created_at),
        "preferred_theme": prefs.get("preferred_theme", ""),
        "anonymous": user.anonymous,
        "group": group_wire(rt, user.group) if with_group else None,
        "pined": prefs.get("pined") or [],
        "language": prefs.get("email_language", ""),
        "disable_view_sync": bool(prefs.get("disable_view_sync")),
        "share_links_in_profile": prefs.get("share_links_in_profile", ""),
    }
    return omit_empty(out, "email", "status", "avatar", "preferred_theme", "anonymous", "group", "pined",
                      "language", "disable_view_sync", "share_links_in_profile")


def redacted_user_wire(rt: Runtime, user: Any, *, show_email: bool) -> dict[str, Any]:
    """Another user's public profile: id, nickname, avatar, created_at, which share links their profile
    lists, group {id,name}. ``show_email``: the requester is signed in; the address is shown only when
    the site exposes addresses too (``expose_user_email``)."""
    prefs = getattr(user, "settings", None) or {}
    out: dict[str, Any] = {
        "id": rt.ids.encode(user.id, IdType.USER),
        "nickname": getattr(user, "nick", "") or "",
        "avatar": getattr(user, "avatar", "") or "",
        "created_at": rfc3339(user.created_at),
        "share_links_in_profile": prefs.get("share_links_in_profile") or "",
    }
    if show_email and rt.settings.bool("expose_user_email"):
        out["email"] = user.email
    group = getattr(user, "group", None)
    if isinstance(group, GroupInfo):
        out["group"] = group_wire(rt, group, redacted=True)
    elif getattr(user, "group_id", None) is not None:
        out["group"] = {"id": rt.ids.encode(user.group_id, IdType.GROUP), "name": user.group_name}
    return omit_empty(out, "avatar", "email", "share_links_in_profile")


class SignUpBody(Body):
    email: Email
    password: Password
    language: str | None = Field(default=None, max_length=64)
    captcha: str | None = None
    ticket: str | None = None


class ResetEmailBody(Body):
    email: Email
    language: str | None = Field(default=None, max_length=64)
    captcha: str | None = None
    ticket: str | None = None


class ResetBody(Body):
    password: Password
    secret: str = Field(min_length=1, max_length=128)


class SettingsPatch(Body):
    nick: str | None = Field(default=None, min_length=1, max_length=255)
    language: str | None = Field(default=None, min_length=1, max_length=255)
    preferred_theme: str | None = Field(default=None, max_length=255)
    version_retention_enabled: bool | None = None
    version_retention_ext: list[str] | None = Field(default=None, max_length=1000)
    version_retention_max: int | None = Field(default=None, ge=0, le=1_000_000)
    disable_view_sync: bool | None = None
    current_password: LoginPassword | None = None
    new_password: Password | None = None
    two_fa_enabled: bool | None = None
    two_fa_code: str | None = Field(default=None, max_length=16)
    share_links_in_profile: Literal["", "all_share", "hide_share"] | None = None

    @field_validator("version_retention_ext")
    @classmethod
    def _short_exts(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(ext) > 64 for ext in value):
            raise ValueError("extension too long")
        return value


class SignInBody(Body):
    email: Email
    password: LoginPassword
    captcha: str | None = None
    ticket: str | None = None


class TwoFactorBody(Body):
    otp: str = Field(min_length=1, max_length=16)
    session_id: str = Field(min_length=1, max_length=64)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=1, max_length=4096)


# A WebAuthn credential as JSON text: a few hundred bytes, more with attestation certificates.
CREDENTIAL_JSON_MAX = 64 * 1024


class PasskeySignInBody(Body):
    session_id: str = Field(min_length=1, max_length=64)
    response: str = Field(min_length=2, max_length=CREDENTIAL_JSON_MAX)


class PasskeyRegisterBody(Body):
    response: str = Field(min_length=2, max_length=CREDENTIAL_JSON_MAX)
    name: str = Field(min_length=1, max_length=255)
    ua: str = Field(default="", max_length=1024)
