"""Listing, pagination, search and file info (files.md §0, §2, §3; file-uri.md §5)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.file_helpers import SPECIAL_SETTINGS, Drive, join_group, make_group
from tests.e2e.helpers import database, parse_time

FOLDERS = ["beta", "Alpha", "gamma", "delta", "Epsilon", "zeta", "eta"]
FILES = {"b.txt": 30, "A.txt": 10, "c.txt": 30, "D.txt": 0, "e.txt": 99, "F.txt": 30, "g.txt": 5, "h.txt": 10}
ORDERS = ["name", "size", "updated_at", "created_at", "bogus", ""]


@pytest.fixture(scope="module")
def tree(server: Server) -> Drive:
    """A folder with 7 folders and 8 files; sizes and update times tie in places."""
    drive = Drive.new(server)
    drive.populate("cloudreve://my/list", FOLDERS, FILES)
    with database(server) as conn:
        conn.execute("UPDATE files SET updated_at = '2024-01-01 00:00:00.000000' WHERE name IN "
                     "('b.txt', 'c.txt', 'F.txt', 'gamma', 'eta')")
    return drive


def children(drive: Drive, folder: str) -> list[tuple[int, int, str, int, str]]:
    """(type, id, name, size, updated_at) of the folder's children, from the database."""
    with database(drive.server) as conn:
        parent = conn.execute("SELECT f.id FROM files f JOIN users u ON u.id = f.owner_id WHERE u.email = ? "
                              "AND f.name = ? AND f.file_children IS NOT NULL", (drive.email, folder)).fetchone()[0]
        rows = conn.execute("SELECT type, id, name, size, updated_at FROM files WHERE file_children = ?",
                            (parent,)).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def expected_order(rows: list[tuple[int, int, str, int, str]], order: str, desc: bool) -> list[str]:
    column = {"name": 2, "size": 3, "updated_at": 4}.get(order)

    def key(row: tuple[int, int, str, int, str]) -> tuple[Any, int]:
        return (row[column] if column is not None else row[1], row[1])

    out = []
    for kind in (1, 0):  # folders first, then files
        out += [r[2] for r in sorted((r for r in rows if r[0] == kind), key=key, reverse=desc)]
    return out


