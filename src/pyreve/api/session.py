"""Session group: password sign-in, 2FA, passkey sign-in, refresh, sign-out, prepare (spec: session.md)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import EmailStr
from starlette.requests import Request
from starlette.responses import Response

from pyreve.api.deps import GuestDep, body_schema, captcha_checked_body
from pyreve.api.envelope import ok
from pyreve.api.schemas.docs import LoginOut, PasskeySignInOptionsOut, PrepareLoginOut, TokenOut, doc
from pyreve.api.schemas.user import PasskeySignInBody, RefreshBody, SignInBody, TwoFactorBody, user_wire
from pyreve.errors import AppError, Code
from pyreve.services import passkeys
from pyreve.services import session as sessions

router = APIRouter(prefix="/session", tags=["session"])


def _login_response(ctx: GuestDep, login: sessions.Login) -> Response:
    return ok({"user": user_wire(ctx.rt, login.user), "token": login.token.wire()})


@router.post("/token", summary="Sign in with email and password", openapi_extra=body_schema(SignInBody),
             **doc(LoginOut | str, "LoginResponse, or code 203 with the 2FA session id"))
async def sign_in(request: Request, ctx: GuestDep) -> Response:
    body = await captcha_checked_body(request, ctx, SignInBody, "login_captcha",
                                      due=lambda data: sessions.captcha_due(ctx, str(data.get("email") or "")))
    result = await sessions.sign_in(ctx, body.email, body.password)
    if isinstance(result, sessions.TwoFactorRequired):
        return ok(result.session_id, code=Code.CONTINUE)
    return _login_response(ctx, result)


@router.post("/token/2fa", summary="Finish sign-in with a TOTP code", **doc(LoginOut))
async def sign_in_two_factor(body: TwoFactorBody, ctx: GuestDep) -> Response:
    return _login_response(ctx, await sessions.finish_two_factor(ctx, body.session_id, body.otp))


@router.post("/token/refresh", summary="Exchange a refresh token for a new token pair", **doc(TokenOut))
async def refresh(body: RefreshBody, ctx: GuestDep) -> Response:
    return ok((await sessions.refresh(ctx, body.refresh_token)).wire())


@router.delete("/token", summary="Sign out: revoke the refresh token's sign-in", **doc(str))
async def sign_out(body: RefreshBody, ctx: GuestDep) -> Response:
    await sessions.sign_out(ctx, body.refresh_token)
    return ok("")


@router.get("/prepare", summary="Which sign-in methods an account has", **doc(PrepareLoginOut))
async def prepare(ctx: GuestDep, email: EmailStr = Query(max_length=100)) -> Response:
    return ok(await sessions.prepare(ctx, email))


@router.put("/authn", summary="Prepare passkey sign-in: WebAuthn request options and a session id",
            **doc(PasskeySignInOptionsOut))
async def prepare_passkey(request: Request, ctx: GuestDep) -> Response:
    return ok(await passkeys.begin_sign_in(ctx, request.headers.get("host", "")))


@router.post("/authn", summary="Finish passkey sign-in with the authenticator's assertion", **doc(LoginOut))
async def finish_passkey(body: PasskeySignInBody, ctx: GuestDep) -> Response:
    return _login_response(ctx, await passkeys.finish_sign_in(ctx, body.session_id, body.response))


def _openid_unavailable() -> Response:
    raise AppError(Code.FEATURE_NOT_ENABLED, "OpenID sign-in is not enabled")


@router.put("/openid", summary="Prepare OpenID sign-in (not enabled yet)")
async def prepare_openid() -> Response:
    return _openid_unavailable()


@router.post("/openid", summary="Finish OpenID sign-in (not enabled yet)")
async def finish_openid() -> Response:
    return _openid_unavailable()


@router.delete("/openid/{provider_id}", summary="Unlink an OpenID provider (not enabled yet)")
async def unlink_openid(provider_id: int) -> Response:
    return _openid_unavailable()
