"""Viewer sessions and the WOPI host (spec: files.md §6, §6.1).

A viewer session lives in the KV store for ``viewer_session_timeout`` seconds; its access token
``<session id>.<secret>`` lets an office server (Collabora, OnlyOffice, Office Online) read and
write the one file it was opened for, as the user who opened it. WOPI locks are path locks of the
file system (``fs/locks.py``, application ``viewer``) lasting 30 minutes; the lock string the office
server chose is kept with the lock, which is stored under a token derived from it and the file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import time
import uuid
from collections.abc import AsyncIterable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.engine import read_only
from pyreve.db.models import Entity, File, FsLock
from pyreve.db.models.file import ENTITY_VERSION, FILE
from pyreve.db.repos import files as repo
from pyreve.db.uow import writing
from pyreve.errors import AppError, Code, ParamError
from pyreve.fs import capabilities as cap
from pyreve.fs import locks, operations, permissions
from pyreve.fs.drivers.local import KeyOutsideRoot
from pyreve.fs.navigators import Navigator, navigator_for
from pyreve.fs.uri import MY, FileURI
from pyreve.kit.clock import rfc3339, utcnow
from pyreve.kit.hashid import IdType
from pyreve.services import share as shares
from pyreve.services import transfer
from pyreve.services.context import Ctx, Principal, Runtime
from pyreve.services.file import actor, group_policy

SESSION_PREFIX = "viewer_session_"
SECRET_LENGTH = 128
EXPIRY_PADDING = 10  # seconds: clients are told the session ends this much before it does
LOCK_TTL = timedelta(minutes=30)
FILE_NAME_MAX_LENGTH = 256
WOPI_PATH = "/api/v4/file/wopi/{id}"
WOPI_SOURCE = "WOPI_SOURCE"
# Query values of a discovery action URL that the host fills in (or drops when empty).
PLACEHOLDERS = {"BUSINESS_USER": "", "DC_LLCC": "lng", "DISABLE_ASYNC": "", "DISABLE_CHAT": "", "EMBEDDED": "true",
                "FULLSCREEN": "true", "HOST_SESSION_ID": "", "SESSION_CONTEXT": "", "RECORDING": "",
                "THEME_ID": "darkmode", "UI_LLCC": "lng", "VALIDATOR_TEST_CATEGORY": ""}
_ALPHABET = string.ascii_letters + string.digits
NOT_FOUND_CODES = {Code.NOT_FOUND, Code.PARENT_NOT_EXIST, Code.FILE_NOT_FOUND, Code.ENTITY_NOT_EXIST,
                   Code.SHARE_LINK_NOT_FOUND}


class WopiError(Exception):
    """A bare HTTP answer for the office server: status and ``X-WOPI-*`` headers."""

    def __init__(self, status: int, message: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        if message:
            self.headers["X-WOPI-ServerError"] = message


def lock_mismatch(current: str) -> WopiError:
    return WopiError(409, "", {"X-WOPI-Lock": current})


def wopi_error(err: AppError) -> WopiError:
    """How a file-system error reaches the office server."""
    if err.code == Code.LOCK_CONFLICT:
        held = [item.get("token", "") for item in err.data or [] if isinstance(item, dict)]
        return WopiError(409, err.msg, {"X-WOPI-Lock": held[0] if held else ""})
    if err.code == Code.FILE_TOO_LARGE:
        return WopiError(413, err.msg)
    if err.code in NOT_FOUND_CODES:
        return WopiError(404, err.msg)
    if err.code in (Code.NO_PERMISSION, Code.OWNER_ONLY, Code.CHECK_LOGIN, Code.INCORRECT_PASSWORD):
        return WopiError(401, err.msg)
    if err.code in (Code.OBJECT_EXIST, Code.ILLEGAL_OBJECT_NAME, Code.FILE_TYPE_NOT_ALLOWED, Code.PARAM_ERR):
        return WopiError(400, err.msg)
    return WopiError(500, err.msg or "internal error")


@dataclass
class ViewerSession:
    id: str
    uri: str  # the file as its opener saw it
    user_id: int
    viewer_id: str
    file_id: int
    version: str  # hashed entity id, "" for the current version
    token: str
    expires_at: float  # Unix seconds

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str) -> ViewerSession:
        data = json.loads(raw)
        return cls(id=str(data["id"]), uri=str(data["uri"]), user_id=int(data["user_id"]),
                   viewer_id=str(data["viewer_id"]), file_id=int(data["file_id"]), version=str(data["version"]),
                   token=str(data["token"]), expires_at=float(data["expires_at"]))


def find_viewer(rt: Runtime, viewer_id: str) -> dict[str, Any] | None:
    """An enabled viewer of the ``file_viewers`` setting."""
    groups = rt.settings.json("file_viewers", default=[])
    for group in groups if isinstance(groups, list) else []:
        for viewer in (group.get("viewers") or []) if isinstance(group, dict) else []:
            if isinstance(viewer, dict) and viewer.get("id") == viewer_id and not viewer.get("disabled"):
                return viewer
    return None


def _reader(rt: Runtime) -> AsyncSession:
    engine = rt.extras.get("viewer_reader")
    if engine is None:
        engine = rt.extras["viewer_reader"] = read_only(rt.engine)
    return AsyncSession(engine, expire_on_commit=False)


async def desired_entity(session: AsyncSession, rt: Runtime, file: File, version: str) -> Entity:
    """The version a session opened: the given one, or the current one."""
    if file.type != FILE:
        raise transfer.entity_not_exist()
    if version:
        for entity in await repo.entities_of(session, file.id):
            if (entity.type == ENTITY_VERSION and entity.upload_session_id is None
                    and rt.ids.encode(entity.id, IdType.ENTITY) == version):
                return entity
        raise transfer.entity_not_exist()
    primary = await session.get(Entity, file.primary_entity) if file.primary_entity else None
    if primary is None or primary.upload_session_id is not None:
        raise transfer.entity_not_exist()
    return primary


# --- PUT /file/viewerSession -----------------------------------------------------------------------

async def create_session(ctx: Ctx, uri_text: str, viewer_id: str, action: str, version: str, site: str
                         ) -> dict[str, Any]:
    rt = ctx.rt
    viewer = find_viewer(rt, viewer_id)
    if viewer is None:
        raise ParamError("unknown viewer id")
    try:
        uri = FileURI.parse(uri_text).without_query()
    except AppError:
        raise ParamError("unknown uri") from None
    nav = navigator_for(uri, ctx.user.id, rt.ids, shares.access(ctx))
    async with _reader(rt) as session:
        file = await nav.resolve(session, uri)
        if operations.is_root(file):
            raise operations.root_error()
        await permissions.require(session, permissions.Subject(ctx.user.id, ctx.user.group.id), file,
                                  permissions.READ)
        entity = await desired_entity(session, rt, file, version)
    if entity.size > rt.settings.int("maxEditSize", 52_428_800):
        raise AppError(Code.FILE_TOO_LARGE, "File too large")
    opened = await _store_session(rt, str(uri), ctx.user.id, viewer_id, file.id, version)
    out: dict[str, Any] = {"session": {"id": opened.id, "access_token": opened.token,
                                       "expires": int((opened.expires_at - EXPIRY_PADDING) * 1000)}}
    if viewer.get("type") == "wopi":
        src = wopi_src(viewer, file.name, action, site, rt.ids.encode(file.id, IdType.FILE))
        if src is None:
            raise AppError(Code.INTERNAL_SETTING, "failed to generate wopi src")
        out["wopi_src"] = src
    return out


async def _store_session(rt: Runtime, uri: str, user_id: int, viewer_id: str, file_id: int, version: str
                         ) -> ViewerSession:
    ttl = max(EXPIRY_PADDING + 1, rt.settings.int("viewer_session_timeout", 36000))
    sid = str(uuid.uuid4())
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    opened = ViewerSession(id=sid, uri=uri, user_id=user_id, viewer_id=viewer_id, file_id=file_id,
                           version=version, token=f"{sid}.{secret}", expires_at=time.time() + ttl)
    await rt.kv.set(SESSION_PREFIX + sid, opened.dumps(), ttl)
    return opened


def wopi_src(viewer: dict[str, Any], name: str, action: str, site: str, file_hash: str) -> str | None:
    """The office server's URL for this file: the viewer's action URL for the extension with the
    placeholders filled in and ``WOPISrc`` pointing at this host."""
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    actions = (viewer.get("wopi_actions") or {}).get(ext)
    if not isinstance(actions, dict):
        return None
    template = next((str(actions[a]) for a in (action, "view", "edit") if actions.get(a)), "")
    if not template:
        return None
    parts = urlsplit(template.replace("<", "").replace(">", ""))
    file_src = site.rstrip("/") + WOPI_PATH.format(id=file_hash)
    query: dict[str, str] = {}
    replaced = False
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in query:
            continue  # the first value of a repeated key counts
        if value in PLACEHOLDERS:
            if PLACEHOLDERS[value]:
                query[key] = PLACEHOLDERS[value]
            continue
        if value == WOPI_SOURCE:
            query[key], replaced = file_src, True
            continue
        query[key] = value
    if not replaced:
        query["WOPISrc"] = file_src
    query["lang"] = "lng"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(sorted(query.items())), parts.fragment))


# --- WOPI: who is calling --------------------------------------------------------------------------

@dataclass
class WopiCall:
    ctx: Ctx
    session: ViewerSession
    viewer: dict[str, Any]

    @property
    def rt(self) -> Runtime:
        return self.ctx.rt

    @property
    def uri(self) -> FileURI:
        return FileURI.parse(self.session.uri)

    def navigator(self) -> Navigator:
        return navigator_for(self.uri, self.ctx.user.id, self.rt.ids, shares.access(self.ctx))


async def authorize(rt: Runtime, file_hash: str, access_token: str, ip: str = "") -> WopiCall:
    """The viewer session behind an access token, for the file in the URL; bare 403/500 otherwise."""
    parts = access_token.split(".")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise WopiError(403, "malformed access token")
    raw = await rt.kv.get(SESSION_PREFIX + parts[0])
    if raw is None:
        raise WopiError(403, "invalid access token")
    try:
        opened = ViewerSession.loads(raw)
    except (ValueError, KeyError, TypeError):
        raise WopiError(403, "invalid access token") from None
    if not hmac.compare_digest(opened.token.encode(), access_token.encode()):
        raise WopiError(403, "invalid access token")
    user: Principal | None = rt.anonymous() if opened.user_id == 0 else await rt.identity.get(opened.user_id)
    if user is None or user.status != "active":
        raise WopiError(500, "user not found")
    try:
        file_id = rt.ids.decode(file_hash, IdType.FILE)
    except AppError:
        raise WopiError(403, "invalid file") from None
    if file_id != opened.file_id:
        raise WopiError(403, "invalid file")
    viewer = find_viewer(rt, opened.viewer_id)
    if viewer is None:
        raise WopiError(500, "viewer not found")
    return WopiCall(Ctx(rt=rt, user=user, ip=ip), opened, viewer)


async def _file(session: AsyncSession, call: WopiCall, *bits: int) -> tuple[Navigator, File]:
    nav = call.navigator()
    nav.require(*bits)
    file = await nav.resolve(session, call.uri)
    if file.id != call.session.file_id or operations.is_root(file):
        raise WopiError(404, "file not found")
    user = call.ctx.user
    await permissions.require(session, permissions.Subject(user.id, user.group.id), file, permissions.READ)
    return nav, file


# --- CheckFileInfo and GetFile --------------------------------------------------------------------

async def check_file_info(call: WopiCall, site: str) -> dict[str, Any]:
    rt, user = call.rt, call.ctx.user
    try:
        async with _reader(rt) as session:
            nav, file = await _file(session, call, cap.DOWNLOAD, cap.INFO)
            entity = await desired_entity(session, rt, file, call.session.version)
    except AppError as err:
        raise wopi_error(err) from None
    uri = call.uri
    can_edit = file.primary_entity == entity.id and file.owner_id == user.id and uri.fs == MY
    owner = file.owner_id == user.id
    folder = uri.dir()
    modified = file.updated_at.replace(microsecond=0) if file.updated_at else None
    return {
        "BaseFileName": file.name,
        "Version": rt.ids.encode(entity.id, IdType.ENTITY),
        "Size": entity.size,
        "BreadcrumbBrandName": rt.settings.str("siteName"),
        "BreadcrumbBrandUrl": site,
        "BreadcrumbFolderName": "/" + "/".join(folder.elements),
        "BreadcrumbFolderUrl": f"{site}/home?{urlencode({'path': str(folder)})}",
        "FileSharingPostMessage": owner,
        "FileVersionPostMessage": True,
        "ClosePostMessage": True,
        "PostMessageOrigin": "*",
        "FileNameMaxLength": FILE_NAME_MAX_LENGTH,
        "LastModifiedTime": rfc3339(modified),
        "IsAnonymousUser": user.anonymous,
        "UserFriendlyName": user.nick,
        "UserId": rt.ids.encode(user.id, IdType.USER),
        "OwnerId": rt.ids.encode(file.owner_id, IdType.USER),
        "ReadOnly": not can_edit,
        "UserCanRename": can_edit,
        "UserCanReview": can_edit,
        "UserCanWrite": can_edit,
        "UserCanNotWriteRelative": not can_edit,
        "SupportsRename": True,
        "SupportsReviewing": True,
        "SupportsUpdate": True,
        "SupportsLocks": True,
        "SupportsGetLock": True,
        "EnableShare": owner,
    }


@dataclass(frozen=True)
class Content:
    path: Path | None  # None for an empty version
    size: int
    name: str
    version: str


async def get_file(call: WopiCall) -> Content:
    rt = call.rt
    try:
        async with _reader(rt) as session:
            _, file = await _file(session, call, cap.DOWNLOAD)
            entity = await desired_entity(session, rt, file, call.session.version)
    except AppError as err:
        raise wopi_error(err) from None
    if entity.size > rt.settings.int("maxEditSize", 52_428_800):
        raise WopiError(413, "file too large")
    version = rt.ids.encode(entity.id, IdType.ENTITY)
    if entity.size == 0:
        return Content(None, 0, file.name, version)
    policy = await transfer.policy(rt, entity.storage_policy_entities)
    if policy is None:
        raise WopiError(404, "storage policy not found")
    try:
        path = transfer.driver(rt, policy).path(entity.source)
    except (KeyOutsideRoot, AppError):
        raise WopiError(404, "entity not found") from None
    return Content(path, entity.size, file.name, version)


# --- locks -----------------------------------------------------------------------------------------

def lock_token(file_id: int, lock: str) -> str:
    """The file system's token for a WOPI lock string (which may be longer than a token column)."""
    return "wopi:" + hashlib.sha256(f"{file_id}\n{lock}".encode()).hexdigest()[:48]


