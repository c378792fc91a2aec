"""WebDAV accounts (spec: group-webdav-vas.md) and the Basic-auth check of /dav (webdav.md §2).

Verified logins are kept per worker for a few seconds, so a client's requests cost no database
round trip and no password comparison beyond the first; a change made here drops them at once.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from pyreve.db.engine import read_only
from pyreve.db.models import DavAccount
from pyreve.db.repos import dav_accounts as repo
from pyreve.db.seed import GroupPermission
from pyreve.db.uow import reading, writing
from pyreve.errors import AppError, Code, ParamError
from pyreve.fs.uri import MY, SHARE, FileURI
from pyreve.kit import boolset
from pyreve.kit.hashid import IdType
from pyreve.kv.versions import Version
from pyreve.services import ratelimit
from pyreve.services.context import Ctx, Principal, Runtime

READONLY, PROXY, DISABLE_SYS_FILES = 0, 1, 2
PASSWORD_ALPHABET = string.digits + string.ascii_lowercase
PASSWORD_LENGTH = 32
LOGIN_TTL = 10.0
LOGIN_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class AccountForm:
    uri: str
    name: str
    readonly: bool = False
    proxy: bool = False
    disable_sys_files: bool = False


@dataclass
class AccountPage:
    accounts: list[DavAccount]
    page_size: int
    next_token: str


def _options(ctx: Ctx, form: AccountForm) -> bytes:
    """Validate a create/update form against the caller's group; the account's option boolset."""
    group = ctx.user.group
    if not group.can(GroupPermission.WEBDAV):
        raise AppError(Code.GROUP_NOT_ALLOWED, "WebDAV is not enabled for this user group")
    try:
        uri = FileURI.parse(form.uri)
    except AppError:
        raise ParamError("Invalid URI") from None
    if uri.query or uri.fs not in (MY, SHARE):
        raise ParamError("Invalid URI")
    flags = []
    if form.readonly:
        flags.append(READONLY)
    if form.proxy and group.can(GroupPermission.WEBDAV_PROXY):
        flags.append(PROXY)
    if form.disable_sys_files:
        flags.append(DISABLE_SYS_FILES)
    return boolset.from_flags(flags)


def _token(ctx: Ctx, account: DavAccount) -> str:
    payload = {"id": ctx.rt.ids.encode(account.id, IdType.DAV_ACCOUNT)}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _after(ctx: Ctx, token: str) -> int | None:
    if not token:
        return None
    try:
        payload = json.loads(base64.b64decode(token, validate=True))
        return ctx.rt.ids.decode(str(payload["id"]), IdType.DAV_ACCOUNT)
    except (ValueError, KeyError, TypeError, AppError) as exc:
        raise AppError(Code.DB_ERROR, "Failed to list dav accounts", cause=exc) from None


async def list_accounts(ctx: Ctx, page_size: int, next_page_token: str) -> AccountPage:
    before = _after(ctx, next_page_token)
    async with reading(ctx.rt.sessions) as session:
        rows = await repo.page(session, ctx.user.id, before, page_size + 1)
    more = len(rows) > page_size
    rows = rows[:page_size]
    return AccountPage(rows, page_size, _token(ctx, rows[-1]) if more and rows else "")


def _password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


async def create_account(ctx: Ctx, form: AccountForm) -> DavAccount:
    options = _options(ctx, form)
    async with writing(ctx.rt.sessions) as session:
        account = DavAccount(name=form.name, uri=form.uri, password=_password(), options=options, props={},
                             owner_id=ctx.user.id)
        session.add(account)
        await session.flush()
    return account


def decode_id(ctx: Ctx, account_id: str) -> int:
    return ctx.rt.ids.decode(account_id, IdType.DAV_ACCOUNT)


async def update_account(ctx: Ctx, account_id: str, form: AccountForm) -> DavAccount:
    wanted = decode_id(ctx, account_id)
    async with writing(ctx.rt.sessions) as session:
        account = await repo.owned(session, wanted, ctx.user.id)
        if account is None:
            raise AppError(Code.NOT_FOUND, "Account not exist")
        options = _options(ctx, form)
        account.name, account.uri, account.options = form.name, form.uri, options
        await session.flush()
    return account


async def delete_account(ctx: Ctx, account_id: str) -> None:
    wanted = decode_id(ctx, account_id)
    async with writing(ctx.rt.sessions) as session:
        account = await repo.owned(session, wanted, ctx.user.id)
        if account is None:
            raise AppError(Code.NOT_FOUND, "Account not exist")
        await repo.delete(session, account)


# --- Basic auth for /dav ---------------------------------------------------------------------------

class BadCredentials(AppError):
    def __init__(self) -> None:
        super().__init__(Code.CHECK_LOGIN, "Login required")


@dataclass(frozen=True, slots=True)
class DavLogin:
    """A verified WebDAV login: whose, which account, which folder, which options."""

    account_id: int
    user_id: int
    uri: str
    options: bytes

    @property
    def readonly(self) -> bool:
        return boolset.enabled(self.options, READONLY)

    @property
    def proxy(self) -> bool:
        return boolset.enabled(self.options, PROXY)

    @property
    def disable_sys_files(self) -> bool:
        return boolset.enabled(self.options, DISABLE_SYS_FILES)


def _cache(rt: Runtime) -> dict[tuple[str, str], tuple[float, Version, DavLogin]]:
    """Verified logins, each with its owner's change version (any change to their accounts moves it)."""
    return rt.extras.setdefault("dav_logins", {})  # type: ignore[no-any-return]


