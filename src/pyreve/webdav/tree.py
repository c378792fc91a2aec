"""MKCOL, DELETE, COPY and MOVE (RFC 4918 §9.3, 9.6, 9.8, 9.9)."""

from __future__ import annotations

from starlette.responses import Response

from pyreve.fs import locks
from pyreve.services import webdav_write
from pyreve.webdav.common import Call, DavError, conditions, depth, destination, reply


async def mkcol(call: Call) -> Response:
    body = b""
    async for chunk in call.request.stream():
        body += chunk
        if body:
            break
    if body:
        raise DavError(415)
    tokens = await conditions(call)
    with locks.submitted(tokens):
        await webdav_write.mkcol(call.dav, call.elements)
    return reply(201)


async def delete(call: Call) -> Response:
    depth(call.request, "infinity", ("infinity",))
    tokens = await conditions(call)
    with locks.submitted(tokens):
        await webdav_write.delete(call.dav, call.elements)
    return reply(204)


async def copy_or_move(call: Call, move: bool) -> Response:
    target = destination(call.request)
    level = depth(call.request, "infinity", ("infinity",) if move else ("0", "infinity"))
    overwrite = call.request.headers.get("overwrite", "T").strip().upper()
    if overwrite not in ("T", "F"):
        raise DavError(400)
    if target == call.elements:
        raise DavError(403)
    tokens = await conditions(call)
    with locks.submitted(tokens):
        created = await webdav_write.copy_or_move(call.dav, call.elements, target, move=move,
                                                  overwrite=overwrite == "T", shallow=level == "0")
    return reply(201 if created else 204)


async def copy(call: Call) -> Response:
    return await copy_or_move(call, False)


async def move(call: Call) -> Response:
    return await copy_or_move(call, True)
