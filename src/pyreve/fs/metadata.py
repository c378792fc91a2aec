"""Metadata keys clients may write (spec: files.md §18)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pyreve.errors import AppError, Code, ParamError
from pyreve.fs.uri import SHARE, FileURI
from pyreve.kit.hashid import HashIds, IdType

NAMESPACES = ("sys", "dav", "customize", "tag")
SYSTEM_WRITABLE = ("sys:shared_owner", "sys:shared_redirect")
MAX_KEY_LENGTH, MAX_VALUE_LENGTH = 255, 65535
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|"
                     r"rgba?\([\d.%\s,/]+\)|hsla?\([\d.%\s,/deg]+\))$")


def _invalid(reason: str = "Invalid metadata key") -> AppError:
    return ParamError(reason)


def _check(key: str, value: str, remove: bool, ids: HashIds, emojis: Iterable[str]) -> None:
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or ":" not in key:
        raise _invalid()
    namespace, _, name = key.partition(":")
    if namespace not in NAMESPACES or not name:
        raise _invalid()
    if len(value) > MAX_VALUE_LENGTH:
        raise _invalid("Metadata value too long")
    if namespace == "sys":
        if key not in SYSTEM_WRITABLE or remove:
            raise _invalid()
        if key == "sys:shared_owner":
            ids.decode(value, IdType.USER)
        elif FileURI.parse(value).fs != SHARE:
            raise _invalid("Invalid share URI")
    elif namespace == "customize":
        if key == "customize:icon_color" and not remove and not _COLOUR.match(value):
            raise _invalid("Invalid color")
        if key == "customize:emoji" and not remove and value not in set(emojis):
            raise _invalid("Invalid emoji")
    elif namespace == "tag" and value and not remove and not _COLOUR.match(value):
        raise _invalid("Invalid tag color")


def validate_patches(patches: list[dict[str, Any]], ids: HashIds, emoji_preset: Any) -> list[dict[str, Any]]:
    """Normalised patches ``{key, value, remove}``; 40001 for keys clients may not write."""
    emojis = [e for group in (emoji_preset or {}).values() for e in group] if isinstance(emoji_preset, dict) else []
    out = []
    for patch in patches:
        if patch.get("private"):
            raise AppError(Code.PARAM_ERR, "Private metadata cannot be set")
        key = patch.get("key")
        value = patch.get("value") or ""
        remove = bool(patch.get("remove"))
        if not isinstance(value, str):
            raise _invalid("Invalid metadata value")
        _check(str(key or ""), value, remove, ids, emojis)
        out.append({"key": key, "value": value, "remove": remove})
    return out
