"""Versions, direct links, permissions, activities and policy mounts (spec: files.md §11, §12, §15, §16, §19).

The permanent direct link ``GET /f/{id}/{name}`` lives outside ``/api/v4``; app.py mounts ``follow_link``.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pyreve.api.deps import CtxDep, LoginDep, client_ip, runtime, validate
from pyreve.api.envelope import EnvelopeResponse, error_payload, ok
from pyreve.api.schemas.docs import doc
from pyreve.api.schemas.file_features import (
    ActivitiesOut,
    ActivityFilter,
    DirectLinkOut,
    PermissionBody,
    PolicyBody,
    UrisOnlyBody,
    VersionBody,
    activity_wire,
    direct_link_url,
)
from pyreve.api.transfer import site_of
from pyreve.errors import AppError, BatchError, ParamError
from pyreve.services import direct_link, file_features, versions
from pyreve.services.context import Runtime

router = APIRouter(prefix="/file", tags=["file"])


# --- versions --------------------------------------------------------------------------------------

@router.post("/version/current", summary="Make a version the file's current content")
async def set_current_version(body: VersionBody, ctx: CtxDep) -> Response:
    await versions.set_current(ctx, body.uri, body.version)
    return ok()


@router.delete("/version", summary="Delete a version that is not the current one (JSON body or query)",
               openapi_extra={"requestBody": {"required": False, "content": {
                   "application/json": {"schema": VersionBody.model_json_schema()}}}})
async def delete_version(request: Request, ctx: CtxDep, uri: str = "", version: str = "") -> Response:
    raw = await request.body()
    if raw.strip():
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ParamError("JSON marshall error") from None
        if not isinstance(data, dict):
            raise ParamError("JSON marshall error")
    else:
        data = {"uri": uri, "version": version}
    body = validate(VersionBody, data)
    await versions.delete(ctx, body.uri, body.version)
    return ok()


# --- direct links ----------------------------------------------------------------------------------

def _links_wire(rt: Runtime, site: str, made: list[direct_link.Made]) -> list[dict[str, str]]:
    return [{"link": direct_link_url(rt, site, m.link_id, m.name) if m.link_id is not None else m.url,
             "file_url": m.uri} for m in made]


@router.put("/source", summary="Create direct links", **doc(list[DirectLinkOut]))
async def create_direct_links(body: UrisOnlyBody, request: Request, ctx: LoginDep) -> Response:
    site = site_of(request, ctx.rt, False)
    try:
        made = await direct_link.create(ctx, body.uris, site)
    except BatchError as err:
        err.data = _links_wire(ctx.rt, site, err.data or [])
        raise
    return ok(_links_wire(ctx.rt, site, made))


@router.delete("/source/{link_id}", summary="Delete a direct link")
async def delete_direct_link(link_id: str, ctx: LoginDep) -> Response:
    await direct_link.remove(ctx, link_id)
    return ok()


async def follow_link(request: Request, id: str, name: str) -> Response:  # noqa: A002 (the route's name)
    """``GET /f/{id}/{name}``: 302 to the file's content; 404 with an envelope when the link does not work."""
    return await _follow(request, id, name, download=False)


async def follow_link_download(request: Request, id: str, name: str) -> Response:  # noqa: A002
    """``GET /f/d/{id}/{name}``: the same link, its content served as an attachment (a forced download)."""
    return await _follow(request, id, name, download=True)


async def _follow(request: Request, link_id: str, name: str, *, download: bool) -> Response:
    rt = runtime(request)
    await rt.settings.refresh_if_stale()
    try:
        target = await direct_link.follow(rt, link_id, name, site_of(request, rt, False), client_ip(request, rt),
                                          request.headers.get("user-agent", ""), download=download)
    except AppError as err:
        response = EnvelopeResponse(error_payload(err, request, rt.config.system.debug))
        response.status_code = 404
        return response
    max_age = max(0, target.expires - int(time.time()))
    return RedirectResponse(target.url, status_code=302, headers={"cache-control": f"public, max-age={max_age}"})


# --- permissions -----------------------------------------------------------------------------------

@router.post("/permission", summary="Set the permission setting of files")
async def set_permission(body: PermissionBody, ctx: LoginDep) -> Response:
    await file_features.set_permission(ctx, body.uris, body.setting.model_dump())
    return ok()


@router.delete("/permission", summary="Clear the permission setting of files (they inherit again)")
async def clear_permission(body: UrisOnlyBody, ctx: LoginDep) -> Response:
    await file_features.set_permission(ctx, body.uris, None)
    return ok()


# --- activities ------------------------------------------------------------------------------------

@router.get("/activities", summary="A file's activity log", **doc(ActivitiesOut))
async def list_activities(ctx: CtxDep, uri: str = Query(min_length=1, max_length=65535),
                          page_size: int = Query(ge=10, le=file_features.MAX_ACTIVITY_PAGE),
                          order_direction: str = "", next_page_token: str = Query(default="", max_length=4096),
                          filter: ActivityFilter = "") -> Response:  # noqa: A002 (the query's name)
    found = await file_features.list_activities(ctx, uri, page_size, order_direction, next_page_token, filter)
    pagination: dict[str, object] = {"page": 0, "page_size": found.page_size, "is_cursor": True}
    if found.next_token:
        pagination["next_token"] = found.next_token
    return ok({"activities": [activity_wire(ctx.rt, row, found.users) for row in found.rows],
               "pagination": pagination})


# --- storage policy mounts -------------------------------------------------------------------------

@router.patch("/policy", summary="Mount a storage policy on a folder")
async def mount_policy(body: PolicyBody, ctx: LoginDep) -> Response:
    await file_features.mount_policy(ctx, body.uri, body.policy_id)
    return ok()