def lock_value(lock: FsLock) -> str:
    """What the office server sees as the current lock: its own string, or another lock's token."""
    return str((lock.application or {}).get("wopi_lock") or lock.token)


@dataclass
class Locking:
    session: AsyncSession
    file: File
    path: str
    covering: list[FsLock]

    @property
    def current(self) -> str:
        return lock_value(self.covering[0]) if self.covering else ""

    def holds(self, token: str) -> bool:
        return bool(self.covering) and all(lock.token == token for lock in self.covering)


async def _locking(session: AsyncSession, call: WopiCall, *bits: int) -> Locking:
    _, file = await _file(session, call, cap.LOCK, *bits)
    path = operations.lock_path(call.uri)
    if path is None:
        raise WopiError(500, "this file cannot be locked")
    await repo.lock_owner(session, file.owner_id)  # lock changes of one owner run one at a time
    covering = await locks.conflicts(session, file.owner_id, path, False, frozenset())
    return Locking(session, file, path, covering)


async def _lock_tx(call: WopiCall, work: Any, *bits: int) -> Any:
    try:
        async with writing(call.rt.sessions) as session:
            return await work(await _locking(session, call, *bits))
    except AppError as err:
        raise wopi_error(err) from None


async def _take(state: Locking, call: WopiCall, lock: str) -> None:
    token = lock_token(state.file.id, lock)
    await locks.release(state.session, [token])  # an expired row of the same lock, not yet purged
    await locks.acquire(state.session, state.file.owner_id, state.path, False,
                        {"type": locks.APP_VIEWER, "viewer_id": call.session.viewer_id, "wopi_lock": lock},
                        LOCK_TTL, call.uri, True, token=token)


