"""A ZIP archive produced as a stream, one block at a time (memory stays bounded whatever the sizes).

Entries are stored (no compression). File data is followed by a data descriptor, since its CRC is
known only once read; ZIP64 records are written for entries, offsets or directories that need them.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

BLOCK = 1 << 20
LIMIT32 = 0xFFFFFFFF
LIMIT16 = 0xFFFF
_UTF8 = 0x0800
_DESCRIPTOR = 0x0008
_MADE_BY = (3 << 8) | 45  # UNIX, ZIP 4.5
_FILE_MODE = 0o100644 << 16
_DIR_MODE = (0o40755 << 16) | 0x10


@dataclass(frozen=True)
class Member:
    """One entry: ``name`` is "/"-separated (folders end with "/"); ``path`` holds ``size`` bytes."""

    name: str
    size: int
    modified: datetime
    path: Path | None = None

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


class SourceChanged(OSError):
    """A member's file holds fewer bytes than announced."""


def _dos_time(moment: datetime) -> tuple[int, int]:
    if moment.year < 1980:
        return 0, (1 << 5) | 1
    return ((moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
            ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day)


def _read(handle: BinaryIO, length: int, crc: int) -> tuple[bytes, int]:
    block = handle.read(length)
    return block, zlib.crc32(block, crc)


async def stream(members: Iterable[Member], block: int = BLOCK, zip64_limit: int = LIMIT32) -> AsyncIterator[bytes]:
    """The archive's bytes. ``zip64_limit`` only exists so tests can exercise the ZIP64 records."""
    central: list[bytes] = []
    offset = 0
    for member in members:
        name = member.name.encode("utf-8")
        clock, date = _dos_time(member.modified)
        has_data = member.size > 0 and not member.is_dir
        big = member.size >= zip64_limit
        flags = _UTF8 | (_DESCRIPTOR if has_data else 0)
        version = 45 if big else 20
        extra = struct.pack("<HHQQ", 1, 16, 0, 0) if big and has_data else b""
        size32 = LIMIT32 if big else member.size
        local_sizes = (LIMIT32, LIMIT32) if big and has_data else (0, 0) if has_data else (size32, size32)
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, version, flags, 0, clock, date, 0, *local_sizes,
                             len(name), len(extra)) + name + extra
        yield header
        crc = 0
        if has_data:
            assert member.path is not None
            handle = await asyncio.to_thread(open, member.path, "rb")
            try:
                left = member.size
                while left:
                    data, crc = await asyncio.to_thread(_read, handle, min(block, left), crc)
                    if not data:
                        raise SourceChanged(f"{member.path} is shorter than {member.size} bytes")
                    left -= len(data)
                    yield data
            finally:
                await asyncio.to_thread(handle.close)
            if big:
                yield struct.pack("<IIQQ", 0x08074B50, crc, member.size, member.size)
            else:
                yield struct.pack("<IIII", 0x08074B50, crc, member.size, member.size)
        central.append(_central_record(member, name, version, flags, clock, date, crc, offset, zip64_limit))
        offset += len(header) + (member.size if has_data else 0) + ((24 if big else 16) if has_data else 0)
    directory = b"".join(central)
    yield directory
    yield _end_records(len(central), len(directory), offset, zip64_limit)


def _central_record(member: Member, name: bytes, version: int, flags: int, clock: int, date: int, crc: int,
                    offset: int, zip64_limit: int) -> bytes:
    fields: list[int] = []
    size32 = member.size
    offset32 = offset
    if member.size >= zip64_limit:
        fields += [member.size, member.size]
        size32 = LIMIT32
    if offset >= zip64_limit:
        fields.append(offset)
        offset32 = LIMIT32
    extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
    if fields:
        version = 45
    attributes = _DIR_MODE if member.is_dir else _FILE_MODE
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, version, flags, 0, clock, date, crc,
                       size32, size32, len(name), len(extra), 0, 0, 0, attributes, offset32) + name + extra


def _end_records(count: int, size: int, offset: int, zip64_limit: int) -> bytes:
    out = b""
    if count >= LIMIT16 or size >= zip64_limit or offset >= zip64_limit:
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, 45, 0, 0, count, count, size, offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, offset + size, 1)
        count = min(count, LIMIT16)
        size = LIMIT32 if size >= zip64_limit else size
        offset = LIMIT32 if offset >= zip64_limit else offset
    return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, offset, 0)
