"""The one sanitizer for every user-supplied file or folder name (spec: file-uri.md §4)."""

from __future__ import annotations

import unicodedata

from pyreve.errors import AppError, Code

MAX_NAME_BYTES = 255
_FORBIDDEN = set('\\/:*?"<>|')


def invalid_name() -> AppError:
    return AppError(Code.ILLEGAL_OBJECT_NAME, "Invalid object name")


def clean_name(name: str) -> str:
    """The NFC form of a valid name, or 40052."""
    if not isinstance(name, str):
        raise invalid_name()
    name = unicodedata.normalize("NFC", name)
    if name in ("", ".", ".."):
        raise invalid_name()
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise invalid_name()
    if any(ch in _FORBIDDEN or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise invalid_name()
    return name


def extension(name: str) -> str:
    """Lower-case extension without the dot ("" when none)."""
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot and _ else ""