async def _extend(state: Locking, token: str) -> None:
    await state.session.execute(sa.update(FsLock).where(FsLock.token == token)
                                .values(expires_at=utcnow() + LOCK_TTL))


async def lock(call: WopiCall, lock: str, old_lock: str | None = None) -> None:
    """LOCK (and UnlockAndRelock with ``old_lock``): take or keep the lock, or 409 with the current one."""
    if not lock:
        raise WopiError(400, "missing lock")

    async def work(state: Locking) -> None:
        token = lock_token(state.file.id, lock)
        if old_lock is not None:
            old = lock_token(state.file.id, old_lock)
            if not state.holds(old):
                raise lock_mismatch(state.current)
            await locks.release(state.session, [old])
            await _take(state, call, lock)
        elif not state.covering:
            await _take(state, call, lock)
        elif state.holds(token):
            await _extend(state, token)
        else:
            raise lock_mismatch(state.current)

    await _lock_tx(call, work)


async def refresh_lock(call: WopiCall, lock: str) -> None:
    async def work(state: Locking) -> None:
        token = lock_token(state.file.id, lock)
        if not lock or not state.holds(token):
            raise lock_mismatch(state.current)
        await _extend(state, token)

    await _lock_tx(call, work)


async def unlock(call: WopiCall, lock: str) -> None:
    async def work(state: Locking) -> None:
        token = lock_token(state.file.id, lock)
        if not lock or not state.holds(token):
            raise lock_mismatch(state.current)
        await locks.release(state.session, [token])

    await _lock_tx(call, work)


