"""Thumbnail URL route (spec: files.md §4)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from pyreve.api.deps import CtxDep
from pyreve.api.envelope import ok
from pyreve.api.transfer import site_of
from pyreve.errors import ParamError
from pyreve.kit.clock import rfc3339
from pyreve.services import thumb

router = APIRouter(prefix="/file", tags=["file"])


@router.get("/thumb", summary="Signed URL of a file's thumbnail, generated on first request")
async def thumbnail(request: Request, ctx: CtxDep, uri: str = Query(default="", max_length=65535)) -> Response:
    if not uri:
        raise ParamError("Uri cannot be empty")
    found = await thumb.thumbnail_url(ctx, uri, site_of(request, ctx.rt, False))
    return ok({"url": found.url, "expires": rfc3339(found.expires)})
