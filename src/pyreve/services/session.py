"""Sign-in, the 2FA step, token refresh and sign-out (spec: session.md)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from pyreve.db.engine import read_only
from pyreve.db.repos import users as user_repo
from pyreve.db.uow import reading, writing
from pyreve.errors import AppError, Code
from pyreve.kit.hashid import IdType
from pyreve.services import ratelimit, twofactor
from pyreve.services.context import Ctx, Principal, Runtime, principal_from_row
from pyreve.services.passwords import hash_password, verify_password
from pyreve.services.tokens import REFRESH, TokenPair, state_hash

TWO_FA_TTL = 600
BANNED = ("manual_banned", "sys_banned")


@dataclass(frozen=True)
class Login:
    user: Principal
    token: TokenPair


@dataclass(frozen=True)
class TwoFactorRequired:
    session_id: str


def issue_tokens(rt: Runtime, user: Principal, root_token_id: str | None = None) -> TokenPair:
    s = rt.settings
    return rt.tokens.issue(
        rt.ids.encode(user.id, IdType.USER),
        state_hash(user.email, user.password_digest, s.str("siteID")),
        s.int("access_token_ttl", 3600), s.int("refresh_token_ttl", 1209600), root_token_id,
    )


async def load_principal(rt: Runtime, user_id: int) -> Principal | None:
    async with read_only(rt.engine).connect() as conn:
        row = await user_repo.principal_row(conn, user_id)
    return principal_from_row(row) if row else None


def ensure_may_sign_in(status: str) -> None:
    """Blocked and not yet activated accounts cannot sign in, whatever their credentials."""
    if status in BANNED:
        raise AppError(Code.USER_BANNED, "This account has been blocked")
    if status == "inactive":
        raise AppError(Code.USER_NOT_ACTIVATED, "This account is not activated")


def guard(ctx: Ctx, email: str) -> ratelimit.Guard:
    """Failed sign-ins for ``email`` from the caller's address (password and 2FA code alike)."""
    return ratelimit.Guard(ctx.rt, ratelimit.LOGIN_ACCOUNT, ratelimit.LOGIN_IP, email.lower(), ctx.ip)


async def captcha_due(ctx: Ctx, email: str) -> bool:
    """With ``login_captcha`` on: whether this sign-in must carry a captcha. Always, unless
    ``login_captcha_failures`` asks for it only after that many failures for the account from here."""
    after = ctx.rt.settings.int("login_captcha_failures", 0)
    return after <= 0 or await guard(ctx, email).failures() >= after


async def sign_in(ctx: Ctx, email: str, password: str) -> Login | TwoFactorRequired:
    rt = ctx.rt
    attempt = guard(ctx, email)
    await attempt.check()
    async with reading(rt.sessions) as session:
        user = await user_repo.by_email(session, email)
        digest = user.password if user else None
    ok, needs_rehash = await asyncio.to_thread(verify_password, digest, password)
    if user is None or not ok:
        await attempt.failed()
        raise AppError(Code.INVALID_PASSWORD, "Incorrect password or email address")
    ensure_may_sign_in(user.status)
    if needs_rehash:
        await _rehash(rt, user.id, digest, password)
    if user.two_factor_secret:  # failures are cleared once the code is right too
        session_id = str(uuid.uuid4())
        await rt.kv.set(f"user_2fa_{session_id}", str(user.id), TWO_FA_TTL)
        return TwoFactorRequired(session_id)
    await attempt.succeeded()
    principal = await load_principal(rt, user.id)
    assert principal is not None
    return Login(principal, issue_tokens(rt, principal))


async def _rehash(rt: Runtime, user_id: int, old_digest: str | None, password: str) -> None:
    """Replace a legacy digest with argon2id, unless the password changed meanwhile."""
    new_digest = await asyncio.to_thread(hash_password, password)
    async with writing(rt.sessions) as session:
        user = await user_repo.by_id(session, user_id, for_update=True)
        if user is not None and user.password == old_digest:
            user.password = new_digest


async def finish_two_factor(ctx: Ctx, session_id: str, otp: str) -> Login:
    rt = ctx.rt
    raw = await rt.kv.get(f"user_2fa_{session_id}")
    if raw is None:
        raise AppError(Code.NOT_FOUND, "Session not found")
    user = await load_principal(rt, int(raw))
    if user is None:
        raise AppError(Code.NOT_FOUND, "User not found")
    attempt = guard(ctx, user.email)
    await attempt.check()
    try:
        await twofactor.check(rt, user.id, user.two_factor_secret or "", otp)
    except AppError:
        await attempt.failed()
        raise
    if await rt.kv.pop(f"user_2fa_{session_id}") is None:  # another request finished it first
        raise AppError(Code.NOT_FOUND, "Session not found")
    await attempt.succeeded()
    return Login(user, issue_tokens(rt, user))


async def refresh(ctx: Ctx, refresh_token: str) -> TokenPair:
    rt = ctx.rt
    failed = AppError(Code.CREDENTIAL_INVALID, "Failed to issue token pair")
    claims = rt.tokens.decode(refresh_token)
    if claims is None or claims.get("token_type") != REFRESH:
        raise failed
    root = claims.get("root_token_id")
    if not root:
        raise failed
    try:
        user_id = rt.ids.decode(str(claims.get("sub", "")), IdType.USER)
    except AppError:
        raise failed from None
    user = await load_principal(rt, user_id)
    if user is None or user.status != "active":
        raise failed
    if claims.get("state_hash") != state_hash(user.email, user.password_digest, rt.settings.str("siteID")):
        raise failed
    if await rt.kv.get(f"jwt_revoke_{root}") is not None:
        raise failed
    return issue_tokens(rt, user, root_token_id=str(root))


async def sign_out(ctx: Ctx, refresh_token: str) -> None:
    rt = ctx.rt
    claims = rt.tokens.decode(refresh_token)
    if claims is None:
        raise AppError(Code.CREDENTIAL_INVALID, "Failed to parse token")
    root = claims.get("root_token_id")
    if root:
        await rt.kv.set(f"jwt_revoke_{root}", "1", rt.settings.int("refresh_token_ttl", 1209600) + 10)


async def prepare(ctx: Ctx, email: str) -> dict[str, bool]:
    async with reading(ctx.rt.sessions) as session:
        user = await user_repo.by_email(session, email)
        if user is None:
            raise AppError(Code.NOT_FOUND, "User not found")
        has_passkey = await user_repo.has_passkey(session, user.id)
        return {"webauthn_enabled": has_passkey, "password_enabled": bool(user.password),
                "sso_enabled": False, "qq_enabled": False}
