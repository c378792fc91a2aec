"""The streamed ZIP writer: readable by zipfile and unzip-style readers, ZIP64 records included."""

from __future__ import annotations

import asyncio
import io
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from pyreve.kit.zipstream import Member, SourceChanged, stream

WHEN = datetime(2024, 5, 6, 7, 8, 10)


def build(members: list[Member], **kwargs: int) -> bytes:
    async def collect() -> bytes:
        return b"".join([part async for part in stream(members, **kwargs)])

    return asyncio.run(collect())


def tree(tmp_path: Path) -> tuple[list[Member], dict[str, bytes]]:
    contents = {"docs/a.txt": b"alpha", "docs/sub/b.bin": os.urandom(3000), "docs/empty.txt": b"",
                "top – ü.md": b"# top"}
    members = [Member("docs/", 0, WHEN), Member("docs/sub/", 0, WHEN), Member("docs/void/", 0, WHEN)]
    for index, (name, data) in enumerate(contents.items()):
        path = tmp_path / f"blob{index}"
        path.write_bytes(data + b"trailing bytes are not part of the entry")
        members.append(Member(name, len(data), WHEN, path if data else None))
    return members, contents


@pytest.mark.parametrize("limit", [0xFFFFFFFF, 1000, 1])
def test_archives_read_back_exactly(tmp_path: Path, limit: int) -> None:
    members, contents = tree(tmp_path)
    raw = build(members, block=1024, zip64_limit=limit)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == set(contents) | {"docs/", "docs/sub/", "docs/void/"}
        for name, data in contents.items():
            assert archive.read(name) == data
            info = archive.getinfo(name)
            assert info.date_time == (2024, 5, 6, 7, 8, 10) and info.compress_type == zipfile.ZIP_STORED
        assert archive.getinfo("docs/void/").is_dir()
    if limit < 0xFFFFFFFF:  # offsets past the limit: ZIP64 end records are present
        assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw
    else:
        assert b"PK\x06\x06" not in raw


def test_a_source_shorter_than_announced_aborts_the_stream(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(b"abc")
    with pytest.raises(SourceChanged):
        build([Member("short.txt", 10, WHEN, path)])
