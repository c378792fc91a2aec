"""A client sees its own writes on its very next request, whichever worker answers it.

The server runs two workers, as ``make run`` starts it on two cores; each worker caches user rows, so
every read below lands on a worker that may hold the row from before the write.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from pyreve.db.seed import GroupPermission
from tests.conftest import Server
from tests.e2e.file_helpers import Drive, join_group, make_group

ROUNDS = 20


@pytest.fixture(scope="module")
def two_workers(server_factory: Any) -> Server:
    return server_factory(workers=2)  # type: ignore[no-any-return]


def new_drive(server: Server) -> Drive:
    """A user whose every request opens a new connection, so that requests spread over the workers."""
    drive = Drive.new(server)
    drive.api.client = httpx.Client(base_url=server.base, timeout=30,
                                    limits=httpx.Limits(max_keepalive_connections=0))
    return drive


def ok(result: dict[str, Any]) -> Any:
    assert result["code"] == 0, result
    return result.get("data")


def test_pins_show_in_the_next_config_read(two_workers: Server) -> None:
    drive = new_drive(two_workers)
    for i in range(ROUNDS):
        uri = f"cloudreve://my/pin-{i}"
        ok(drive.call("PUT", "/file/pin", {"uri": uri, "name": f"pin {i}"}))
        pinned = ok(drive.call("GET", "/site/config/basic"))["user"]["pined"]
        assert uri in [pin["uri"] for pin in pinned], (i, pinned)


def test_capacity_after_a_permanent_delete(two_workers: Server) -> None:
    drive = new_drive(two_workers)
    for i in range(ROUNDS // 2):
        made = drive.create(f"cloudreve://my/file-{i}.bin")
        drive.give_size(made["id"], 1000 * (i + 1))
        assert ok(drive.call("GET", "/user/capacity"))["used"] == 1000 * (i + 1)
        ok(drive.delete([f"cloudreve://my/file-{i}.bin"], skip_soft_delete=True))
        assert ok(drive.call("GET", "/user/capacity"))["used"] == 0, i


def test_profile_changes_show_at_once(two_workers: Server) -> None:
    drive = new_drive(two_workers)
    for i in range(ROUNDS):
        ok(drive.call("PATCH", "/user/setting", {"nick": f"nick {i}"}))
        assert ok(drive.call("GET", "/user/me"))["nickname"] == f"nick {i}"


def test_a_deleted_webdav_account_stops_working_at_once(two_workers: Server) -> None:
    drive = new_drive(two_workers)
    join_group(drive, make_group(two_workers, "webdav", permissions=[GroupPermission.WEBDAV]))
    account = ok(drive.call("PUT", "/devices/dav", {"uri": "cloudreve://my", "name": "laptop"}))
    auth = (drive.email, account["password"])
    for _ in range(8):  # let both workers verify and cache the login
        assert httpx.request("PROPFIND", two_workers.base + "/dav/", auth=auth,
                             headers={"Depth": "0"}).status_code == 207
    ok(drive.call("DELETE", f"/devices/dav/{account['id']}"))
    for _ in range(8):  # refused on every worker (429 once the failures pile up: still refused)
        assert httpx.request("PROPFIND", two_workers.base + "/dav/", auth=auth,
                             headers={"Depth": "0"}).status_code in (401, 429)


def test_a_thousand_writes_each_seen_by_the_next_read(two_workers: Server) -> None:
    """Four clients at once, 250 write-then-read pairs each, every request on a new connection: not
    one read may miss the write before it."""
    def client(n: int) -> list[str]:
        drive = new_drive(two_workers)
        stale = []
        for i in range(250):
            nick = f"c{n}-{i}"
            ok(drive.call("PATCH", "/user/setting", {"nick": nick}))
            seen = ok(drive.call("GET", "/user/me"))["nickname"]
            if seen != nick:
                stale.append(f"{nick} read as {seen}")
        return stale

    with ThreadPoolExecutor(4) as pool:
        stale = [entry for result in pool.map(client, range(4)) for entry in result]
    assert stale == []
