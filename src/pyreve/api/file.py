"""File group (spec: files.md): listing, info and the tree operations."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from pyreve.api.deps import CtxDep, GuestDep, LoginDep, get_ctx
from pyreve.api.envelope import ok
from pyreve.api.schemas.file import (
    CreateBody,
    DeleteBody,
    MetadataBody,
    MoveBody,
    PinBody,
    RenameBody,
    UnlockBody,
    UrisBody,
    ViewBody,
    file_wire,
    listing_wire,
)
from pyreve.api.transfer import site_of
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
    payload = listing_wire(ctx.rt, listing)
    if listing.searching and listing.files and ctx.rt.settings.bool("use_sse_for_search"):
        # Search results as server-sent events: the hits, then the whole list response.
        body = _event("file", payload["files"]) + _event("list", payload)
        return Response(body, media_type="text/event-stream",
                        headers={"cache-control": "no-cache", "x-accel-buffering": "no"})
    return ok(payload)


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata:{json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


@router.get("/info", summary="One file's details")
async def info(request: Request, ctx: CtxDep, uri: str = Query(default="", max_length=65535),
               id: str = "", extended: bool = False, folder_summary: bool = False) -> Response:  # noqa: A002
    return ok(file_wire(ctx.rt, await files.info(ctx, uri, id, extended, folder_summary,
                                                 site_of(request, ctx.rt, False))))


@router.post("/create", summary="Create a file or folder (missing parents too)")
async def create(body: CreateBody, ctx: CtxDep) -> Response:
    view = await files.create(ctx, body.uri, body.type, body.metadata, body.err_on_conflict)
    return ok(file_wire(ctx.rt, view))


@router.post("/rename", summary="Rename a file or folder")
async def rename(body: RenameBody, ctx: CtxDep) -> Response:
    return ok(file_wire(ctx.rt, await files.rename(ctx, body.uri, body.new_name)))


@router.post("/move", summary="Move or copy files into a folder")
async def move(body: MoveBody, ctx: CtxDep) -> Response:
    await files.move(ctx, body.uris, body.dst, body.copy_)
    return ok()


@router.delete("", summary="Move files to the trash bin, or delete them permanently")
async def delete(body: DeleteBody, ctx: CtxDep) -> Response:
    await files.delete(ctx, body.uris, body.unlink, body.skip_soft_delete)
    return ok()


@router.post("/restore", summary="Put trashed files back where they were")
async def restore(body: UrisBody, ctx: LoginDep) -> Response:
    await files.restore(ctx, body.uris)
    return ok()


@router.delete("/trash", summary="Empty the trash bin")
async def empty_trash(ctx: LoginDep) -> Response:
    await files.empty_trash(ctx)
    return ok()


@router.patch("/metadata", summary="Set or remove metadata of files")
async def patch_metadata(body: MetadataBody, ctx: CtxDep) -> Response:
    await files.patch_metadata(ctx, body.uris, [p.model_dump() for p in body.patches])
    return ok()


@router.patch("/view", summary="Save or clear a folder's view setting")
async def patch_view(body: ViewBody, ctx: LoginDep) -> Response:
    await files.patch_view(ctx, body.uri, body.view.stored() if body.view is not None else None)
    return ok()


@router.put("/pin", summary="Pin a URI to the sidebar")
async def pin(body: PinBody, ctx: LoginDep) -> Response:
    await files.pin(ctx, body.uri, body.name)
    return ok()


@router.delete("/pin", summary="Remove a sidebar pin")
async def unpin(body: PinBody, ctx: LoginDep) -> Response:
    await files.unpin(ctx, body.uri)
    return ok()


@router.delete("/lock", summary="Release lock tokens")
async def unlock(body: UnlockBody, ctx: GuestDep) -> Response:
    await files.unlock(ctx, body.tokens)
    return ok()
