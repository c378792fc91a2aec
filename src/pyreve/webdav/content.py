"""GET, HEAD (and POST, as Cloudreve routes it) and PUT: file bodies, streamed both ways."""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.responses import RedirectResponse, Response

from pyreve.api.transfer import EntityFile, RequestBody
from pyreve.fs import locks
from pyreve.services import transfer, webdav, webdav_write
from pyreve.webdav.common import BASE_HEADERS, Call, DavError, conditions, reply, site
from pyreve.webdav.props import http_date


def _not_modified(call: Call, etag: str, modified: str) -> bool:
    match = call.request.headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in match.split(",")]
    return call.request.headers.get("if-modified-since") == modified


async def get(call: Call) -> Response:
    found = await webdav.content(call.dav, call.elements, lambda: site(call.request))
    modified = http_date(found.updated_at)
    headers = {**BASE_HEADERS, "etag": found.etag, "last-modified": modified, "accept-ranges": "bytes"}
    if found.redirect:
        return RedirectResponse(found.redirect, status_code=302, headers=BASE_HEADERS)
    if _not_modified(call, found.etag, modified):
        return Response(status_code=304, headers=headers)
    kind = transfer.media_type(call.rt, found.name)
    if found.path is None:
        return Response(b"", headers=headers, media_type=kind)
    stat = transfer.stat(found.path)
    if stat is None:
        return reply(404)
    speed = max(0, call.dav.ctx.user.group.speed_limit)
    return EntityFile(found.path, stat, headers, kind, speed=speed)


def _length(call: Call) -> int:
    """Content-Length, or the length Finder announces with a chunked body; 411 without either."""
    for name in ("content-length", "x-expected-entity-length"):
        raw = call.request.headers.get(name, "").strip()
        if raw:
            if not raw.isdigit():
                raise DavError(400)
            return int(raw)
    raise DavError(411)


async def put(call: Call) -> Response:
    body = RequestBody(call.request.receive)
    try:
        length = _length(call)
        tokens = await conditions(call)
        mtime_header = call.request.headers.get("x-oc-mtime", "")
        modified = webdav_write.mtime(mtime_header) if mtime_header else None
        with locks.submitted(tokens):
            written = await webdav_write.put(call.dav, call.elements, length, body, modified,
                                       call.request.headers.get("oc-checksum", ""))
    except ClientDisconnect:
        raise
    except BaseException:
        await body.drain()
        raise
    headers: dict[str, str] = {}
    if modified is not None:
        headers["x-oc-mtime"] = "accepted"
    if written is None:  # an OS metadata file this account ignores
        return reply(201, b"", headers)
    headers["etag"] = written.etag
    return reply(201 if written.created else 204, b"", headers)
