"""Groups as users see them."""

from __future__ import annotations

from typing import Any

from pyreve.db.repos import users as user_repo
from pyreve.db.seed import ANONYMOUS_GROUP_ID
from pyreve.db.uow import reading
from pyreve.services.context import Ctx


async def list_groups(ctx: Ctx) -> list[Any]:
    """Every group but the anonymous one (used to pick groups in permission settings)."""
    async with reading(ctx.rt.sessions) as session:
        return await user_repo.list_groups(session, exclude=ANONYMOUS_GROUP_ID)
