"""Upload and download routes (spec: upload.md; files.md §5, §10).

The JSON routes live on the router; the byte-moving ones (chunk upload, entity content, archive) are
plain Starlette routes in ``RAW_ROUTES``, mounted ahead of the router by app.py.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse

from pyreve.api.deps import CtxDep, _is_trusted_proxy, get_ctx, runtime
from pyreve.api.envelope import ok
from pyreve.api.schemas.docs import doc
from pyreve.api.schemas.file import file_wire, policy_wire
from pyreve.api.schemas.transfer import CancelUploadBody, UploadBody, UploadCredentialOut, UrlBody, UrlsOut
from pyreve.errors import ParamError
from pyreve.kit import zipstream
from pyreve.kit.clock import rfc3339
from pyreve.services import transfer
from pyreve.services.context import Runtime

router = APIRouter(prefix="/file", tags=["file"])

BLOCK = 1 << 20
PATHSEND_MAX = 1 << 20  # granian's path-send wins for small files; Python's 1 MiB loop for large ones
CONTENT_CORS = {"access-control-allow-origin": "*"}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


class RequestBody:
    """The request body as an async iterator of chunks, read straight from ASGI ``receive``."""

    def __init__(self, receive: Callable[[], Awaitable[Message]]):
        self._receive = receive
        self.done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self.done:
            message = await self._receive()
            if message["type"] != "http.request":
                self.done = True
                raise ClientDisconnect()
            if not message.get("more_body", False):
                self.done = True
            chunk = message.get("body", b"")
            if chunk:
                yield chunk

    async def drain(self) -> None:
        """Read and drop what is left, so the client gets the answer instead of a reset."""
        try:
            async for _ in self:
                pass
        except ClientDisconnect:
            pass


def content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


def site_of(request: Request, rt: Runtime, primary: bool) -> str:
    """``{scheme}://{host}`` the client used, or the first configured site URL."""
    if primary:
        configured = rt.settings.str("siteURL").split(",")[0].strip().rstrip("/")
        if configured:
            return configured
    scheme = request.url.scheme
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "")
    if forwarded in ("http", "https") and peer and _is_trusted_proxy(peer):
        scheme = forwarded
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}"


# --- JSON routes -----------------------------------------------------------------------------------

@router.put("/upload", summary="Create an upload session", **doc(UploadCredentialOut))
async def create_upload(body: UploadBody, ctx: CtxDep) -> Response:
    created = await transfer.create_upload_session(
        ctx, body.uri, body.size, body.policy_id, body.last_modified, body.mime_type, body.metadata, body.entity_type)
    return ok({
        "session_id": created.sid,
        "upload_id": "",
        "chunk_size": created.chunk_size,
        "expires": int(transfer.utc_timestamp(created.expires)),
        "storage_policy": policy_wire(ctx.rt, created.policy),
        "uri": created.uri,
        "callback_secret": created.callback_secret,
    })


@router.delete("/upload", summary="Cancel an upload session")
async def cancel_upload(body: CancelUploadBody, ctx: CtxDep) -> Response:
    await transfer.cancel_upload(ctx, body.id, body.uri)
    return ok()