async def get_lock(call: WopiCall) -> str:
    async def work(state: Locking) -> str:
        return state.current

    return str(await _lock_tx(call, work))


# --- writing ---------------------------------------------------------------------------------------

async def _writable(call: WopiCall, lock: str) -> frozenset[str]:
    """The lock tokens a write presents: 409 when the file is locked by anything but ``lock``."""
    async def work(state: Locking) -> frozenset[str]:
        if not state.covering:
            return frozenset()
        token = lock_token(state.file.id, lock) if lock else ""
        if not token or not state.holds(token):
            raise lock_mismatch(state.current)
        return frozenset({token})

    result: frozenset[str] = await _lock_tx(call, work, cap.UPLOAD)
    return result


async def put_file(call: WopiCall, lock: str, length: int | None, body: AsyncIterable[bytes]) -> str:
    """PutFile: a new version of the file, like ``PUT /file/content``; the new version's hashed id."""
    held = await _writable(call, lock)
    try:
        view = await transfer.put_content(call.ctx, call.session.uri, "", length, body, held=held)
    except AppError as err:
        raise wopi_error(err) from None
    return call.rt.ids.encode(view.file.primary_entity or 0, IdType.ENTITY)


def decode_utf7(value: str) -> str:
    try:
        return value.encode("ascii").decode("utf-7")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise WopiError(400, "malformed UTF-7 name") from None


