"""Group group: list groups (spec: group-webdav-vas.md)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from pyreve.api.deps import LoginDep
from pyreve.api.envelope import ok
from pyreve.api.schemas.docs import GroupBriefOut, doc
from pyreve.kit.hashid import IdType
from pyreve.services import group as groups

router = APIRouter(prefix="/group", tags=["group"])


@router.get("/list", summary="All groups except the anonymous group", **doc(list[GroupBriefOut]))
async def list_groups(ctx: LoginDep) -> Response:
    rows = await groups.list_groups(ctx)
    return ok([{"id": ctx.rt.ids.encode(row.id, IdType.GROUP), "name": row.name} for row in rows])
