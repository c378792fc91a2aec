"""Explorer view settings (spec: files.md §20) and their defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pyreve.db.models import File
from pyreve.fs import tree
from pyreve.fs.uri import TRASH

DEFAULT_VIEW: dict[str, Any] = {"page_size": 100, "view": "grid", "thumbnail": True}
TRASH_VIEW: dict[str, Any] = {"view": "list", "columns": [{"type": 0}, {"type": 2}, {"type": 8}, {"type": 7}]}


async def effective(session: AsyncSession, fs: str, folder: File | None, owner_settings: dict[str, Any]
                    ) -> dict[str, Any] | None:
    """The nearest saved view from the folder up, else the default; None when view sync is off."""
    if owner_settings.get("disable_view_sync"):
        return None
    if folder is None:
        saved = (owner_settings.get("fs_view_map") or {}).get(fs)
        return saved or (TRASH_VIEW if fs == TRASH else DEFAULT_VIEW)
    for row in reversed(await tree.ancestors(session, folder)):
        view = (row.props or {}).get("view")
        if view:
            return dict(view)
    return DEFAULT_VIEW
