"""No request waits on itself, and none holds up the others, on the default configuration: several
workers, SQLite, the database as the KV store. Each of these requests used to write to the KV store
while its own transaction held SQLite's write lock: it answered -1 after 10 s, and every other writer
of the site waited behind it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import Server
from tests.e2e.file_helpers import Drive
from tests.e2e.test_share import Owner, Visitor

QUICK = 2.0


def timed(call: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_wrong_share_passwords_answer_at_once_and_stall_nobody(server: Server) -> None:
    owner = Owner.new(server)
    owner.file("cloudreve://my/Box/inside.txt", b"x")
    link = owner.share("cloudreve://my/Box", is_private=True)
    visitor = Visitor(server)
    bystander = Drive.new(server)

    def guess(n: int) -> tuple[dict[str, Any], float]:
        return timed(lambda: visitor.list(link.uri(password=f"wrong{n}")))

    def write(n: int) -> tuple[dict[str, Any], float]:
        return timed(lambda: bystander.call("PUT", "/file/pin", {"uri": f"cloudreve://my/p{n}", "name": str(n)}))

    with ThreadPoolExecutor(4) as pool:
        guesses = [pool.submit(guess, n) for n in range(3)]
        writes = [pool.submit(write, n) for n in range(3)]
        for future in guesses:
            result, seconds = future.result()
            assert result["code"] == 40069 and seconds < QUICK, (result, seconds)
        for future in writes:
            result, seconds = future.result()
            assert result["code"] == 0 and seconds < QUICK, (result, seconds)


def test_folder_summaries_answer_at_once(server: Server) -> None:
    drive = Drive.new(server)
    drive.create("cloudreve://my/Summed/a.txt")
    for _ in range(2):  # computed, then from the KV store
        result, seconds = timed(lambda: drive.info("cloudreve://my/Summed", folder_summary="true"))
        assert result["code"] == 0 and seconds < QUICK, (result, seconds)
        assert result["data"]["folder_summary"]["files"] == 1
