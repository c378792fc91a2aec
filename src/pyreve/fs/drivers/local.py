"""Files on the server's disk, below one root directory; keys that resolve outside it are refused."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

BLOCK = 1 << 20


class KeyOutsideRoot(ValueError):
    pass


class ShortWrite(Exception):
    """The body ended before the expected number of bytes."""


class LongWrite(Exception):
    """The body carried more bytes than expected."""


class OutOfOrder(Exception):
    """A chunk starts beyond the bytes stored so far."""


class LocalDriver:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        candidate = Path(key)
        if not candidate.is_absolute():
            candidate = self.root / candidate
        resolved = candidate.resolve()
        if resolved != self.root and not resolved.is_relative_to(self.root):
            raise KeyOutsideRoot(key)
        return resolved

    async def write_at(self, key: str, offset: int, body: AsyncIterator[bytes], expected: int) -> int:
        """Store ``expected`` bytes of ``body`` at ``offset`` (0 truncates), streaming 1 MiB blocks."""
        path = self.path(key)
        handle = await asyncio.to_thread(_open_at, path, offset)
        written = 0
        buffer = bytearray()
        try:
            async for chunk in body:
                if not chunk:
                    continue
                written += len(chunk)
                if written > expected:
                    raise LongWrite()
                buffer += chunk
                if len(buffer) >= BLOCK:
                    await asyncio.to_thread(handle.write, buffer)  # awaited: no copy needed
                    buffer.clear()
            if buffer:
                await asyncio.to_thread(handle.write, buffer)
            if written != expected:
                raise ShortWrite()
            await asyncio.to_thread(handle.truncate, offset + written)
        finally:
            await asyncio.to_thread(handle.close)
        return written

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return 0

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await asyncio.to_thread(_unlink_quietly, path)

    async def ensure_empty(self, key: str) -> None:
        path = self.path(key)
        await asyncio.to_thread(_touch, path)


def _open_at(path: Path, offset: int) -> BinaryIO:
    """The file opened for writing at ``offset``; the caller closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if offset == 0:
        return open(path, "wb")  # noqa: SIM115
    try:
        handle = open(path, "r+b")  # noqa: SIM115
    except FileNotFoundError:
        raise OutOfOrder() from None
    if os.fstat(handle.fileno()).st_size < offset:
        handle.close()
        raise OutOfOrder()
    handle.seek(offset)
    return handle


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=True)
