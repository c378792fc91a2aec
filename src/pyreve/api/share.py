"""Share group (spec: share.md): manage share links, their info, and the short ``/s/`` links."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pyreve.api.deps import CtxDep, LoginDep
from pyreve.api.envelope import ok
from pyreve.api.schemas.docs import doc
from pyreve.api.schemas.share import ShareBody, ShareIdsBody, ShareOut, SharesOut, share_wire
from pyreve.services import share as shares

router = APIRouter(prefix="/share", tags=["share"])
short_router = APIRouter(tags=["share"])


def _host(request: Request) -> str:
    return request.headers.get("host", "")


@router.put("", summary="Create a share link", **doc(str, "the share link's URL"))
async def create(body: ShareBody, request: Request, ctx: LoginDep) -> Response:
    return ok(await shares.create(ctx, body.settings(), _host(request)))


@router.post("/{share_id}", summary="Change a share link", **doc(str, "the share link's URL"))
async def edit(share_id: str, body: ShareBody, request: Request, ctx: LoginDep) -> Response:
    return ok(await shares.edit(ctx, share_id, body.settings(), _host(request)))


@router.get("/info/{share_id}", summary="A share link as the requester may see it", **doc(ShareOut))
async def info(share_id: str, request: Request, ctx: CtxDep, password: str = Query(default="", max_length=128),
               count_views: bool = False, owner_extended: bool = False) -> Response:
    view = await shares.info(ctx, share_id, password, count_views, owner_extended, _host(request))
    return ok(share_wire(ctx.rt, view))


@router.get("", summary="The signed-in user's share links", **doc(SharesOut))
async def list_mine(
    request: Request, ctx: LoginDep,
    page_size: int = Query(ge=10, le=100),
    order_by: str = Query(default="", max_length=64),
    order_direction: str = Query(default="asc", pattern="^(asc|desc)$"),
    next_page_token: str = Query(default="", max_length=4096),
) -> Response:
    views, pagination = await shares.list_mine(ctx, page_size, order_by, order_direction, next_page_token,
                                               _host(request))
    return ok({"shares": [share_wire(ctx.rt, v) for v in views], "pagination": pagination})


@router.delete("", summary="Delete several of one's share links")
async def delete_many(body: ShareIdsBody, ctx: LoginDep) -> Response:
    await shares.delete_many(ctx, body.ids)
    return ok()


@router.delete("/{share_id}", summary="Delete a share link")
async def delete(share_id: str, ctx: LoginDep) -> Response:
    await shares.delete(ctx, share_id)
    return ok()


@short_router.get("/s/{share_id}", include_in_schema=False)
async def short_link(share_id: str) -> Response:
    return RedirectResponse(shares.redirect_target(share_id, ""), status_code=302)


@short_router.get("/s/{share_id}/{password}", include_in_schema=False)
async def short_link_with_password(share_id: str, password: str) -> Response:
    return RedirectResponse(shares.redirect_target(share_id, password), status_code=302)
