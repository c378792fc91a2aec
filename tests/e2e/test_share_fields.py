"""What Cloudreve's newer share routes answer: ``size`` and the owner's profile choice in a share's info,
and the batch delete ``DELETE /share`` (share.md)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from pyreve.kit.hashid import IdType
from tests.conftest import Api, Server
from tests.e2e.file_helpers import Drive
from tests.e2e.helpers import database, hash_ids


def share(drive: Drive, uri: str, **settings: Any) -> tuple[str, str]:
    """(share id, password) of a new link to ``uri``."""
    result = drive.call("PUT", "/share", {"uri": uri, **settings})
    assert result["code"] == 0, result
    parts = urlsplit(result["data"]).path.split("/")
    return parts[2], parts[3] if len(parts) > 3 else ""


def info(api: Api, share_id: str, token: str | None = None, **params: Any) -> dict[str, Any]:
    result = api.get(f"/share/info/{share_id}", token, params=params)
    assert result["code"] == 0, result
    return result["data"]  # type: ignore[no-any-return]


def test_info_always_has_size(server: Server) -> None:
    drive = Drive.new(server)
    made = drive.create("cloudreve://my/report.pdf")
    drive.give_size(made["id"], 4321)
    drive.folder("cloudreve://my/Album")
    public, _ = share(drive, "cloudreve://my/report.pdf")
    locked, password = share(drive, "cloudreve://my/report.pdf", is_private=True)
    folder, _ = share(drive, "cloudreve://my/Album")
    guest = server.api

    assert info(guest, public)["size"] == 4321
    assert info(guest, locked)["size"] == 0  # locked: nothing about the file but its name and type
    assert info(guest, locked, password=password)["size"] == 4321
    assert info(guest, folder)["size"] == 0
    mine = drive.call("GET", "/share", params={"page_size": 10})["data"]["shares"]
    assert {s["id"]: s["size"] for s in mine} == {public: 4321, locked: 4321, folder: 0}


def test_info_shows_which_links_the_owner_lists_on_their_profile(server: Server) -> None:
    drive = Drive.new(server)
    drive.folder("cloudreve://my/Pub")
    link, _ = share(drive, "cloudreve://my/Pub")
    assert "share_links_in_profile" not in info(server.api, link)["owner"]  # the default: public links only
    assert drive.call("PATCH", "/user/setting", {"share_links_in_profile": "all_share"})["code"] == 0
    assert info(server.api, link)["owner"]["share_links_in_profile"] == "all_share"
    time.sleep(1.2)  # user rows are cached for a second
    profile = server.api.get(f"/user/info/{info(server.api, link)['owner']['id']}")["data"]
    assert profile["share_links_in_profile"] == "all_share"


def live(server: Server, share_id: str) -> bool:
    with database(server) as conn:
        row = conn.execute("SELECT deleted_at FROM shares WHERE id = ?",
                           (hash_ids(server).decode(share_id, IdType.SHARE),)).fetchone()
    return row is not None and row[0] is None


def test_batch_delete_removes_only_the_callers_links(server: Server) -> None:
    drive, other = Drive.new(server), Drive.new(server)
    for name in ("a", "b", "c"):
        drive.folder(f"cloudreve://my/{name}")
    other.folder("cloudreve://my/theirs")
    a, b, c = (share(drive, f"cloudreve://my/{name}")[0] for name in ("a", "b", "c"))
    theirs, _ = share(other, "cloudreve://my/theirs")

    assert server.api.delete("/share", {"ids": [a]})["code"] == 401
    assert drive.call("DELETE", "/share", {"ids": [a, b, theirs, a]})["code"] == 0
    assert not live(server, a) and not live(server, b)
    assert live(server, c) and live(server, theirs)  # someone else's link is left alone, without a word
    assert info(server.api, c)["id"] == c
    assert server.api.get(f"/share/info/{a}")["code"] == 404
    listed = drive.call("GET", "/share", params={"page_size": 10})["data"]["shares"]
    assert [s["id"] for s in listed] == [c]

    assert drive.call("DELETE", "/share", {"ids": []})["code"] == 0
    assert drive.call("DELETE", "/share", {"ids": ["not-an-id"]})["code"] == 40001
    assert drive.call("DELETE", "/share", {"ids": [drive.create("cloudreve://my/f")["id"]]})["code"] == 40001
    assert drive.call("DELETE", "/share", {})["code"] == 40001
    assert live(server, c)