async def authenticate(rt: Runtime, email: str, password: str, ip: str) -> tuple[DavLogin, Principal]:
    """The login for Basic credentials ``email``/``password`` (an account password, never the
    user's own); 401 when they match nothing, 403 when the group may not use WebDAV, and
    :class:`TooManyAttempts` while failures from the address hold it back (services/ratelimit.py)."""
    key = (email.lower(), password)
    cache = _cache(rt)
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now and hit[1] == await rt.versions.read(hit[2].user_id):
        login = hit[2]
    else:
        login = await _verify(rt, email, password, ip)
        # The version is read after the accounts were, so check them once more: a change that
        # committed in between would otherwise be cached as current.
        version = await rt.versions.read(login.user_id)
        if not any(row.id == login.account_id and hmac.compare_digest(row.password.encode(), password.encode())
                   for row in await _logins(rt, email)):
            raise BadCredentials()
        if len(cache) >= LOGIN_CACHE_SIZE:
            cache.clear()
        cache[key] = (now + LOGIN_TTL, version, login)
    user = await rt.identity.get(login.user_id)
    if user is None or user.status != "active":
        cache.pop(key, None)
        raise BadCredentials()
    if not user.group.can(GroupPermission.WEBDAV):
        raise AppError(Code.NO_PERMISSION, "WebDAV is not enabled for this user group")
    return login, user


async def _verify(rt: Runtime, email: str, password: str, ip: str) -> DavLogin:
    # Failures are throttled per (email, address) and per address; while refused, no password is
    # checked, right ones included (no oracle).
    attempt = ratelimit.Guard(rt, ratelimit.DAV_ACCOUNT, ratelimit.DAV_IP, email.lower(), ip)
    await attempt.check()
    rows = await _logins(rt, email) if email and password else []
    match = None
    for row in rows:  # every candidate is compared, in constant time each
        if hmac.compare_digest(row.password.encode(), password.encode()) and match is None:
            match = row
    if match is None or match.status != "active":
        await attempt.failed()
        raise BadCredentials()
    await attempt.succeeded()
    return DavLogin(account_id=match.id, user_id=match.user_id, uri=match.uri, options=match.options or b"")


async def _logins(rt: Runtime, email: str) -> list[Any]:
    engine = rt.extras.get("dav_reader")
    if engine is None:
        engine = rt.extras["dav_reader"] = read_only(rt.engine)
    async with engine.connect() as conn:
        return await repo.logins(conn, email)
