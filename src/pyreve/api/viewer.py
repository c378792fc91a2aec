"""Viewer sessions and the WOPI host routes (spec: files.md §6, §6.1).

``PUT /file/viewerSession`` answers in the envelope. The WOPI routes are called by an office server,
not by the web client: plain Starlette routes (``RAW_ROUTES``) answering bare HTTP statuses with an
``X-WOPI-ServerError`` header, never the envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pyreve.api.deps import CtxDep, client_ip, runtime
from pyreve.api.envelope import ok
from pyreve.api.schemas.common import Body
from pyreve.api.transfer import EntityFile, RequestBody, content_length, site_of
from pyreve.services import transfer, viewer
from pyreve.services.viewer import WopiError

log = logging.getLogger("pyreve.wopi")
router = APIRouter(prefix="/file", tags=["file"])


class ViewerSessionBody(Body):
    uri: str = Field(min_length=1, max_length=65535)
    viewer_id: str = Field(min_length=1, max_length=255)
    preferred_action: str = Field(min_length=1, max_length=32)
    version: str = Field(default="", max_length=255)
    parent_uri: str = Field(default="", max_length=65535)


@router.put("/viewerSession", summary="Open a file in a viewer (a WOPI source for office viewers)")
async def viewer_session(body: ViewerSessionBody, request: Request, ctx: CtxDep) -> Response:
    site = site_of(request, ctx.rt, True)
    return ok(await viewer.create_session(ctx, body.uri, body.viewer_id, body.preferred_action, body.version,
                                          site))


# --- WOPI ------------------------------------------------------------------------------------------

def _bare(err: WopiError) -> Response:
    return Response(status_code=err.status, headers=err.headers)


async def _authorize(request: Request, file_hash: str) -> viewer.WopiCall:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    return await viewer.authorize(rt, file_hash, request.query_params.get("access_token", ""),
                                  client_ip(request, rt))


Handler = Callable[[Request, str, RequestBody], Awaitable[Response]]


def _wopi(handler: Handler) -> Callable[..., Awaitable[Response]]:
    """Errors as bare statuses; what is left of the request body is drained so the caller gets the answer."""

    async def call(request: Request, id: str) -> Response:
        body = RequestBody(request.receive)
        try:
            return await handler(request, id, body)
        except WopiError as err:
            response = _bare(err)
        except Exception as exc:
            log.exception("WOPI request failed")
            response = _bare(WopiError(500, type(exc).__name__))
        if request.method == "POST":
            await body.drain()
        return response

    return call


async def check_file_info(request: Request, file_hash: str, body: RequestBody) -> Response:
    call = await _authorize(request, file_hash)
    return JSONResponse(await viewer.check_file_info(call, site_of(request, call.rt, True)))


async def get_file(request: Request, file_hash: str, body: RequestBody) -> Response:
    call = await _authorize(request, file_hash)
    content = await viewer.get_file(call)
    headers = {"X-WOPI-ItemVersion": content.version, "cache-control": "no-cache"}
    kind = transfer.media_type(call.rt, content.name)
    if content.path is None:
        return Response(b"", headers=headers, media_type=kind)
    stat = transfer.stat(content.path)
    if stat is None:
        raise WopiError(404, "entity data does not exist")
    return EntityFile(content.path, stat, {**headers, "accept-ranges": "bytes"}, kind)


async def put_file(request: Request, file_hash: str, body: RequestBody) -> Response:
    call = await _authorize(request, file_hash)
    version = await viewer.put_file(call, request.headers.get("x-wopi-lock", ""), content_length(request), body)
    return Response(status_code=200, headers={"X-WOPI-ItemVersion": version})


async def modify_file(request: Request, file_hash: str, body: RequestBody) -> Response:
    call = await _authorize(request, file_hash)
    override = request.headers.get("x-wopi-override", "").strip().upper()
    lock = request.headers.get("x-wopi-lock", "")
    if override == "LOCK":
        old = request.headers.get("x-wopi-oldlock")
        await viewer.lock(call, lock, old)
        return Response(status_code=200, headers={"X-WOPI-Lock": lock})
    if override == "REFRESH_LOCK":
        await viewer.refresh_lock(call, lock)
        return Response(status_code=200, headers={"X-WOPI-Lock": lock})
    if override == "UNLOCK":
        await viewer.unlock(call, lock)
        return Response(status_code=200)
    if override == "GET_LOCK":
        return Response(status_code=200, headers={"X-WOPI-Lock": await viewer.get_lock(call)})
    if override == "PUT_RELATIVE":
        result = await viewer.put_relative(call, request.headers.get("x-wopi-suggestedtarget", ""),
                                           request.headers.get("x-wopi-relativetarget", ""),
                                           content_length(request), body, site_of(request, call.rt, True))
        return JSONResponse(result)
    if override == "RENAME_FILE":
        return JSONResponse(await viewer.rename(call, request.headers.get("x-wopi-requestedname", ""), lock))
    raise WopiError(501, "unsupported operation")


# (path below /api/v4, handler, methods)
RAW_ROUTES: list[tuple[str, Callable[..., Awaitable[Response]], list[str]]] = [
    ("/file/wopi/{id}", _wopi(check_file_info), ["GET"]),
    ("/file/wopi/{id}", _wopi(modify_file), ["POST"]),
    ("/file/wopi/{id}/contents", _wopi(get_file), ["GET"]),
    ("/file/wopi/{id}/contents", _wopi(put_file), ["POST"]),
]
