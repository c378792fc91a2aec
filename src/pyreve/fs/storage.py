"""Storage policies: where a new blob goes, which names a policy accepts, which driver serves it."""

from __future__ import annotations

import random
import secrets
import string
import time
import uuid
from datetime import datetime
from pathlib import Path

from pyreve.db.models import StoragePolicy
from pyreve.errors import AppError, Code
from pyreve.fs.drivers.local import LocalDriver
from pyreve.fs.names import extension


def check_name_allowed(policy: StoragePolicy, name: str, code: int = Code.ILLEGAL_OBJECT_NAME) -> None:
    allowed = [e.lower().lstrip(".") for e in (policy.settings or {}).get("file_type") or [] if e]
    if allowed and extension(name) not in allowed:
        raise AppError(code, "File type not allowed")


def check_size_allowed(policy: StoragePolicy, size: int) -> None:
    if policy.max_size and size > policy.max_size:
        raise AppError(Code.FILE_TOO_LARGE, "File too large")


def _render(rule: str, owner_id: int, parent_path: list[str], name: str) -> str:
    now = datetime.now()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    values = {
        "{randomkey16}": _random(16), "{randomkey8}": _random(8), "{timestamp}": str(int(time.time())),
        "{timestamp_nano}": str(time.time_ns()), "{randomnum2}": str(random.randint(10, 99)),
        "{randomnum3}": str(random.randint(100, 999)), "{randomnum4}": str(random.randint(1000, 9999)),
        "{randomnum8}": str(random.randint(10_000_000, 99_999_999)), "{uid}": str(owner_id),
        "{datetime}": now.strftime("%Y%m%d%H%M%S"), "{date}": now.strftime("%Y%m%d"),
        "{year}": now.strftime("%Y"), "{month}": now.strftime("%m"), "{day}": now.strftime("%d"),
        "{hour}": now.strftime("%H"), "{minute}": now.strftime("%M"), "{second}": now.strftime("%S"),
        "{path}": "/".join(parent_path), "{originname}": name, "{ext}": ("." + ext) if ext else "",
        "{originname_without_ext}": stem, "{uuid}": str(uuid.uuid4()),
    }
    for key, value in values.items():
        rule = rule.replace(key, value)
    return rule


def _random(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def new_source(policy: StoragePolicy, owner_id: int, parent_path: list[str], name: str) -> str:
    """A fresh storage key for a blob of ``name`` uploaded below ``parent_path``."""
    directory = _render(policy.dir_name_rule or "uploads/{uid}/{path}", owner_id, parent_path, name)
    filename = _render(policy.file_name_rule or "{uid}_{randomkey8}_{originname}", owner_id, parent_path, name)
    return str(Path(directory) / filename)


def driver_for(policy: StoragePolicy, data_dir: Path) -> LocalDriver:
    if policy.type != "local":
        raise AppError(Code.POLICY_NOT_ALLOWED, "Storage policy type is not supported")
    rule = policy.dir_name_rule or "uploads/{uid}/{path}"
    fixed = rule.split("{", 1)[0]
    root = Path(fixed) if Path(fixed).is_absolute() else data_dir / fixed
    return LocalDriver(root if fixed.endswith("/") or "{" not in rule else root.parent)