@router.put("/content", summary="Replace a file's content (raw body)",
            openapi_extra={"requestBody": {"required": True, "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def put_content(request: Request, uri: str = "", previous: str = "") -> Response:
    body = RequestBody(request.receive)
    try:
        ctx = await get_ctx(request)
        if not uri:
            raise ParamError("Uri cannot be empty")
        view = await transfer.put_content(ctx, uri, previous, content_length(request), body)
    except Exception:
        await body.drain()  # the client gets the answer, not a reset
        raise
    return ok(file_wire(ctx.rt, view))


@router.post("/url", summary="Signed download URLs (or one archive URL)", **doc(UrlsOut))
async def file_urls(body: UrlBody, request: Request, ctx: CtxDep) -> Response:
    site = site_of(request, ctx.rt, body.use_primary_site_url)
    if body.archive:
        result = await transfer.archive_url(ctx, body.uris, site)
    else:
        result = await transfer.file_urls(ctx, body.uris, download=body.download, entity_hash=body.entity,
                                          skip_error=body.skip_error, no_cache=body.no_cache, site=site)
    if body.redirect and len(body.uris) == 1 and result.urls[0].get("url"):
        return RedirectResponse(result.urls[0]["url"], status_code=302)
    return ok({"urls": result.urls, "expires": rfc3339(result.expires) if result.expires else None})


# --- plain routes ----------------------------------------------------------------------------------

async def upload_chunk(request: Request, session_id: str, index: str) -> Response:
    body = RequestBody(request.receive)
    try:
        ctx = await get_ctx(request)
        await transfer.upload_chunk(ctx, session_id, index, content_length(request), body)
    except Exception:
        await body.drain()  # the client gets the answer, not a reset
        raise
    return ok()


class EntityFile(FileResponse):
    """A blob on disk: 1 MiB blocks, the caller's stat, optional throttling to ``speed`` bytes/s."""

    chunk_size = BLOCK

    def __init__(self, path: os.PathLike[str] | str, stat: os.stat_result, headers: dict[str, str],
                 media_type: str, speed: int = 0):
        super().__init__(path, headers=headers, media_type=media_type, stat_result=stat)
        self.speed = speed
        if speed > 0:  # blocks of about 1/8 s, so the pace is even
            self.chunk_size = min(BLOCK, max(4096, speed // 8))

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        assert self.stat_result is not None
        if self.speed > 0 or self.stat_result.st_size > PATHSEND_MAX:
            extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
            scope = {**scope, "extensions": extensions}
        if self.speed > 0:
            send = _throttled(send, self.speed)
        await super().__call__(scope, receive, send)


def _throttled(send: Callable[[Message], Awaitable[None]], speed: int) -> Callable[[Message], Awaitable[None]]:
    started = time.monotonic()
    sent = 0

    async def throttled(message: Message) -> None:
        nonlocal sent
        if message["type"] == "http.response.body":
            ahead = sent / speed - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
            sent += len(message.get("body", b""))
        await send(message)

    return throttled


def _disposition(name: str, download: bool) -> str:
    kind = "attachment" if download else "inline"
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in name)
    if fallback == name:
        return f'{kind}; filename="{name}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in match.split(",")]
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


async def serve_content(request: Request, entity: str, speed: str, name: str) -> Response:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    await transfer.check_content_sign(rt, request.scope["path"], request.query_params.get("sign"),
                                      request.query_params.get("share"))
    try:
        limit = int(speed)
    except ValueError:
        raise ParamError("Invalid speed") from None
    blob = await transfer.blob(rt, entity)
    stat = transfer.stat(blob.path) if blob.path is not None else None
    if blob.path is not None and stat is None:
        return PlainTextResponse("Entity data does not exist.", status_code=404)
    mtime = stat.st_mtime if stat is not None else transfer.utc_timestamp(blob.updated_at)
    etag = f'"{blob.entity_hash}"'
    headers = {
        **CONTENT_CORS,
        "cache-control": f"public, max-age={rt.settings.int('public_resource_maxage', 86400)}",
        "etag": etag,
        "last-modified": formatdate(mtime, usegmt=True),
        "content-disposition": _disposition(name, bool(request.query_params.get("download"))),
        "accept-ranges": "bytes",
    }
    if request.method == "GET":
        headers["content-security-policy"] = "sandbox"
    if _not_modified(request, etag, mtime):
        return Response(status_code=304, headers=headers)
    kind = transfer.media_type(rt, name)
    if stat is None or blob.path is None:
        return Response(b"", headers=headers, media_type=kind)
    return EntityFile(blob.path, stat, headers, kind, speed=max(0, limit))


async def content_preflight(request: Request, rest: str) -> Response:
    return Response(status_code=204, headers={
        **CONTENT_CORS,
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": request.headers.get("access-control-request-headers", "*"),
        "access-control-max-age": "86400",
    })


async def serve_archive(request: Request, session_id: str) -> Response:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    transfer.check_sign(rt, request.scope["path"], request.query_params.get("sign"))
    members = await transfer.archive_members(rt, session_id)
    members = await asyncio.to_thread(_present, members)
    return StreamingResponse(zipstream.stream(members), media_type="application/zip", headers={
        "content-disposition": 'attachment; filename="archive.zip"', "cache-control": "private, no-cache"})


def _present(members: list[zipstream.Member]) -> list[zipstream.Member]:
    """Members whose blob is on disk with the recorded size (others are skipped, as the reference does)."""
    out = []
    for member in members:
        if member.path is not None:
            try:
                if os.stat(member.path).st_size < member.size:
                    continue
            except OSError:
                continue
        out.append(member)
    return out


# (path below /api/v4, handler, methods)
RAW_ROUTES: list[tuple[str, Callable[..., Awaitable[Response]], list[str]]] = [
    ("/file/upload/{session_id}/{index}", upload_chunk, ["POST"]),
    ("/file/content/{entity}/{speed}/{name}", serve_content, ["GET", "HEAD"]),
    ("/file/content/{rest:path}", content_preflight, ["OPTIONS"]),
    ("/file/archive/{session_id}/archive.zip", serve_archive, ["GET"]),
]