def walk(drive: Drive, uri: str, **params: Any) -> tuple[list[str], int]:
    names, token, pages = [], "", 0
    while True:
        query = dict(params, **({"next_page_token": token} if token else {}))
        result = drive.list(uri, **query)
        assert result["code"] == 0, result
        pagination = result["data"]["pagination"]
        assert pagination["is_cursor"] is True and pagination["page"] == 0
        names += [f["name"] for f in result["data"]["files"]]
        pages += 1
        token = pagination.get("next_token", "")
        if not token:
            return names, pages
        assert pages < 50


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("size", [1, 3, 7, 15])
def test_cursor_walk_has_no_gaps_or_duplicates(tree: Drive, order: str, direction: str, size: int) -> None:
    params: dict[str, Any] = {"page_size": size, "order_direction": direction}
    if order:
        params["order_by"] = order
    names, pages = walk(tree, "cloudreve://my/list", **params)
    assert names == expected_order(children(tree, "list"), order, direction == "desc")
    assert pages == -(-len(names) // size)  # every page but the last is full


def test_listing_shape(tree: Drive) -> None:
    result = tree.list("cloudreve://my/list", page_size=100)
    data = result["data"]
    assert set(data) >= {"files", "parent", "pagination", "props", "context_hint", "mixed_type", "storage_policy"}
    assert data["mixed_type"] is False and "recursion_limit_reached" not in data
    assert data["props"] == {"capability": "w8edAQ==", "max_page_size": 2000,
                             "order_by_options": ["name", "size", "updated_at", "created_at"],
                             "order_direction_options": ["asc", "desc"]}
    assert data["parent"]["name"] == "list" and data["parent"]["path"] == "cloudreve://my/list"
    assert data["pagination"] == {"page": 0, "page_size": 100, "is_cursor": True}
    first = data["files"][0]
    assert first["type"] == 1 and first["path"].startswith("cloudreve://my/list/")
    assert first["owned"] is True and first["capability"] == "w8edAQ=="
    for item in data["files"]:
        parse_time(item["created_at"])
        parse_time(item["updated_at"])
    files = [f for f in data["files"] if f["type"] == 0]
    assert {f["name"]: f["size"] for f in files} == FILES
    assert data["storage_policy"]["type"] == "local"


def test_page_size_bounds(tree: Drive) -> None:
    assert tree.list("cloudreve://my/list", page_size=5000)["data"]["pagination"]["page_size"] == 2000
    assert tree.list("cloudreve://my/list")["data"]["pagination"]["page_size"] == 100
    assert tree.list("cloudreve://my/list", page_size=-1)["code"] == 40001
    assert tree.list("cloudreve://my/list", page=-1)["code"] == 40001
    assert tree.list("cloudreve://my/list", next_page_token="not base64!")["code"] == 40001
    assert tree.list("cloudreve://my/list", next_page_token="eyJpZCI6ICJ4eCJ9")["code"] == 40001
    assert tree.list("cloudreve://my/list/A.txt")["code"] == 40016
    assert tree.list("cloudreve://my/nope")["code"] == 40016
    assert tree.list("cloudreve://share")["code"] != 0


def test_offset_pagination(server_factory: Any) -> None:
    drive = Drive.new(server_factory(settings=SPECIAL_SETTINGS))
    for index in range(3):
        drive.folder(f"cloudreve://my/o/dir{index}")
    for index in range(5):
        drive.create(f"cloudreve://my/o/f{index}.txt")
    seen = []
    for page in range(4):
        result = drive.list("cloudreve://my/o", page=page, page_size=3, order_by="name")
        assert result["code"] == 0
        assert result["data"]["pagination"] == {"page": page, "page_size": 3, "total_items": 8}
        seen += [f["name"] for f in result["data"]["files"]]
    assert seen == ["dir0", "dir1", "dir2", "f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"]
    desc = drive.list("cloudreve://my/o", page=1, page_size=2, order_by="name", order_direction="desc")
    assert [f["name"] for f in desc["data"]["files"]] == ["dir0", "f4.txt"]
    # Searches are always cursor based.
    cursor = drive.list("cloudreve://my/o", page_size=2)["data"]["pagination"]
    assert "next_token" not in cursor
    search = sse_list(drive, "cloudreve://my/o?type=file", page_size=2)["pagination"]
    assert search["is_cursor"] is True and search["next_token"]


# --- search ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(server: Server) -> Drive:
    drive = Drive.new(server)
    sizes = {"s/Alpha Report.txt": 100, "s/beta.jpg": 2000, "s/sub/REPORT.md": 50, "s/sub/deep/report_2.txt": 10,
             "s/sub/deep/photo.png": 0, "other/report.txt": 100}
    for path, size in sizes.items():
        made = drive.create(f"cloudreve://my/{path}")
        if size:
            drive.give_size(made["id"], size)
    drive.folder("cloudreve://my/s/reports")
    drive.call("PATCH", "/file/metadata", {"uris": ["cloudreve://my/s/beta.jpg"], "patches": [
        {"key": "tag:blue", "value": "#0000ff"}, {"key": "customize:note", "value": "Say Hello"}]})
    return drive


def search(drive: Drive, query: str, base: str = "cloudreve://my/s") -> set[str]:
    result = drive.list(f"{base}?{query}", page_size=1000)
    assert result["code"] == 0, result
    assert result["data"]["mixed_type"] is True
    return {f["name"] for f in result["data"]["files"]}


@pytest.mark.parametrize("query,expected", [
    ("name=report", {"report_2.txt", "reports"}),
    ("name=report&case_folding", {"Alpha Report.txt", "REPORT.md", "report_2.txt", "reports"}),
    ("name=%22Report%22&case_folding", {"Alpha Report.txt"}),
    ("name=%22report_%22", {"report_2.txt"}),
    ("name=*.txt", {"Alpha Report.txt", "report_2.txt"}),
    ("name=*.TXT", set()),
    ("name=*.TXT&case_folding", {"Alpha Report.txt", "report_2.txt"}),
    ("name=rep*t", {"report_2.txt", "reports"}),
    ("name=r*t&case_folding", {"Alpha Report.txt", "REPORT.md", "report_2.txt", "reports"}),
    ("name=*port", set()),
    ("name=beta&name=photo", set()),
    ("name=beta&name=photo&use_or", {"beta.jpg", "photo.png"}),
    ("name=beta&name=photo&name_op_or=", {"beta.jpg", "photo.png"}),
    ("name=%25", set()),
    ("name=_", {"report_2.txt"}),
    ("type=folder", {"sub", "deep", "reports"}),
    ("type=file&name=re", {"report_2.txt"}),
    ("type=other", set()),
    ("category=image", {"beta.jpg", "photo.png"}),
    ("category=document&name=ignored", {"Alpha Report.txt", "REPORT.md", "report_2.txt"}),
    ("size_gte=50&size_lte=150", {"Alpha Report.txt", "REPORT.md"}),
    ("size_gte=1000&size_lte=5000", {"beta.jpg"}),
    ("meta_tag:blue=", {"beta.jpg"}),
    ("meta_customize:note=hello", {"beta.jpg"}),
    ("meta_customize:note=goodbye", set()),
    ("created_gte=4102444800", set()),
    ("updated_lte=946684800", set()),
    ("type=file&created_lte=4102444800&updated_gte=946684800",
     {"Alpha Report.txt", "beta.jpg", "REPORT.md", "report_2.txt", "photo.png"}),
])
def test_search(corpus: Drive, query: str, expected: set[str]) -> None:
    assert search(corpus, query) == expected


def test_search_scope_and_paths(corpus: Drive) -> None:
    assert search(corpus, "name=report_2", base="cloudreve://my/s/sub/deep") == {"report_2.txt"}
    assert search(corpus, "name=report_2", base="cloudreve://my/other") == set()
    assert search(corpus, "name=report.txt", base="cloudreve://my") == {"report.txt"}
    result = corpus.list("cloudreve://my/s?name=report_2")["data"]
    assert [f["path"] for f in result["files"]] == ["cloudreve://my/s/sub/deep/report_2.txt"]
    assert result["props"]["order_by_options"] is None and result["props"]["order_direction_options"] is None
    assert result["parent"]["path"] == "cloudreve://my/s"
    assert corpus.list("cloudreve://my/s?category=spaceships")["code"] != 0


def test_search_pages(corpus: Drive) -> None:
    names, token, pages = [], "", 0
    while True:
        params = {"page_size": 2, **({"next_page_token": token} if token else {})}
        result = corpus.list("cloudreve://my?type=file", **params)["data"]
        names += [f["name"] for f in result["files"]]
        token, pages = result["pagination"].get("next_token", ""), pages + 1
        if not token:
            break
    assert sorted(names) == sorted(["Alpha Report.txt", "beta.jpg", "REPORT.md", "report_2.txt", "photo.png",
                                    "report.txt"])
    assert pages >= 3


def test_search_in_the_trash(server: Server) -> None:
    drive = Drive.new(server)
    drive.create("cloudreve://my/t/a.txt")
    drive.folder("cloudreve://my/t/b")
    drive.delete(["cloudreve://my/t/a.txt", "cloudreve://my/t/b"])
    result = drive.list("cloudreve://trash?type=file")
    assert result["code"] == 0
    assert [f["name"] for f in result["data"]["files"]] == ["a.txt"]
    assert result["data"]["props"]["order_by_options"] == ["created_at"]


def sse_list(drive: Drive, uri: str, **params: Any) -> dict[str, Any]:
    """The final ``list`` event of a search answered as server-sent events."""
    response = drive.api.client.get("/api/v4/file", params={"uri": uri, **params},
                                    headers={"Authorization": f"Bearer {drive.token}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [block.split("\n", 1) for block in response.text.strip().split("\n\n")]
    assert [head for head, _ in events] == ["event: file", "event: list"]
    hits = json.loads(events[0][1].removeprefix("data:"))
    final: dict[str, Any] = json.loads(events[1][1].removeprefix("data:"))
    assert hits == final["files"]
    return final


def test_search_recursion_limit_and_events(server_factory: Any) -> None:
    drive = Drive.new(server_factory(settings=SPECIAL_SETTINGS))
    drive.create("cloudreve://my/r/x.txt")
    drive.create("cloudreve://my/r/1/x1.txt")
    drive.create("cloudreve://my/r/1/2/3/4/x4.txt")
    limited = sse_list(drive, "cloudreve://my/r?name=x")
    assert limited["recursion_limit_reached"] is True
    assert {"x.txt", "x1.txt"} <= {f["name"] for f in limited["files"]}
    assert "x4.txt" not in {f["name"] for f in limited["files"]}
    small = sse_list(drive, "cloudreve://my/r/1/2?name=x")
    assert {f["name"] for f in small["files"]} == {"x4.txt"} and "recursion_limit_reached" not in small
    nothing = drive.list("cloudreve://my/r?name=nothing")  # no hits: a plain JSON answer
    assert nothing["code"] == 0 and nothing["data"]["files"] == []
    assert drive.list("cloudreve://my/r")["data"]["files"][0]["name"] == "1"  # listings stay JSON


# --- other file systems ---------------------------------------------------------------------------

def test_shared_with_me_and_trash_roots(server: Server) -> None:
    drive = Drive.new(server)
    empty = drive.list("cloudreve://shared_with_me")["data"]
    assert empty["files"] == [] and empty["parent"]["id"] == "" and empty["props"]["capability"] == "gAKA"
    shortcut = drive.call("POST", "/file/create", {"uri": "cloudreve://my/saved", "type": "folder",
                                                   "metadata": {"sys:shared_redirect": "cloudreve://AbCd@share"}})
    assert shortcut["code"] == 0, shortcut
    listed = drive.list("cloudreve://shared_with_me")["data"]["files"]
    assert [f["path"] for f in listed] == [f"cloudreve://shared_with_me/{shortcut['data']['id']}"]
    assert drive.list("cloudreve://my/saved")["code"] == 403
    assert drive.list("cloudreve://trash")["data"]["files"] == []


# --- info -----------------------------------------------------------------------------------------

def test_info(server: Server) -> None:
    drive = Drive.new(server)
    made = drive.create("cloudreve://my/i/doc.txt")
    drive.give_size(made["id"], 123)
    result = drive.info("cloudreve://my/i/doc.txt")
    assert result["code"] == 0
    data = result["data"]
    assert (data["name"], data["size"], data["path"], data["type"]) == ("doc.txt", 123, "cloudreve://my/i/doc.txt", 0)
    assert "extended_info" not in data and "folder_summary" not in data

    extended = drive.info("cloudreve://my/i/doc.txt", extended="true")["data"]["extended_info"]
    assert extended["storage_used"] == 123
    assert extended["storage_policy"]["type"] == "local"
    assert [e["id"] for e in extended["entities"]] == [made["primary_entity"]]
    assert extended["entities"][0]["size"] == 123 and extended["entities"][0]["type"] == 0

    by_id = drive.call("GET", "/file/info", params={"id": made["id"]})
    assert by_id["code"] == 0 and by_id["data"]["path"] == "cloudreve://my/i/doc.txt"
    assert drive.call("GET", "/file/info")["code"] == 40001
    assert drive.call("GET", "/file/info", params={"id": "zzzz"})["code"] == 40001
    assert drive.info("cloudreve://my")["code"] == 403
    assert drive.info("cloudreve://my/i/none")["code"] == 40016
    assert drive.info("cloudreve://trash")["code"] == 40016


def test_folder_summary(server: Server) -> None:
    drive = Drive.new(server)
    for path, size in (("f/a.txt", 5), ("f/b.txt", 6), ("f/x/c.txt", 7), ("f/x/y/d.txt", 8)):
        made = drive.create(f"cloudreve://my/{path}")
        drive.give_size(made["id"], size)
    summary = drive.info("cloudreve://my/f", folder_summary="true")["data"]["folder_summary"]
    assert {k: summary[k] for k in ("size", "files", "folders", "completed")} == {
        "size": 26, "files": 4, "folders": 2, "completed": True}
    assert abs(parse_time(summary["calculated_at"]).timestamp() - time.time()) < 60
    assert "folder_summary" not in drive.info("cloudreve://my/f/a.txt", folder_summary="true")["data"]

    join_group(drive, make_group(drive.server, "short walks", max_walked_files=3))
    partial = drive.info("cloudreve://my/f/x", folder_summary="true")["data"]["folder_summary"]
    assert partial["completed"] is True and partial["files"] == 2
    drive.create("cloudreve://my/g/1.txt")
    drive.create("cloudreve://my/g/2.txt")
    drive.create("cloudreve://my/g/3/4.txt")
    cut = drive.info("cloudreve://my/g", folder_summary="true")["data"]["folder_summary"]
    assert cut["completed"] is False
