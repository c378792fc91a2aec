"""Site settings: database rows over the declared defaults, with per-key environment overrides.

Lookup order as in Cloudreve: ``CR_SETTING_<key>`` environment variable, conf.ini
``[OptionOverwrite]``, then the ``settings`` table. The table is read into memory and re-read every
few seconds, so a setting changed by any worker is seen everywhere shortly after.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from pyreve.db.engine import read_only
from pyreve.db.models import Setting
from pyreve.db.setting_defaults import DEFAULTS

RELOAD_SECONDS = 5.0
_ENV_PREFIX = "CR_SETTING_"


class SiteSettings:
    def __init__(self, engine: AsyncEngine, overrides: dict[str, str] | None = None):
        self._engine = engine
        self._reader = read_only(engine)
        self._values: dict[str, str] = dict(DEFAULTS)
        self._overrides = dict(overrides or {})
        for name, value in os.environ.items():
            if name.startswith(_ENV_PREFIX):
                self._overrides[name[len(_ENV_PREFIX):]] = value
        self._loaded_at = 0.0

    async def load(self) -> None:
        async with self._reader.connect() as conn:
            rows = (await conn.execute(sa.select(Setting.name, Setting.value))).all()
        values = dict(DEFAULTS)
        values.update({name: value or "" for name, value in rows})
        values.update(self._overrides)
        self._values = values
        self._loaded_at = time.monotonic()

    async def refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            self._loaded_at = time.monotonic()  # one reload at a time; others keep the current values
            await self.load()

    def str(self, key: str) -> str:
        return self._values.get(key, "")

    def int(self, key: str, default: int = 0) -> int:
        try:
            return int(self._values.get(key, ""))
        except ValueError:
            return default

    def bool(self, key: str) -> bool:
        return self._values.get(key, "") in ("1", "true")

    def json(self, key: str, default: Any = None) -> Any:
        try:
            return json.loads(self._values.get(key, ""))
        except ValueError:
            return default
