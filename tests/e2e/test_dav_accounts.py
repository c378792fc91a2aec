"""WebDAV accounts: /api/v4/devices/dav (spec: group-webdav-vas.md)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from pyreve.db.seed import GroupPermission as P
from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.dav_helpers import DAV_GROUP, dav_server
from tests.e2e.file_helpers import Drive, join_group, make_group
from tests.e2e.helpers import hash_ids

PASSWORD = re.compile(r"^[0-9a-z]{32}$")


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    return dav_server(server_factory)


@pytest.fixture(scope="module")
def groups(server: Server) -> dict[str, int]:
    """New users start in "proxy" (WebDAV and WebDAV proxy); "dav" has WebDAV only."""
    return {"dav": make_group(server, "dav-only", permissions=[P.WEBDAV]), "proxy": DAV_GROUP}


def dav_user(server: Server, group_id: int) -> Drive:
    drive = Drive.new(server)
    if group_id != DAV_GROUP:
        join_group(drive, group_id)
    return drive


def create(drive: Drive, **body: Any) -> dict[str, Any]:
    return drive.call("PUT", "/devices/dav", {"uri": "cloudreve://my", "name": "Laptop", **body})


def test_create_returns_the_account_with_a_generated_password(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    result = create(drive, uri="cloudreve://my/Documents", name="Laptop")
    assert result["code"] == 0, result
    account = result["data"]
    assert set(account) == {"id", "created_at", "name", "uri", "password", "options"}
    assert PASSWORD.match(account["password"])
    assert account["uri"] == "cloudreve://my/Documents" and account["name"] == "Laptop"
    assert account["options"] == ""
    assert hash_ids(server).decode(account["id"], IdType.DAV_ACCOUNT) > 0
    other = create(drive)["data"]
    assert other["password"] != account["password"]


def test_options_boolset(server: Server, groups: dict[str, int]) -> None:
    plain = dav_user(server, groups["dav"])
    assert create(plain, readonly=True)["data"]["options"] == "AQ=="
    assert create(plain, proxy=True)["data"]["options"] == ""  # dropped without group bit 6
    assert create(plain, readonly=True, proxy=True)["data"]["options"] == "AQ=="
    assert create(plain, disable_sys_files=True)["data"]["options"] == "BA=="
    proxied = dav_user(server, groups["proxy"])
    assert create(proxied, proxy=True)["data"]["options"] == "Ag=="
    assert create(proxied, readonly=True, proxy=True)["data"]["options"] == "Aw=="


def test_group_without_webdav_is_refused(server: Server) -> None:
    drive = dav_user(server, 2)  # the User group has no WebDAV permission
    assert create(drive)["code"] == 40007
    listed = drive.call("GET", "/devices/dav", params={"page_size": 10})
    assert listed["code"] == 0 and listed["data"]["accounts"] == []


@pytest.mark.parametrize("uri", ["cloudreve://trash", "cloudreve://shared_with_me", "https://example.com",
                                 "cloudreve://my?name=a", "cloudreve://nowhere", "not a uri", ""])
def test_invalid_uri(server: Server, groups: dict[str, int], uri: str) -> None:
    drive = dav_user(server, groups["proxy"])
    assert create(drive, uri=uri)["code"] == 40001


def test_share_uri_is_accepted(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    result = create(drive, uri="cloudreve://AbCd:pass@share/folder")
    assert result["code"] == 0 and result["data"]["uri"] == "cloudreve://AbCd:pass@share/folder"


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 256}, {"uri": None}])
def test_create_validation(server: Server, groups: dict[str, int], body: dict[str, Any]) -> None:
    drive = dav_user(server, groups["proxy"])
    assert create(drive, **body)["code"] == 40001


def test_anonymous_is_refused(server: Server) -> None:
    assert server.api.get("/devices/dav", params={"page_size": 10})["code"] == 401


def test_list_is_paged_newest_first(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    made = [create(drive, name=f"acc{i}")["data"]["id"] for i in range(23)]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params: dict[str, Any] = {"page_size": 10}
        if token:
            params["next_page_token"] = token
        result = drive.call("GET", "/devices/dav", params=params)
        assert result["code"] == 0, result
        data = result["data"]
        assert data["pagination"]["is_cursor"] is True and data["pagination"]["page_size"] == 10
        seen.extend(a["id"] for a in data["accounts"])
        pages += 1
        token = data["pagination"].get("next_token", "")
        if not token:
            break
        assert json.loads(base64.b64decode(token)) == {"id": data["accounts"][-1]["id"]}
    assert pages == 3
    assert seen == list(reversed(made))
    # Another user sees none of them.
    assert dav_user(server, groups["proxy"]).call("GET", "/devices/dav", params={"page_size": 10})["data"][
        "accounts"] == []


@pytest.mark.parametrize("size", [0, 9, 101, "x"])
def test_list_page_size_bounds(server: Server, groups: dict[str, int], size: Any) -> None:
    drive = dav_user(server, groups["proxy"])
    assert drive.call("GET", "/devices/dav", params={"page_size": size})["code"] == 40001
    assert drive.call("GET", "/devices/dav")["code"] == 40001


def test_list_bad_token(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    result = drive.call("GET", "/devices/dav", params={"page_size": 10, "next_page_token": "%%%"})
    assert result["code"] == 50001


def test_update_keeps_the_password_and_recomputes_flags(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    account = create(drive, readonly=True)["data"]
    result = drive.call("PATCH", f"/devices/dav/{account['id']}",
                        {"uri": "cloudreve://my/Other", "name": "Desk"})
    assert result["code"] == 0, result
    updated = result["data"]
    assert updated["password"] == account["password"] and updated["id"] == account["id"]
    assert updated["uri"] == "cloudreve://my/Other" and updated["name"] == "Desk"
    assert updated["options"] == ""
    assert drive.call("PATCH", f"/devices/dav/{account['id']}",
                      {"uri": "cloudreve://trash", "name": "Desk"})["code"] == 40001


def test_update_and_delete_need_ownership(server: Server, groups: dict[str, int]) -> None:
    owner = dav_user(server, groups["proxy"])
    stranger = dav_user(server, groups["proxy"])
    account = create(owner)["data"]
    body = {"uri": "cloudreve://my", "name": "mine"}
    assert stranger.call("PATCH", f"/devices/dav/{account['id']}", body)["code"] == 404
    assert stranger.call("DELETE", f"/devices/dav/{account['id']}")["code"] == 404
    assert owner.call("PATCH", "/devices/dav/notanid", body)["code"] == 40001
    assert owner.call("DELETE", "/devices/dav/notanid")["code"] == 40001
    wrong_type = hash_ids(server).encode(1, IdType.FILE)
    assert owner.call("DELETE", f"/devices/dav/{wrong_type}")["code"] == 40001


def test_delete(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    account = create(drive)["data"]
    assert drive.call("DELETE", f"/devices/dav/{account['id']}") == {"code": 0, "msg": ""}
    assert drive.call("DELETE", f"/devices/dav/{account['id']}")["code"] == 404
    listed = drive.call("GET", "/devices/dav", params={"page_size": 10})["data"]["accounts"]
    assert account["id"] not in [a["id"] for a in listed]


def test_update_needs_the_group_permission(server: Server, groups: dict[str, int]) -> None:
    drive = dav_user(server, groups["proxy"])
    account = create(drive)["data"]
    join_group(drive, 2)
    result = drive.call("PATCH", f"/devices/dav/{account['id']}", {"uri": "cloudreve://my", "name": "x"})
    assert result["code"] == 40007
