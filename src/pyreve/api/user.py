"""User group: sign-up, activation, reset, profile, avatar, preferences, 2FA (spec: user.md)."""

from __future__ import annotations

from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from pyreve.api.deps import CtxDep, GuestDep, LoginDep, body_schema, captcha_checked_body, get_login_ctx
from pyreve.api.envelope import ok
from pyreve.api.schemas.common import omit_empty
from pyreve.api.schemas.docs import (
    CapacityOut,
    CreditChangesOut,
    NodeOut,
    PasskeyOut,
    PaymentsOut,
    PolicyOut,
    UserOut,
    UserSettingsOut,
    doc,
)
from pyreve.api.schemas.share import SharesOut, share_wire
from pyreve.api.schemas.user import (
    PasskeyRegisterBody,
    ResetBody,
    ResetEmailBody,
    SettingsPatch,
    SignUpBody,
    redacted_user_wire,
    user_wire,
)
from pyreve.errors import AppError, Code, ParamError
from pyreve.kit import boolset
from pyreve.kit.clock import rfc3339
from pyreve.kit.hashid import IdType
from pyreve.kit.signing import verify_path
from pyreve.services import passkeys
from pyreve.services import share as shares
from pyreve.services import user as users

router = APIRouter(prefix="/user", tags=["user"])


# --- sign-up, activation, reset ---------------------------------------------------------------

@router.post("", summary="Sign up", openapi_extra=body_schema(SignUpBody),
             **doc(UserOut, "the new user, or code 203 when an activation email was sent"))
async def sign_up(request: Request, ctx: GuestDep) -> Response:
    if not ctx.rt.settings.bool("register_enabled"):
        raise AppError(Code.FEATURE_NOT_ENABLED, "Registration is disabled")
    body = await captcha_checked_body(request, ctx, SignUpBody, "reg_captcha")
    created = await users.sign_up(ctx, body.email, body.password, body.language or "")
    if created is None:
        return ok(code=Code.CONTINUE)
    return ok(user_wire(ctx.rt, created, with_group=False))


@router.get("/activate/{user_id}", summary="Activate an account from the emailed link", **doc(UserOut))
async def activate(user_id: str, ctx: GuestDep, sign: str | None = None) -> Response:
    return ok(user_wire(ctx.rt, await users.activate(ctx, user_id, sign), with_group=False))


@router.post("/reset", summary="Send a password reset email", openapi_extra=body_schema(ResetEmailBody))
async def send_reset(request: Request, ctx: GuestDep) -> Response:
    body = await captcha_checked_body(request, ctx, ResetEmailBody, "forget_captcha")
    await users.send_reset(ctx, body.email)
    return ok()


@router.patch("/reset/{user_id}", summary="Reset the password with the emailed secret", **doc(UserOut))
async def reset(user_id: str, body: ResetBody, ctx: GuestDep) -> Response:
    user = await users.reset_password(ctx, user_id, body.secret, body.password)
    return ok(user_wire(ctx.rt, user, with_group=False))


# --- profile ------------------------------------------------------------------------------------

@router.get("/me", summary="The signed-in user", **doc(UserOut))
async def me(request: Request) -> Response:
    ctx = await get_login_ctx(request)
    return ok(user_wire(ctx.rt, ctx.user))


@router.get("/info/{user_id}", summary="Another user's public profile", **doc(UserOut))
async def info(user_id: str, ctx: CtxDep) -> Response:
    user = await users.info(ctx, user_id)
    return ok(redacted_user_wire(ctx.rt, user, show_email=not ctx.user.anonymous))


@router.get("/capacity", summary="Storage used and available", **doc(CapacityOut))
async def capacity(ctx: LoginDep) -> Response:
    return ok(users.capacity(ctx.user))


@router.get("/search", summary="Find users by email or nickname", **doc(list[UserOut]))
async def search(ctx: LoginDep, keyword: str = Query(min_length=2, max_length=100)) -> Response:
    rows = await users.search(ctx, keyword)
    return ok([redacted_user_wire(ctx.rt, row, show_email=True) for row in rows])


