"""Search results follow order_by and order_direction across pages, folders and files mixed (file-uri.md §5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.file_helpers import Drive
from tests.e2e.helpers import database

# Hits spread over three levels, so a level-by-level or id-ordered walk gives a different order.
FILES = {"s/deep/one/kilo.txt": 7, "s/mike.txt": 30, "s/alpha.txt": 30, "s/deep/zulu.txt": 1,
         "s/deep/one/bravo.txt": 99, "s/echo.txt": 0, "s/deep/golf.txt": 30, "s/hotel.txt": 5}
FOLDERS = ["s/deep/one/xray", "s/papa", "s/deep/charlie"]


@pytest.fixture(scope="module")
def drive(server: Server) -> Drive:
    drive = Drive.new(server)
    drive.populate("cloudreve://my", FOLDERS, FILES)
    with database(server) as conn:  # update times that tie in places, unrelated to names and ids
        for name, moment in (("golf.txt", "2024-01-01"), ("alpha.txt", "2024-01-01"), ("mike.txt", "2023-05-01"),
                             ("kilo.txt", "2025-02-01"), ("papa", "2024-01-01"), ("charlie", "2022-01-01")):
            conn.execute("UPDATE files SET updated_at = ? WHERE name = ?", (f"{moment} 00:00:00.000000", name))
    return drive


def hits(drive: Drive, type_filter: str | None) -> list[tuple[int, str, int, str]]:
    """(id, name, size, updated_at) of every searchable row below my/s, from the database."""
    with database(drive.server) as conn:
        rows = conn.execute(
            "SELECT f.id, f.name, f.size, f.updated_at, f.type FROM files f JOIN users u ON u.id = f.owner_id "
            "WHERE u.email = ? AND f.name NOT IN ('', 's')", (drive.email,)).fetchall()
    kind = {"file": 0, "folder": 1}.get(type_filter or "")
    return [(r[0], r[1], r[2], r[3]) for r in rows if kind is None or r[4] == kind]


def expected(rows: list[tuple[int, str, int, str]], order: str, desc: bool) -> list[str]:
    column = {"name": 1, "size": 2, "updated_at": 3}.get(order)
    ordered = sorted(rows, key=lambda r: (r[column] if column is not None else r[0], r[0]), reverse=desc)
    return [r[1] for r in ordered]


def walk(drive: Drive, uri: str, **params: Any) -> list[str]:
    names, token = [], ""
    for _ in range(50):
        result = drive.list(uri, **params, **({"next_page_token": token} if token else {}))
        assert result["code"] == 0, result
        data = result["data"]
        assert data["pagination"]["is_cursor"] is True and data["mixed_type"] is True
        assert len(data["files"]) <= params["page_size"]
        names += [f["name"] for f in data["files"]]
        token = data["pagination"].get("next_token", "")
        if not token:
            return names
    raise AssertionError("too many pages")


@pytest.mark.parametrize("order", ["name", "size", "updated_at", "created_at"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("page_size", [1, 3, 100])
def test_search_follows_the_order_across_pages(drive: Drive, order: str, direction: str, page_size: int) -> None:
    names = walk(drive, "cloudreve://my/s?type=file", page_size=page_size, order_by=order,
                 order_direction=direction)
    assert names == expected(hits(drive, "file"), order, direction == "desc")


@pytest.mark.parametrize("order", ["name", "size", "updated_at"])
def test_folders_and_files_are_ordered_together(drive: Drive, order: str) -> None:
    # "a" matches every name here: folders and files come as one sorted stream, as Cloudreve answers searches
    names = walk(drive, "cloudreve://my/s?name=a", page_size=2, order_by=order, order_direction="desc")
    rows = [r for r in hits(drive, None) if "a" in r[1]]
    assert names == expected(rows, order, True)
    assert {"papa", "charlie"} <= set(names)


def test_a_token_from_another_order_is_refused(drive: Drive) -> None:
    first = drive.list("cloudreve://my/s?type=file", page_size=2, order_by="created_at")["data"]
    token = first["pagination"]["next_token"]
    assert drive.list("cloudreve://my/s?type=file", page_size=2, order_by="name", next_page_token=token)["code"] \
        == 40001