async def put_relative(call: WopiCall, suggested: str, relative: str, length: int | None,
                       body: AsyncIterable[bytes], site: str) -> dict[str, str]:
    """PUT_RELATIVE: save next to the file. A suggested name starting with ``.`` keeps the file's
    name with that extension."""
    if bool(suggested) == bool(relative):
        raise WopiError(400, "exactly one of X-WOPI-SuggestedTarget and X-WOPI-RelativeTarget is needed")
    name = decode_utf7(suggested or relative).strip()
    uri = call.uri
    if name.startswith("."):
        stem = uri.name.rpartition(".")[0] if "." in uri.name else uri.name
        name = stem + name
    if not name or "/" in name:
        raise WopiError(400, "invalid file name")
    target = uri.dir().join(name)
    try:
        view = await transfer.put_content(call.ctx, str(target), "", length, body)
    except AppError as err:
        raise wopi_error(err) from None
    opened = await _store_session(call.rt, str(target), call.session.user_id, call.session.viewer_id,
                                  view.file.id, "")
    file_hash = call.rt.ids.encode(view.file.id, IdType.FILE)
    url = site.rstrip("/") + WOPI_PATH.format(id=file_hash) + "?" + urlencode({"access_token": opened.token})
    return {"Name": view.name, "Url": url}


async def rename(call: WopiCall, requested: str, lock: str) -> dict[str, str]:
    """RENAME_FILE: a new name without extension (the extension stays); the lock moves along."""
    stem = decode_utf7(requested).strip()
    if not stem:
        raise WopiError(400, "", {"X-WOPI-InvalidFileNameError": "empty name"})
    rt, ctx = call.rt, call.ctx
    try:
        async with writing(rt.sessions) as session:
            state = await _locking(session, call, cap.RENAME)
            token = lock_token(state.file.id, lock) if lock else ""
            held = next((row for row in state.covering if row.token == token), None)
            if state.covering and (held is None or not state.holds(token)):
                raise lock_mismatch(state.current)
            ext = state.file.name.rpartition(".")[2] if "." in state.file.name else ""
            new_name = f"{stem}.{ext}" if ext else stem
            kept = (held.application, held.expires_at) if held is not None else None
            if kept is not None:
                await locks.release(session, [token])
            try:
                _, file, new_uri = await operations.rename(session, actor(ctx), call.uri, new_name,
                                                           await group_policy(session, ctx))
            except AppError as err:
                if err.code in (Code.OBJECT_EXIST, Code.ILLEGAL_OBJECT_NAME, Code.FILE_TYPE_NOT_ALLOWED,
                                Code.PARAM_ERR):
                    raise WopiError(400, "", {"X-WOPI-InvalidFileNameError": err.msg}) from None
                raise
            if kept is not None:
                path = operations.lock_path(new_uri) or state.path
                session.add(FsLock(token=token, owner_id=file.owner_id, path=path, depth_infinity=False,
                                   application=kept[0], created_at=utcnow(), expires_at=kept[1]))
                await session.flush()
    except AppError as err:
        raise wopi_error(err) from None
    call.session.uri = str(new_uri)
    ttl = call.session.expires_at - time.time()
    if ttl > 0:
        await rt.kv.set(SESSION_PREFIX + call.session.id, call.session.dumps(), ttl)
    return {"Name": file.name.rpartition(".")[0] if ext else file.name}