@router.get("/avatar/{user_id}", summary="A user's profile picture")
async def avatar(user_id: str, request: Request, ctx: CtxDep, nocache: bool = False) -> Response:
    user, where = await users.avatar_file(ctx, user_id)
    headers = {} if nocache else {
        "cache-control": f"public, max-age={ctx.rt.settings.int('public_resource_maxage', 86400)}"}
    if isinstance(where, str):
        return RedirectResponse(where, status_code=302, headers=headers)
    if where is None:
        return Response(status_code=404)
    modified = user.updated_at
    if modified is not None and modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)  # stored as naive UTC
    since = request.headers.get("if-modified-since")
    if since and modified is not None:
        try:
            if int(modified.timestamp()) <= int(parsedate_to_datetime(since).timestamp()):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            pass
    response = FileResponse(where, media_type="image/png", headers=headers)
    if modified is not None:
        response.headers["last-modified"] = formatdate(modified.timestamp(), usegmt=True)
    return response


@router.get("/shares/{user_id}", summary="A user's public share links", **doc(SharesOut))
async def user_shares(
    user_id: str, request: Request, ctx: CtxDep,
    page_size: int = Query(ge=10, le=100),
    next_page_token: str = "",
    order_by: str = Query(default="id", pattern="^(id|views|downloads|remain_downloads)$"),
    order_direction: str = Query(default="asc", pattern="^(asc|desc)$"),
) -> Response:
    owner = await users.info(ctx, user_id)  # 40001 / 40021 for a bad or unknown id
    views, pagination = await shares.list_public(ctx, owner, page_size, order_by, order_direction, next_page_token,
                                                 request.headers.get("host", ""))
    return ok({"shares": [share_wire(ctx.rt, v) for v in views], "pagination": pagination})


# Asked by clients on every start: a plain route ahead of the framework's router (same handler).
HOT_ROUTES = [("/user/me", me)]


@router.get("/session/copy/{user_id}", summary="Hand a session to the iOS app (no-op)")
async def copy_session(user_id: str, request: Request, ctx: GuestDep, sign: str | None = None) -> Response:
    if "x-cr-ios" not in request.headers:
        return RedirectResponse(users.site_url(ctx.rt) or "/", status_code=301)
    verify_path(ctx.rt.settings.str("secret_key").encode(), request.url.path, sign)
    return Response(status_code=200)


# --- settings -----------------------------------------------------------------------------------

def _passkey_wire(passkey: Any) -> dict[str, Any]:
    out = {"id": passkey.credential_id, "name": passkey.name, "created_at": rfc3339(passkey.created_at)}
    if passkey.used_at is not None:
        out["used_at"] = rfc3339(passkey.used_at)
    return out


@router.get("/setting", summary="The signed-in user's preferences", **doc(UserSettingsOut))
async def get_settings(ctx: LoginDep) -> Response:
    user, passkeys = await users.settings_view(ctx)
    prefs = user.settings
    data = {
        "version_retention_enabled": bool(prefs.get("version_retention")),
        "version_retention_ext": prefs.get("version_retention_ext") or [],
        "version_retention_max": int(prefs.get("version_retention_max") or 0),
        "passwordless": not user.password_digest,
        "two_fa_enabled": bool(user.two_factor_secret),
        "passkeys": [_passkey_wire(p) for p in passkeys],
        "disable_view_sync": bool(prefs.get("disable_view_sync")),
        "share_links_in_profile": prefs.get("share_links_in_profile", ""),
    }
    return ok(omit_empty(data, "version_retention_ext", "version_retention_max", "passkeys"))


@router.get("/setting/2fa", summary="Start enabling 2FA: a new TOTP secret", **doc(str))
async def prepare_two_factor(ctx: LoginDep) -> Response:
    return ok(await users.prepare_two_factor(ctx))


