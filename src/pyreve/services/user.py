"""Accounts: sign-up, activation, password reset, profile, avatar, preferences, 2FA (spec: user.md)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import secrets
import string
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from pyreve.db.models import Node as NodeModel
from pyreve.db.models import Passkey, StoragePolicy, User
from pyreve.db.repos import users as user_repo
from pyreve.db.seed import ADMIN_GROUP_ID
from pyreve.db.uow import mark_user_changed, reading, writing
from pyreve.errors import AppError, Code
from pyreve.fs import mounts, tree
from pyreve.kit.hashid import IdType
from pyreve.kit.signing import sign_path, verify_path
from pyreve.services import mail, ratelimit, twofactor
from pyreve.services.context import Ctx, Principal, Runtime
from pyreve.services.passwords import hash_password, verify_password
from pyreve.services.session import BANNED, load_principal

ACTIVATION_TTL = 24 * 3600
RESET_TTL = 3600
TWO_FA_INIT_TTL = 600
_THEME = re.compile(
    r"^(#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|rgba?\(\s*[\d.%\s,/]+\)|hsla?\(\s*[\d.%\s,/deg]+\))$"
)
# Pillow refuses to decode images with more pixels than this (decompression bombs).
Image.MAX_IMAGE_PIXELS = 40_000_000


def _nick_from_email(email: str) -> str:
    return email.split("@", 1)[0][:100]


def site_url(rt: Runtime) -> str:
    return rt.settings.str("siteURL").split(",")[0].rstrip("/")


async def _require(rt: Runtime, user_id: int) -> Principal:
    user = await load_principal(rt, user_id)
    if user is None:
        raise AppError(Code.USER_NOT_FOUND, "User not found")
    return user


# --- sign-up and activation -------------------------------------------------------------------

async def sign_up(ctx: Ctx, email: str, password: str, language: str) -> Principal | None:
    """Create an account. Returns None when an activation email was sent instead (code 203)."""
    rt = ctx.rt
    if not rt.settings.bool("register_enabled"):
        raise AppError(Code.FEATURE_NOT_ENABLED, "Registration is disabled")
    await ratelimit.check(rt, "signup_rate_ip", ctx.ip, (20, 3600))
    email = email.lower()
    needs_activation = rt.settings.bool("email_active")
    digest = await asyncio.to_thread(hash_password, password)
    async with writing(rt.sessions) as session:
        existing = await user_repo.by_email(session, email)
        if existing is not None:
            if existing.status == "inactive":
                inactive_id = existing.id
            else:
                raise AppError(Code.EMAIL_EXISTED, "Email already in use")
        else:
            inactive_id = None
    if inactive_id is not None:
        await send_activation(rt, await _require(rt, inactive_id))
        raise AppError(Code.EMAIL_SENT, "User is not activated, activation email has been resent")

    try:
        async with writing(rt.sessions) as session:
            user = User(
                email=email, nick=_nick_from_email(email), password=digest,
                status="inactive" if needs_activation else "active",
                group_users=rt.settings.int("default_group", 2), storage=0, avatar="",
                settings={"version_retention": True, "version_retention_max": 10,
                          "email_language": language or ""},
            )
            session.add(user)
            await session.flush()
            await tree.ensure_root(session, user.id)
            if user.id == 1:
                user.group_users = ADMIN_GROUP_ID
            user_id = user.id
    except IntegrityError:
        raise AppError(Code.EMAIL_EXISTED, "Email already in use") from None
    principal = await _require(rt, user_id)
    if needs_activation:
        await send_activation(rt, principal)
        return None
    return principal


def activation_link(rt: Runtime, user_id: int) -> str:
    hid = rt.ids.encode(user_id, IdType.USER)
    sign = sign_path(rt.settings.str("secret_key").encode(), f"/api/v4/user/activate/{hid}",
                     int(time.time()) + ACTIVATION_TTL)
    return f"{site_url(rt)}/session/activate?" + urlencode({"id": hid, "sign": sign})


async def send_activation(rt: Runtime, user: Principal) -> None:
    await mail.send_template(rt.settings, "mail_activation_template", user.settings.get("email_language", ""),
                             user.email, {"User": _mail_user(user), "Url": activation_link(rt, user.id)})


def _mail_user(user: Principal) -> dict[str, Any]:
    return {"Nick": user.nick, "Email": user.email, "ID": user.id}


async def activate(ctx: Ctx, hashed_id: str, sign: str | None) -> Principal:
    rt = ctx.rt
    verify_path(rt.settings.str("secret_key").encode(), f"/api/v4/user/activate/{hashed_id}", sign)
    user_id = rt.ids.decode(hashed_id, IdType.USER)
    async with writing(rt.sessions) as session:
        user = await user_repo.by_id(session, user_id, for_update=True)
        if user is None:
            raise AppError(Code.USER_NOT_FOUND, "User not found")
        if user.status != "inactive":
            raise AppError(Code.USER_CANNOT_ACTIVATE, "This user cannot be activated")
        user.status = "active"
    return await _require(rt, user_id)


# --- password reset ---------------------------------------------------------------------------

async def send_reset(ctx: Ctx, email: str) -> None:
    rt = ctx.rt
    await ratelimit.check(rt, "reset_rate_ip", ctx.ip, (10, 3600))
    await ratelimit.check(rt, "reset_rate_account", email.lower(), (5, 3600))
    async with writing(rt.sessions) as session:
        found = await user_repo.by_email(session, email)
        user_id = found.id if found else None
    if user_id is None:
        raise AppError(Code.USER_NOT_FOUND, "User not found")
    user = await _require(rt, user_id)
    if user.status in BANNED:
        raise AppError(Code.USER_BANNED, "This account has been blocked")
    if user.status == "inactive":
        raise AppError(Code.USER_NOT_ACTIVATED, "This account is not activated")
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    await rt.kv.set(f"user_reset_{user.id}", secret, RESET_TTL)
    link = f"{site_url(rt)}/session/reset?" + urlencode(
        {"id": rt.ids.encode(user.id, IdType.USER), "secret": secret})
    await mail.send_template(rt.settings, "mail_reset_template", user.settings.get("email_language", ""),
                             user.email, {"User": _mail_user(user), "Url": link})


async def reset_password(ctx: Ctx, hashed_id: str, secret: str, password: str) -> Principal:
    rt = ctx.rt
    user_id = rt.ids.decode(hashed_id, IdType.USER)
    await ratelimit.check(rt, "reset_rate_ip", ctx.ip, (10, 3600))
    key = f"user_reset_{user_id}"
    stored = await rt.kv.get(key)
    if stored is None or not secrets.compare_digest(stored, secret) or await rt.kv.pop(key) != stored:
        raise AppError(Code.TEMP_LINK_EXPIRED, "Link is expired")
    digest = await asyncio.to_thread(hash_password, password)
    async with writing(rt.sessions) as session:
        user = await user_repo.by_id(session, user_id, for_update=True)
        if user is None or user.status != "active":
            raise AppError(Code.USER_NOT_FOUND, "User not found")
        user.password = digest
    return await _require(rt, user_id)


# --- profile and lookup -----------------------------------------------------------------------

async def info(ctx: Ctx, hashed_id: str) -> Principal:
    return await _require(ctx.rt, ctx.rt.ids.decode(hashed_id, IdType.USER))


async def search(ctx: Ctx, keyword: str) -> list[Any]:
    async with reading(ctx.rt.sessions) as session:
        return await user_repo.search(session, keyword, 10)


def capacity(user: Principal) -> dict[str, int]:
    return {"total": user.group.max_storage, "used": user.storage}


async def avatar_file(ctx: Ctx, hashed_id: str) -> tuple[Principal, Path | str | None]:
    """The user and where their picture is: a file path, a Gravatar URL, or None."""
    rt = ctx.rt
    user = await _require(rt, rt.ids.decode(hashed_id, IdType.USER))
    if user.avatar == "gravatar":
        digest = hashlib.md5(user.email.lower().encode()).hexdigest()
        return user, urljoin(rt.settings.str("gravatar_server"), f"avatar/{digest}?d=mm&s=200")
    if user.avatar == "file":
        path = avatar_path(rt, user.id)
        return user, path if path.is_file() else None
    return user, None


def avatar_path(rt: Runtime, user_id: int) -> Path:
    return rt.config.data_dir / (rt.settings.str("avatar_path") or "avatar") / f"avatar_{user_id}.png"


def _encode_avatar(raw: bytes, size: int) -> bytes:
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            image.thumbnail((size, size))
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise AppError(Code.PARAM_ERR, "Invalid image", cause=exc) from exc


async def set_avatar(ctx: Ctx, raw: bytes | None) -> None:
    """``None`` or empty bytes switch to Gravatar; anything else must decode as an image."""
    rt = ctx.rt
    mode = "gravatar"
    if raw:
        png = await asyncio.to_thread(_encode_avatar, raw, rt.settings.int("avatar_size_l", 200))
        path = avatar_path(rt, ctx.user.id)
        try:
            await asyncio.to_thread(_write_atomic, path, png)
        except OSError as exc:
            raise AppError(Code.IO_FAILED, "Failed to save avatar", cause=exc) from exc
        mode = "file"
    async with writing(rt.sessions) as session:
        await session.execute(sa.update(User).where(User.id == ctx.user.id).values(avatar=mode))
        mark_user_changed(session, ctx.user.id)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- preferences and 2FA ----------------------------------------------------------------------

async def settings_view(ctx: Ctx) -> tuple[Principal, list[Passkey]]:
    async with reading(ctx.rt.sessions) as session:
        passkeys = list((await session.execute(
            sa.select(Passkey).where(Passkey.user_id == ctx.user.id, Passkey.deleted_at.is_(None))
            .order_by(Passkey.id))).scalars())
    return await _require(ctx.rt, ctx.user.id), passkeys


async def prepare_two_factor(ctx: Ctx) -> str:
    secret = twofactor.new_secret()
    await ctx.rt.kv.set(f"2fa_init_{ctx.user.id}", secret, TWO_FA_INIT_TTL)
    return secret


async def update_settings(ctx: Ctx, changes: dict[str, Any]) -> None:
    """Apply the fields present in a PATCH /user/setting body, in the spec's order."""
    rt = ctx.rt
    uid = ctx.user.id
    new_digest: str | None = None
    if "current_password" in changes and "new_password" in changes:
        ok, _ = await asyncio.to_thread(verify_password, ctx.user.password_digest, changes["current_password"])
        if not ok:
            raise AppError(Code.INCORRECT_PASSWORD, "Incorrect password")
        new_digest = await asyncio.to_thread(hash_password, changes["new_password"])
    new_secret: str | None | bool = False  # False: leave as is
    if "two_fa_enabled" in changes:
        code = changes.get("two_fa_code")
        if not code:
            raise AppError(Code.PARAM_ERR, "Two-factor code cannot be empty")
        if changes["two_fa_enabled"]:
            pending = await rt.kv.get(f"2fa_init_{uid}")
            if pending is None:
                raise AppError(Code.INTERNAL_SETTING, "You have not initiated 2FA session")
            await twofactor.check(rt, uid, pending, code)
            await rt.kv.delete(f"2fa_init_{uid}")
            new_secret = pending
        else:
            await twofactor.check(rt, uid, ctx.user.two_factor_secret or "", code)
            new_secret = None

    async with writing(rt.sessions) as session:
        user = await user_repo.by_id(session, uid, for_update=True)
        if user is None:
            raise AppError(Code.USER_NOT_FOUND, "User not found")
        prefs = dict(user.settings or {})
        if "nick" in changes:
            user.nick = changes["nick"][:100]
        if "language" in changes:
            prefs["email_language"] = changes["language"]
        if "preferred_theme" in changes:
            prefs["preferred_theme"] = changes["preferred_theme"]
        for field, key in (("version_retention_enabled", "version_retention"),
                           ("version_retention_ext", "version_retention_ext"),
                           ("version_retention_max", "version_retention_max"),
                           ("disable_view_sync", "disable_view_sync"),
                           ("share_links_in_profile", "share_links_in_profile")):
            if field in changes:
                prefs[key] = changes[field]
        user.settings = prefs
        if new_digest is not None:
            user.password = new_digest
        if new_secret is not False:
            user.two_factor_secret = new_secret  # type: ignore[assignment]


