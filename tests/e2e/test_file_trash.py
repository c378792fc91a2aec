"""Trash bin: soft delete, restore, moves in and out, emptying and expiry (files.md §9, §14)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.file_helpers import SPECIAL_SETTINGS, Drive, join_group, make_group, row_count
from tests.e2e.helpers import UUID_RE, database

WEEK = 7 * 24 * 3600


@pytest.fixture
def drive(server: Server) -> Drive:
    return Drive.new(server)


def by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in entries}


def test_soft_delete_moves_items_to_the_trash(drive: Drive) -> None:
    folder = drive.create("cloudreve://my/work/report/draft.txt")
    drive.give_size(folder["id"], 300)
    loose = drive.create("cloudreve://my/work/a b.txt")
    drive.give_size(loose["id"], 20)
    before = int(time.time())
    result = drive.delete(["cloudreve://my/work/report", "cloudreve://my/work/a b.txt",
                           "cloudreve://my/work/report/draft.txt"])
    assert result == {"code": 0, "msg": ""}
    assert drive.names("cloudreve://my/work") == []
    assert drive.storage == 320  # still charged while in the trash

    listing = drive.list("cloudreve://trash")
    assert listing["code"] == 0
    data = listing["data"]
    assert data["parent"]["id"] == "" and data["parent"]["name"] == ""
    assert data["props"]["capability"] == "AMIK"
    entries = by_name(data["files"])
    assert set(entries) == {"report", "a b.txt"}  # the file inside the folder went with it
    report = entries["report"]
    uuid_name = report["path"].removeprefix("cloudreve://trash/")
    assert UUID_RE.match(uuid_name), report["path"]
    assert report["metadata"]["sys:restore_uri"] == "cloudreve://my/work/report"
    assert entries["a b.txt"]["metadata"]["sys:restore_uri"] == "cloudreve://my/work/a%20b.txt"
    collect = int(report["metadata"]["sys:expected_collect_time"])
    assert before + WEEK <= collect <= int(time.time()) + WEEK
    with database(drive.server) as conn:
        row = conn.execute("SELECT name, file_children FROM files WHERE id = ?",
                           (drive.file_id(report["id"]),)).fetchone()
    assert row[0] == uuid_name and row[1] is None

    info = drive.info(report["path"])
    assert info["code"] == 0 and info["data"]["name"] == "report" and info["data"]["path"] == report["path"]
    assert drive.list(report["path"])["code"] == 40016  # the bin is flat
    assert drive.info(report["path"] + "/draft.txt")["code"] == 40016
    by_id = drive.call("GET", "/file/info", params={"id": folder["id"]})
    assert by_id["code"] == 0 and by_id["data"]["path"] == report["path"] + "/draft.txt"
    drive.check_invariants()


def test_trash_items_cannot_be_soft_deleted_again_but_can_be_purged(drive: Drive) -> None:
    made = drive.create("cloudreve://my/x.txt")
    drive.give_size(made["id"], 7)
    drive.delete(["cloudreve://my/x.txt"])
    entry = drive.trash()[0]["path"]
    again = drive.delete([entry])
    assert again["code"] == 40081 and again["aggregated_error"][entry]["code"] == 403
    assert drive.delete([entry], skip_soft_delete=True)["code"] == 0
    assert drive.trash() == [] and drive.storage == 0
    drive.check_invariants()


def test_restore_puts_items_back(drive: Drive) -> None:
    drive.create("cloudreve://my/r/one/inner.txt")
    drive.create("cloudreve://my/r/two.txt")
    drive.delete(["cloudreve://my/r/one", "cloudreve://my/r/two.txt"])
    entries = by_name(drive.trash())
    result = drive.restore([entries["one"]["path"], entries["two.txt"]["path"]])
    assert result == {"code": 0, "msg": ""}
    assert drive.names("cloudreve://my/r") == ["one", "two.txt"]
    assert drive.names("cloudreve://my/r/one") == ["inner.txt"]
    meta = drive.info("cloudreve://my/r/two.txt")["data"]["metadata"] or {}
    assert "sys:restore_uri" not in meta and "sys:expected_collect_time" not in meta
    assert drive.trash() == []
    drive.check_invariants()


def test_restore_failures_are_per_item(drive: Drive) -> None:
    drive.create("cloudreve://my/gone/a.txt")
    drive.create("cloudreve://my/taken.txt")
    drive.create("cloudreve://my/fine.txt")
    drive.create("cloudreve://my/nometa.txt")
    drive.delete(["cloudreve://my/gone/a.txt", "cloudreve://my/taken.txt", "cloudreve://my/fine.txt",
                  "cloudreve://my/nometa.txt"])
    drive.delete(["cloudreve://my/gone"], skip_soft_delete=True)  # the parent is gone for good
    drive.create("cloudreve://my/taken.txt")  # the name is taken again
    entries = by_name(drive.trash())
    with database(drive.server) as conn:
        conn.execute("DELETE FROM metadata WHERE file_id = ? AND name = 'sys:restore_uri'",
                     (drive.file_id(entries["nometa.txt"]["id"]),))
    entries = by_name(drive.trash())
    nometa = next(e for e in entries.values() if e["name"] not in ("a.txt", "taken.txt", "fine.txt"))
    uris = [entries["a.txt"]["path"], entries["taken.txt"]["path"], entries["fine.txt"]["path"], nometa["path"],
            "cloudreve://trash/not-there", "cloudreve://my/fine.txt"]
    result = drive.restore(uris)
    assert result["code"] == 40081
    codes = {uri: err["code"] for uri, err in result["aggregated_error"].items()}
    assert codes == {entries["a.txt"]["path"]: 40016, entries["taken.txt"]["path"]: 40004, nometa["path"]: 403,
                     "cloudreve://trash/not-there": 40016, "cloudreve://my/fine.txt": 403}
    assert sorted(drive.names("cloudreve://my")) == ["fine.txt", "taken.txt"]
    assert len(drive.trash()) == 3
    drive.check_invariants()


def test_same_names_can_wait_in_the_trash_together(drive: Drive) -> None:
    drive.create("cloudreve://my/p/a.txt")
    drive.create("cloudreve://my/q/a.txt")
    drive.delete(["cloudreve://my/p/a.txt"])
    drive.delete(["cloudreve://my/q/a.txt"])
    entries = drive.trash()
    assert [e["name"] for e in entries] == ["a.txt", "a.txt"]
    assert drive.restore([e["path"] for e in entries])["code"] == 0
    assert drive.names("cloudreve://my/p") == ["a.txt"] and drive.names("cloudreve://my/q") == ["a.txt"]


def test_moving_out_of_and_into_the_trash(drive: Drive) -> None:
    drive.create("cloudreve://my/m/doc.txt")
    drive.folder("cloudreve://my/elsewhere")
    moved = drive.move(["cloudreve://my/m/doc.txt"], "cloudreve://trash")  # into the bin: a soft delete
    assert moved["code"] == 0, moved
    entry = drive.trash()[0]
    assert entry["name"] == "doc.txt" and entry["metadata"]["sys:restore_uri"] == "cloudreve://my/m/doc.txt"

    assert drive.move([entry["path"]], "cloudreve://my/elsewhere")["code"] == 0
    assert drive.names("cloudreve://my/elsewhere") == ["doc.txt"]
    meta = drive.info("cloudreve://my/elsewhere/doc.txt")["data"]["metadata"] or {}
    assert not any(k.startswith("sys:") for k in meta)
    assert drive.trash() == []

    # Coming out of the trash under a name that is taken is a clash.
    drive.delete(["cloudreve://my/elsewhere/doc.txt"])
    drive.create("cloudreve://my/elsewhere/doc.txt")
    entry = drive.trash()[0]
    assert drive.move([entry["path"]], "cloudreve://my/elsewhere")["code"] == 40004
    assert len(drive.trash()) == 1
    drive.check_invariants()


def test_empty_trash(drive: Drive) -> None:
    kept = drive.create("cloudreve://my/kept.txt")
    drive.give_size(kept["id"], 1)
    for index in range(3):
        made = drive.create(f"cloudreve://my/bin{index}/f.txt")
        drive.give_size(made["id"], 10)
    drive.delete([f"cloudreve://my/bin{i}" for i in range(3)])
    assert drive.storage == 31
    paths, token = [], ""
    while True:  # the bin pages like any folder
        page = drive.list("cloudreve://trash", page_size=1, **({"next_page_token": token} if token else {}))["data"]
        paths += [f["path"] for f in page["files"]]
        token = page["pagination"].get("next_token", "")
        if not token:
            break
    assert sorted(paths) == sorted(e["path"] for e in drive.trash()) and len(set(paths)) == 3
    assert drive.call("DELETE", "/file/trash") == {"code": 0, "msg": ""}
    assert drive.trash() == []
    assert drive.names("cloudreve://my") == ["kept.txt"]
    assert drive.storage == 1
    assert drive.call("DELETE", "/file/trash")["code"] == 0  # already empty
    drive.check_invariants()


def test_expired_trash_is_collected(server_factory: Any) -> None:
    server = server_factory(settings=SPECIAL_SETTINGS)
    quick, slow = Drive.new(server), Drive.new(server)
    join_group(quick, make_group(server, "quick bin", trash_retention=1))
    for drive in (quick, slow):
        made = drive.create("cloudreve://my/old/f.txt")
        drive.give_size(made["id"], 50)
        drive.create("cloudreve://my/old/sub/g.txt")
        drive.delete(["cloudreve://my/old"])
    deadline = time.monotonic() + 15
    while quick.trash() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert quick.trash() == []
    assert quick.storage == 0
    assert row_count(server, "SELECT COUNT(*) FROM files WHERE owner_id = ? AND name != ''", quick.user_id) == 0
    assert len(slow.trash()) == 1 and slow.storage == 50
    quick.check_invariants()
    slow.check_invariants()