@router.patch("/setting", summary="Update preferences, password or 2FA")
async def update_settings(body: SettingsPatch, ctx: LoginDep) -> Response:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("preferred_theme") is not None and not users.valid_theme(changes["preferred_theme"]):
        raise ParamError("PreferredTheme format error")
    changes = {k: v for k, v in changes.items() if v is not None or k == "two_fa_code"}
    await users.update_settings(ctx, changes)
    return ok()


@router.put("/setting/avatar", summary="Upload a profile picture (raw image bytes)")
async def update_avatar(request: Request, ctx: LoginDep) -> Response:
    limit = ctx.rt.settings.int("avatar_size", 4 << 20)
    length_header = request.headers.get("content-length")
    if length_header is None or not length_header.isdigit() or int(length_header) > limit:
        raise AppError(Code.FILE_TOO_LARGE, "File too large")
    length = int(length_header)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > length or len(raw) > limit:
            raise AppError(Code.FILE_TOO_LARGE, "File too large")
    await users.set_avatar(ctx, bytes(raw) if length else None)
    return ok()


@router.get("/setting/policies", summary="Storage policies the user may use", **doc(list[PolicyOut]))
async def policies(ctx: LoginDep) -> Response:
    rt = ctx.rt
    out = []
    for policy in await users.available_policies(ctx):
        settings = policy.settings or {}
        item = {
            "id": rt.ids.encode(policy.id, IdType.POLICY), "name": policy.name,
            "allowed_suffix": settings.get("file_type") or [], "type": policy.type,
            "max_size": policy.max_size or 0, "relay": bool(settings.get("relay")),
        }
        out.append(omit_empty(item, "allowed_suffix", "relay"))
    return ok(out)


@router.get("/setting/nodes", summary="Nodes the user may pick for tasks", **doc(list[NodeOut]))
async def nodes(ctx: LoginDep) -> Response:
    rt = ctx.rt
    return ok([{"id": rt.ids.encode(n.id, IdType.NODE), "name": n.name, "type": n.type,
                "capabilities": boolset.encode(n.capabilities)} for n in await users.available_nodes(ctx)])


# --- passkeys ---------------------------------------------------------------------------------

@router.put("/authn", summary="Prepare passkey registration: WebAuthn creation options", **doc(dict[str, Any]))
async def prepare_passkey(request: Request, ctx: LoginDep) -> Response:
    return ok(await passkeys.begin_registration(ctx, request.headers.get("host", "")))


@router.post("/authn", summary="Finish passkey registration with the authenticator's attestation", **doc(PasskeyOut))
async def finish_passkey(body: PasskeyRegisterBody, ctx: LoginDep) -> Response:
    return ok(_passkey_wire(await passkeys.finish_registration(ctx, body.response, body.name, body.ua)))


@router.delete("/authn", summary="Delete one of the signed-in user's passkeys")
async def delete_passkey(ctx: LoginDep, passkey_id: str = Query(alias="id", min_length=1, max_length=255)) -> Response:
    await passkeys.delete(ctx, passkey_id)
    return ok()


# --- credits and payments (value-added services are not available yet) -------------------------

def _empty_page(page_size: int, key: str) -> Response:
    return ok({"pagination": {"page": 0, "page_size": page_size, "is_cursor": True}, key: []})


@router.get("/creditChanges", summary="Credit balance changes", **doc(CreditChangesOut))
async def credit_changes(ctx: LoginDep, page_size: int = Query(ge=10, le=100), next_page_token: str = "",
                         order_direction: str = Query(default="asc", pattern="^(asc|desc)$")) -> Response:
    return _empty_page(page_size, "changes")


@router.get("/payments", summary="Payments", **doc(PaymentsOut))
async def payments(ctx: LoginDep, page_size: int = Query(ge=10, le=100), next_page_token: str = "",
                   order_direction: str = Query(default="asc", pattern="^(asc|desc)$")) -> Response:
    return _empty_page(page_size, "payments")