def valid_theme(value: str) -> bool:
    return bool(_THEME.match(value.strip()))


# --- storage policies and nodes ---------------------------------------------------------------

async def available_policies(ctx: Ctx) -> list[StoragePolicy]:
    """The group's default policy first, then the others it may use (mountable on folders)."""
    async with reading(ctx.rt.sessions) as session:
        return await mounts.available(session, ctx.user.group.id)


async def available_nodes(ctx: Ctx) -> list[NodeModel]:
    async with reading(ctx.rt.sessions) as session:
        stmt = (sa.select(NodeModel).where(NodeModel.status == "active", NodeModel.deleted_at.is_(None))
                .order_by(NodeModel.id))
        return list((await session.execute(stmt)).scalars())


async def create_admin(rt: Runtime, email: str, password: str) -> str:
    """Create an active administrator, or promote the existing account with that email."""
    email = email.lower()
    digest = await asyncio.to_thread(hash_password, password)
    async with writing(rt.sessions) as session:
        user = await user_repo.by_email(session, email, for_update=True)
        if user is not None:
            user.group_users, user.status, user.password = ADMIN_GROUP_ID, "active", digest
            return f"{email} is now an administrator"
        admin = User(email=email, nick=_nick_from_email(email), password=digest, status="active",
                     group_users=ADMIN_GROUP_ID, storage=0, avatar="",
                     settings={"version_retention": True, "version_retention_max": 10})
        session.add(admin)
        await session.flush()
        await tree.ensure_root(session, admin.id)
    return f"administrator {email} created"
