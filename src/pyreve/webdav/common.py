"""What every DAV method shares: the request's path and login, headers, errors as DAV statuses."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from pyreve.api.deps import client_ip
from pyreve.errors import AppError, Code, TooManyAttempts
from pyreve.fs.uri import FileURI
from pyreve.services import dav_account, webdav
from pyreve.services.context import Ctx, Runtime
from pyreve.webdav import ifheader
from pyreve.webdav.xmlio import HEAD, MAX_BODY, BadXML, error_body

log = logging.getLogger("pyreve.webdav")
PREFIX = "/dav"
BASE_HEADERS = {"cache-control": "private, no-cache", "dav": "1, 2", "ms-author-via": "DAV"}
CHALLENGE = {"www-authenticate": 'Basic realm="cloudreve"'}
WRITES = frozenset({"PUT", "DELETE", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "PROPPATCH"})
REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type",
           423: "Locked", 424: "Failed Dependency", 429: "Too Many Requests", 500: "Internal Server Error",
           501: "Not Implemented", 502: "Bad Gateway", 507: "Insufficient Storage"}

_STATUS = {
    Code.CHECK_LOGIN: 401, Code.NO_PERMISSION: 403, Code.OWNER_ONLY: 403, Code.GROUP_NOT_ALLOWED: 403,
    Code.NOT_FOUND: 404, Code.PARENT_NOT_EXIST: 409, Code.FILE_NOT_FOUND: 404, Code.ENTITY_NOT_EXIST: 404,
    Code.OBJECT_EXIST: 405, Code.CONFLICT: 409, Code.PARAM_ERR: 400, Code.ILLEGAL_OBJECT_NAME: 400,
    Code.FILE_TYPE_NOT_ALLOWED: 403, Code.FILE_TOO_LARGE: 413, Code.INSUFFICIENT_CAPACITY: 507,
    Code.LOCK_CONFLICT: 423, Code.STALE_VERSION: 412, Code.FILE_COUNT_LIMIT_REACHED: 403,
    Code.FEATURE_NOT_ENABLED: 501, Code.POLICY_NOT_ALLOWED: 403, Code.INVALID_CONTENT_LENGTH: 400,
    Code.USER_BANNED: 403, Code.USER_NOT_ACTIVATED: 403, Code.SHARE_LINK_NOT_FOUND: 404,
    Code.INCORRECT_PASSWORD: 403, Code.ROOT_PROTECTED: 403,
}


class DavError(Exception):
    """A ready DAV status (with an optional RFC 4918 error condition)."""

    def __init__(self, status: int, condition: str = "", headers: Mapping[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.condition = condition
        self.headers = dict(headers or {})


def reply(status: int, body: bytes | str = b"", headers: Mapping[str, str] | None = None,
          media_type: str | None = None) -> Response:
    if isinstance(body, str):
        body = body.encode()
    if not body and status >= 400:
        body = REASONS.get(status, "Error").encode()
        media_type = media_type or "text/plain; charset=utf-8"
    return Response(body, status_code=status, headers={**BASE_HEADERS, **(headers or {})}, media_type=media_type)


def xml_reply(status: int, body: str, headers: Mapping[str, str] | None = None) -> Response:
    return reply(status, (HEAD + body).encode(), headers, "application/xml; charset=utf-8")


def error_reply(exc: BaseException) -> Response:
    if isinstance(exc, DavError):
        if exc.condition:
            return reply(exc.status, error_body(exc.condition), exc.headers, "application/xml; charset=utf-8")
        return reply(exc.status, b"", exc.headers)
    if isinstance(exc, TooManyAttempts):
        return reply(429, b"", {"retry-after": str(exc.retry_after)})
    if isinstance(exc, BadXML):
        return reply(400)
    if isinstance(exc, ifheader.BadIf):
        return reply(400)
    if isinstance(exc, AppError):
        if isinstance(exc, webdav.NotAFile):
            return reply(405)
        if isinstance(exc, webdav.TooDeep):
            return reply(403, error_body("propfind-finite-depth"), None, "application/xml; charset=utf-8")
        status = _STATUS.get(exc.code, 500)  # type: ignore[call-overload]
        if status == 401:
            return reply(401, b"", CHALLENGE)
        if status == 423:
            return reply(423, error_body("lock-token-submitted"), None, "application/xml; charset=utf-8")
        if status >= 500:
            log.warning("DAV request failed: %s %s", exc.code, exc.msg)
        return reply(status)
    log.exception("DAV request failed", exc_info=exc)
    return reply(500)


# --- paths -----------------------------------------------------------------------------------------

def elements_of(raw: str) -> list[str]:
    """Decoded path elements below /dav; 400 for ``.``/``..``, encoded separators and control bytes."""
    rest = raw[len(PREFIX):] if raw.startswith(PREFIX) else None
    if rest is None or (rest and not rest.startswith("/")):
        raise DavError(404)
    out = []
    for segment in rest.split("/"):
        if segment == "":
            continue
        try:
            name = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            raise DavError(400) from None
        if name in (".", "..") or "/" in name or "\\" in name or any(ord(c) < 0x20 or c == "\x7f" for c in name):
            raise DavError(400)
        out.append(name)
    return out


def raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    if raw:
        return bytes(raw).decode("latin-1").split("?", 1)[0]
    return quote(request.scope["path"])


def href(elements: list[str], collection: bool) -> str:
    return webdav.href_of(elements, collection)


def destination(request: Request) -> list[str]:
    """The Destination header as elements below /dav: 502 on another host (RFC 4918 §9.8.5), 400 when absent."""
    value = request.headers.get("destination", "").strip()
    if not value:
        raise DavError(400)
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        host = request.headers.get("host", "")
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
            raise DavError(502)
    path = parts.path
    if not (path == PREFIX or path.startswith(PREFIX + "/")):
        raise DavError(502)
    return elements_of(path)


def depth(request: Request, default: str, allowed: tuple[str, ...]) -> str:
    value = request.headers.get("depth", default).strip().lower()
    if value not in allowed:
        raise DavError(400)
    return value


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise DavError(413)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise DavError(413)
        chunks.append(chunk)
    return b"".join(chunks)


# --- who is calling --------------------------------------------------------------------------------

def credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, sep, password = decoded.partition(":")
    return (email, password) if sep else None


def runtime(request: Request) -> Runtime:
    return request.scope["app"].state.rt  # type: ignore[no-any-return]


@dataclass
class Call:
    """One authenticated DAV request."""

    request: Request
    dav: webdav.Dav
    elements: list[str]

    @property
    def rt(self) -> Runtime:
        return self.dav.ctx.rt


_roots: dict[str, FileURI] = {}


async def authenticate(request: Request) -> Call:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    given = credentials(request)
    if given is None:
        raise DavError(401, headers=CHALLENGE)
    ip = client_ip(request, rt)
    login, user = await dav_account.authenticate(rt, given[0], given[1], ip)
    if login.readonly and request.method in WRITES:
        raise DavError(403)
    root = _roots.get(login.uri)
    if root is None:
        try:
            root = FileURI.parse(login.uri).without_query()
        except AppError:
            raise DavError(404) from None
        if len(_roots) > 10_000:
            _roots.clear()
        _roots[login.uri] = root
    ctx = Ctx(rt=rt, user=user, ip=ip, user_agent=request.headers.get("user-agent", ""))
    return Call(request, webdav.Dav(ctx, login, root), elements_of(raw_path(request)))


def site(request: Request) -> str:
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}"


def _resource(call: Call, tag: str) -> list[str] | None:
    """The elements of a tagged If resource, when it is one of ours."""
    parts = urlsplit(tag)
    if parts.netloc and parts.netloc.lower() != call.request.headers.get("host", "").lower():
        return None
    try:
        return elements_of(parts.path)
    except DavError:
        return None


async def conditions(call: Call) -> frozenset[str]:
    """Evaluate the If header (412 when no list holds); the lock tokens it submits."""
    header = call.request.headers.get("if")
    if not header:
        return frozenset()
    clauses = ifheader.parse(header)
    states: dict[tuple[str, ...], webdav.State] = {}
    passed = False
    for clause in clauses:
        elements = call.elements if clause.resource is None else _resource(call, clause.resource)
        if elements is None:
            continue
        key = tuple(elements)
        if key not in states:
            states[key] = await webdav.state(call.dav, elements)
        found = states[key]
        if all(ifheader.holds(c, found.etag, found.tokens) for c in clause.conditions):
            passed = True
    if not passed:
        raise DavError(412)
    return frozenset(ifheader.tokens(clauses))
