"""File group (spec: files.md): listing, info and the tree operations."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from pyreve.api.deps import CtxDep, get_ctx
from pyreve.api.envelope import ok
from pyreve.api.schemas.file import CreateBody, file_wire, listing_wire
from pyreve.services import file as files

router = APIRouter(prefix="/file", tags=["file"])


@router.get("", summary="List a folder, or search below it")
async def list_files(
    request: Request,
    uri: str = Query(min_length=1, max_length=65535),
    page: int = Query(default=0, ge=0),
    page_size: int = Query(default=0, ge=0),
    order_by: str = "",
    order_direction: str = "",
    next_page_token: str = Query(default="", max_length=4096),
) -> Response:
    ctx = await get_ctx(request)
    listing = await files.list_files(ctx, uri, page, page_size, order_by, order_direction, next_page_token)
    return ok(listing_wire(ctx.rt, listing))


@router.get("/info", summary="One file's details")
async def info(ctx: CtxDep, uri: str = Query(default="", max_length=65535), id: str = "",  # noqa: A002
               extended: bool = False, folder_summary: bool = False) -> Response:
    return ok(file_wire(ctx.rt, await files.info(ctx, uri, id, extended, folder_summary)))


@router.post("/create", summary="Create a file or folder (missing parents too)")
async def create(body: CreateBody, ctx: CtxDep) -> Response:
    view = await files.create(ctx, body.uri, body.type, body.metadata, body.err_on_conflict)
    return ok(file_wire(ctx.rt, view))
