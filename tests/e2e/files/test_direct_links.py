"""Direct links end to end (spec: files.md §12): creating them, following ``/f/{id}/{name}``, listing and
deleting them, and the group settings that govern them."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tests.conftest import Server
from tests.e2e.file_helpers import Drive, make_group, row_count
from tests.e2e.helpers import update_user
from tests.e2e.transfers import Client, member


def links(client: Client, uris: list[str]) -> dict[str, Any]:
    return client.call("PUT", "/file/source", {"uris": uris})


def follow(url: str, method: str = "GET") -> httpx.Response:
    return httpx.request(method, url, follow_redirects=False, timeout=30)


def direct_links(client: Client, uri: str) -> list[dict[str, Any]]:
    return client.info(uri, extended=True)["extended_info"].get("direct_links", [])  # type: ignore[no-any-return]


def test_a_link_redirects_to_the_current_content_and_counts_downloads(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/pub/hello.txt", b"hello, world")
    client.upload("cloudreve://my/pub/caf\u00e9 menu.txt", b"croissant")
    result = links(client, ["cloudreve://my/pub/hello.txt", "cloudreve://my/pub/caf\u00e9 menu.txt"])
    assert result["code"] == 0, result
    first, second = result["data"]
    assert first["file_url"] == "cloudreve://my/pub/hello.txt"
    assert second["file_url"] == "cloudreve://my/pub/caf%C3%A9%20menu.txt"
    assert first["link"].startswith(server.base + "/f/") and first["link"].endswith("/hello.txt")
    assert second["link"].endswith("/" + quote("caf\u00e9 menu.txt", safe=""))

    before = time.time()
    answer = follow(first["link"])
    assert answer.status_code == 302
    cache = answer.headers["cache-control"]
    assert cache.startswith("public, max-age=")
    assert 3600 - 700 <= int(cache.split("=")[1]) <= 3600 + 1 - int(time.time() - before)
    target = answer.headers["location"]
    assert urlsplit(target).path.startswith("/api/v4/file/content/")
    assert httpx.get(target, timeout=30).content == b"hello, world"
    assert follow(second["link"]).status_code == 302
    assert httpx.get(follow(second["link"]).headers["location"], timeout=30).content == b"croissant"
    assert follow(first["link"], "HEAD").status_code == 302

    listed = direct_links(client, "cloudreve://my/pub/hello.txt")
    assert len(listed) == 1
    assert listed[0]["url"] == first["link"] and listed[0]["downloaded"] == 2
    assert set(listed[0]) == {"id", "url", "downloaded", "created_at"}
    assert first["link"].split("/")[-2] == listed[0]["id"]

    # A new content version: the same link serves it.
    assert client.put_content("cloudreve://my/pub/hello.txt", b"second edition")["code"] == 0
    assert httpx.get(follow(first["link"]).headers["location"], timeout=30).content == b"second edition"
    # Every call makes another link.
    assert links(client, ["cloudreve://my/pub/hello.txt"])["code"] == 0
    assert len(direct_links(client, "cloudreve://my/pub/hello.txt")) == 2


def test_links_that_do_not_work_answer_404(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/dl/file.txt", b"data")
    link = links(client, ["cloudreve://my/dl/file.txt"])["data"][0]["link"]
    base, _, name = link.rpartition("/")

    wrong_name = follow(base + "/other.txt")
    assert wrong_name.status_code == 404 and wrong_name.json()["code"] == 404
    assert follow(server.base + "/f/notanid/file.txt").status_code == 404
    # The name part is the file's name when the link was made: a rename does not change the link.
    assert client.call("POST", "/file/rename", {"uri": "cloudreve://my/dl/file.txt", "new_name": "renamed.txt"}
                       )["code"] == 0
    assert follow(link).status_code == 302
    assert follow(base + "/renamed.txt").status_code == 404

    # In the trash: 404; restored: it works again.
    assert client.call("DELETE", "/file", {"uris": ["cloudreve://my/dl/renamed.txt"]})["code"] == 0
    assert follow(link).status_code == 404
    trashed = Drive(server.api, server, client.email, client.token).trash()
    assert client.call("POST", "/file/restore", {"uris": [trashed[0]["path"]]})["code"] == 0
    assert follow(link).status_code == 302

    # An owner who is not active: 404.
    update_user(server, client.email, status="inactive")
    try:
        assert follow(link).status_code == 404
    finally:
        update_user(server, client.email, status="active")
    assert follow(link).status_code == 302

    # Deleted for good: the link row goes with the file.
    file_id = Drive(server.api, server, client.email, client.token).file_id(
        client.info("cloudreve://my/dl/renamed.txt")["id"])
    assert row_count(server, "SELECT COUNT(*) FROM direct_links WHERE file_id = ?", file_id) == 1
    assert client.call("DELETE", "/file", {"uris": ["cloudreve://my/dl/renamed.txt"], "skip_soft_delete": True}
                       )["code"] == 0
    assert follow(link).status_code == 404
    assert row_count(server, "SELECT COUNT(*) FROM direct_links WHERE file_id = ?", file_id) == 0


def test_deleting_a_link(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/del.txt", b"x")
    made = links(client, ["cloudreve://my/del.txt"])["data"][0]["link"]
    link_id = made.split("/")[-2]
    other = Client.new(server)
    assert other.call("DELETE", f"/file/source/{link_id}")["code"] == 40082
    assert other.call("DELETE", "/file/source/bogus")["code"] == 40001
    assert follow(made).status_code == 302
    assert client.call("DELETE", f"/file/source/{link_id}") == {"code": 0, "msg": ""}
    assert follow(made).status_code == 404
    assert direct_links(client, "cloudreve://my/del.txt") == []
    assert client.call("DELETE", f"/file/source/{link_id}")["code"] == 404
    assert server.api.delete(f"/file/source/{link_id}")["code"] == 401


def test_batch_limits_partial_success_and_bad_targets(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/b/one.txt", b"1")
    client.upload("cloudreve://my/b/two.txt", b"2")
    client.call("POST", "/file/create", {"uri": "cloudreve://my/b/folder", "type": "folder"})

    result = links(client, ["cloudreve://my/b/one.txt", "cloudreve://my/b/folder", "cloudreve://my/b/none.txt"])
    assert result["code"] == 40081
    assert [item["file_url"] for item in result["data"]] == ["cloudreve://my/b/one.txt"]
    assert result["data"][0]["link"].endswith("/one.txt")
    errors = result["aggregated_error"]
    assert errors["cloudreve://my/b/folder"]["code"] == 40077
    assert errors["cloudreve://my/b/none.txt"]["code"] == 40016

    only_bad = links(client, ["cloudreve://my/b/folder"])
    assert only_bad["code"] == 40081 and only_bad["data"] == []
    assert links(client, ["cloudreve://trash/x"])["code"] == 40081

    barred = member(server, make_group(server, "no direct links", source_batch=0))
    barred.upload("cloudreve://my/one.txt", b"1")
    assert links(barred, ["cloudreve://my/one.txt"])["code"] == 40007
    single = member(server, make_group(server, "one direct link", source_batch=1))
    single.upload("cloudreve://my/one.txt", b"1")
    single.upload("cloudreve://my/two.txt", b"2")
    assert links(single, ["cloudreve://my/one.txt", "cloudreve://my/two.txt"])["code"] == 40014
    assert links(single, ["cloudreve://my/two.txt"])["code"] == 0


def test_without_redirected_source_the_answer_is_an_expiring_url(server: Server) -> None:
    client = member(server, make_group(server, "plain source links", redirected_source=False))
    client.upload("cloudreve://my/raw.txt", b"raw bytes")
    result = links(client, ["cloudreve://my/raw.txt"])
    assert result["code"] == 0
    url = result["data"][0]["link"]
    assert "/api/v4/file/content/" in url and "sign=" in url
    assert httpx.get(url, timeout=30).content == b"raw bytes"
    assert direct_links(client, "cloudreve://my/raw.txt") == []
