"""Metadata patches, view settings and pins (files.md §13, §18, §20)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.file_helpers import Drive, row_count
from tests.e2e.helpers import user_hash

VIEW = {"page_size": 50, "order": "name", "order_direction": "desc", "view": "list", "thumbnail": False,
        "gallery_width": 200, "columns": [{"type": 0, "width": 120}, {"type": 3, "props": {"metadata_key": "tag:a"}}]}


@pytest.fixture
def drive(server: Server) -> Drive:
    return Drive.new(server)


@pytest.fixture(scope="module")
def shared(server: Server) -> Drive:
    """One user for the many refusal cases (a refusal changes nothing)."""
    return Drive.new(server)


def patch(drive: Drive, uris: list[str], *patches: dict[str, Any]) -> dict[str, Any]:
    return drive.call("PATCH", "/file/metadata", {"uris": uris, "patches": list(patches)})


def meta(drive: Drive, uri: str) -> dict[str, str]:
    result = drive.info(uri)
    assert result["code"] == 0, result
    return result["data"]["metadata"] or {}


# --- metadata -------------------------------------------------------------------------------------

def test_patch_metadata_on_several_files(drive: Drive) -> None:
    drive.create("cloudreve://my/m/a.txt")
    drive.folder("cloudreve://my/m/dir")
    uris = ["cloudreve://my/m/a.txt", "cloudreve://my/m/dir"]
    result = patch(drive, uris, {"key": "tag:work", "value": "#00ff00"}, {"key": "tag:todo"},
                   {"key": "customize:icon_color", "value": "rgb(1, 2, 3)"}, {"key": "customize:emoji", "value": "😎"},
                   {"key": "dav:DAV:|displayname", "value": "anything at all"},
                   {"key": "customize:note", "value": "free text"})
    assert result == {"code": 0, "msg": ""}
    expected = {"tag:work": "#00ff00", "tag:todo": "", "customize:icon_color": "rgb(1, 2, 3)",
                "customize:emoji": "😎", "dav:DAV:|displayname": "anything at all", "customize:note": "free text"}
    for uri in uris:
        assert meta(drive, uri) == expected

    result = patch(drive, uris, {"key": "tag:todo", "remove": True}, {"key": "tag:work", "value": "#fff"})
    assert result["code"] == 0
    assert meta(drive, "cloudreve://my/m/a.txt")["tag:work"] == "#fff"
    assert "tag:todo" not in meta(drive, "cloudreve://my/m/dir")


@pytest.mark.parametrize("item", [
    {"key": "nonamespace"}, {"key": "foo:bar"}, {"key": "tag:"}, {"key": "sys:restore_uri", "value": "x"},
    {"key": "sys:shared_owner", "remove": True}, {"key": "sys:shared_owner", "value": "not-an-id!"},
    {"key": "sys:shared_redirect", "value": "cloudreve://my/a"}, {"key": "thumb:disabled", "value": "1"},
    {"key": "customize:icon_color", "value": "red-ish"}, {"key": "customize:icon_color"},
    {"key": "customize:emoji", "value": "not an emoji"}, {"key": "tag:x", "value": "blue?"},
    {"key": "tag:x", "private": True}, {"key": "dav:x", "value": "v" * 70000},
])
def test_invalid_patches_change_nothing(shared: Drive, item: dict[str, Any]) -> None:
    shared.create("cloudreve://my/v.txt")
    result = patch(shared, ["cloudreve://my/v.txt"], {"key": "tag:fine"}, item)
    assert result["code"] == 40001, result
    assert meta(shared, "cloudreve://my/v.txt") == {}


def test_system_keys_for_saved_shares(drive: Drive) -> None:
    drive.create("cloudreve://my/s.txt")
    owner = user_hash(drive.server, drive.user_id)
    result = patch(drive, ["cloudreve://my/s.txt"], {"key": "sys:shared_owner", "value": owner},
                   {"key": "sys:shared_redirect", "value": "cloudreve://AbCd@share/x"})
    assert result["code"] == 0, result
    assert meta(drive, "cloudreve://my/s.txt")["sys:shared_owner"] == owner


def test_metadata_failures_are_per_item(drive: Drive) -> None:
    drive.create("cloudreve://my/ok.txt")
    drive.create("cloudreve://my/binned.txt")
    drive.delete(["cloudreve://my/binned.txt"])
    entry = drive.trash()[0]["path"]
    result = patch(drive, ["cloudreve://my/ok.txt", "cloudreve://my/missing.txt", "cloudreve://my", entry],
                   {"key": "tag:x"})
    assert result["code"] == 40081
    assert {k: v["code"] for k, v in result["aggregated_error"].items()} == {
        "cloudreve://my/missing.txt": 40016, "cloudreve://my": 403, entry: 403}
    assert meta(drive, "cloudreve://my/ok.txt") == {"tag:x": ""}
    assert row_count(drive.server, "SELECT COUNT(*) FROM metadata WHERE name = 'tag:x' AND is_public = TRUE "
                     "AND file_id = ?", drive.file_id(drive.info("cloudreve://my/ok.txt")["data"]["id"])) == 1


# --- view settings --------------------------------------------------------------------------------

def test_folder_view_is_saved_and_inherited(drive: Drive) -> None:
    drive.folder("cloudreve://my/v/child")
    default = drive.list("cloudreve://my/v")["data"]["view"]
    assert default == {"page_size": 100, "view": "grid", "thumbnail": True}
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/v", "view": VIEW}) == {"code": 0, "msg": ""}

    expected = {k: v for k, v in VIEW.items() if k != "thumbnail"}  # false members are left out
    assert drive.list("cloudreve://my/v")["data"]["view"] == expected
    assert drive.list("cloudreve://my/v/child")["data"]["view"] == expected  # nearest ancestor's
    assert drive.list("cloudreve://my")["data"]["view"]["view"] == "grid"
    listed = drive.list("cloudreve://my/v", page_size=70, order_by="size", order_direction="asc")["data"]["view"]
    assert (listed["page_size"], listed["order"], listed["order_direction"]) == (70, "size", "asc")
    extended = drive.info("cloudreve://my/v", extended="true")["data"]["extended_info"]
    assert extended["view"] == expected

    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/v", "view": None})["code"] == 0
    assert drive.list("cloudreve://my/v/child")["data"]["view"] == {"page_size": 100, "view": "grid",
                                                                    "thumbnail": True}
    assert "view" not in drive.info("cloudreve://my/v", extended="true")["data"]["extended_info"]


def test_view_page_size_applies_to_listings(drive: Drive) -> None:
    for index in range(55):
        drive.create(f"cloudreve://my/many/f{index:02}.txt")
    drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/many", "view": {"page_size": 50, "order": "name",
                                                                              "order_direction": "desc"}})
    page = drive.list("cloudreve://my/many")["data"]
    assert len(page["files"]) == 50 and page["files"][0]["name"] == "f54.txt"
    assert page["pagination"]["next_token"]


def test_trash_and_shared_with_me_views_live_in_user_settings(drive: Drive) -> None:
    default = drive.list("cloudreve://trash")["data"]["view"]
    assert default == {"page_size": 100, "view": "list", "columns": [{"type": 0}, {"type": 2}, {"type": 8},
                                                                      {"type": 7}]}
    for fs in ("trash", "shared_with_me"):
        view = {"page_size": 60 if fs == "trash" else 80, "view": "grid"}
        assert drive.call("PATCH", "/file/view", {"uri": f"cloudreve://{fs}", "view": view})["code"] == 0
        assert drive.list(f"cloudreve://{fs}")["data"]["view"] == view
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://trash", "view": None})["code"] == 0
    assert drive.list("cloudreve://trash")["data"]["view"] == default
    assert drive.list("cloudreve://shared_with_me")["data"]["view"]["page_size"] == 80

    assert drive.call("PATCH", "/user/setting", {"disable_view_sync": True})["code"] == 0
    assert "view" not in drive.list("cloudreve://shared_with_me")["data"]
    assert "view" not in drive.list("cloudreve://my")["data"]


@pytest.mark.parametrize("view", [
    {"page_size": 10}, {}, {"page_size": 50, "view": "tiles"}, {"page_size": 50, "order_direction": "up"},
    {"page_size": 50, "gallery_width": 20}, {"page_size": 50, "gallery_width": 501},
    {"page_size": 50, "order": "x" * 256}, {"page_size": 50, "columns": [{"type": -1}]},
    {"page_size": 50, "columns": [{"type": 0}] * 1001}, {"page_size": 50, "columns": [{"props": {}}]},
])
def test_invalid_views_are_rejected(shared: Drive, view: dict[str, Any]) -> None:
    shared.folder("cloudreve://my/iv")
    assert shared.call("PATCH", "/file/view", {"uri": "cloudreve://my/iv", "view": view})["code"] == 40001
    assert shared.list("cloudreve://my/iv")["data"]["view"]["page_size"] == 100


def test_view_of_a_missing_folder(drive: Drive) -> None:
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/none", "view": {"page_size": 50}})["code"] \
        == 40016
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://trash/none", "view": {"page_size": 50}})["code"] \
        == 403


# --- pins -----------------------------------------------------------------------------------------

def pins(drive: Drive) -> list[dict[str, str]]:
    me = drive.call("GET", "/user/me")
    assert me["code"] == 0
    return me["data"].get("pined", [])  # type: ignore[no-any-return]


def test_pins(drive: Drive) -> None:
    assert pins(drive) == []
    assert drive.call("PUT", "/file/pin", {"uri": "cloudreve://my/a b/", "name": "Stuff"}) == {"code": 0, "msg": ""}
    assert pins(drive) == [{"uri": "cloudreve://my/a%20b", "name": "Stuff"}]
    assert drive.call("PUT", "/file/pin", {"uri": "cloudreve://my/a%20b", "name": "Stuff"})["code"] == 0
    assert drive.call("PUT", "/file/pin", {"uri": "cloudreve://MY/a%20b", "name": "Other"})["code"] == 40004
    assert drive.call("PUT", "/file/pin", {"uri": "cloudreve://my?type=file&name=*.jpg"})["code"] == 0
    assert drive.call("PUT", "/file/pin", {"uri": "cloudreve://trash"})["code"] == 0
    assert pins(drive) == [{"uri": "cloudreve://my/a%20b", "name": "Stuff"},
                           {"uri": "cloudreve://my?type=file&name=*.jpg"}, {"uri": "cloudreve://trash"}]
    assert drive.call("PUT", "/file/pin", {"uri": "not a uri"})["code"] == 40001

    assert drive.call("DELETE", "/file/pin", {"uri": "cloudreve://my/a b", "name": "ignored"})["code"] == 0
    assert drive.call("DELETE", "/file/pin", {"uri": "cloudreve://my/not-pinned"})["code"] == 0
    assert pins(drive) == [{"uri": "cloudreve://my?type=file&name=*.jpg"}, {"uri": "cloudreve://trash"}]
    assert drive.api.call("PUT", "/file/pin", None, json={"uri": "cloudreve://my"})["code"] == 401
