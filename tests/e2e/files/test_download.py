"""Downloads end to end (spec: files.md §10): signed URLs, entity content, archives."""

from __future__ import annotations

import io
import os
import time
import zipfile
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from pyreve.kit.hashid import IdType
from pyreve.kit.signing import sign_path
from tests.conftest import Server
from tests.e2e.helpers import hash_ids, setting, update_user
from tests.e2e.transfers import CHUNK, Client


def signed(server: Server, path: str, expires: int) -> str:
    return f"{server.base}{quote(path)}?sign={quote(sign_path(setting(server, 'secret_key').encode(), path, expires))}"


def test_content_headers_ranges_head_and_conditional_requests(client: Client) -> None:
    data = os.urandom(CHUNK + 500)
    client.upload("cloudreve://my/報告 ü.txt", data)
    url = client.url("cloudreve://my/報告 ü.txt")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == client.server.base  # the host the client used
    entity = client.info("cloudreve://my/報告 ü.txt")["primary_entity"]
    assert unquote(parts.path) == f"/api/v4/file/content/{entity}/0/報告 ü.txt"
    assert parts.query.startswith("sign=") and "download" not in parts.query

    full = httpx.get(url)
    assert full.status_code == 200 and full.content == data
    assert full.headers["content-type"].startswith("text/plain")
    assert full.headers["content-length"] == str(len(data))
    assert full.headers["etag"] == f'"{entity}"'
    assert full.headers["last-modified"].endswith("GMT")
    assert full.headers["cache-control"] == "public, max-age=86400"
    assert full.headers["content-security-policy"] == "sandbox"
    assert full.headers["accept-ranges"] == "bytes"
    assert full.headers["content-disposition"] == (
        "inline; filename=\"__ _.txt\"; filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%C3%BC.txt")

    attachment = httpx.get(client.url("cloudreve://my/報告 ü.txt", download=True))
    assert attachment.content == data
    assert attachment.headers["content-disposition"].startswith("attachment; ")
    assert "filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%C3%BC.txt" in attachment.headers["content-disposition"]

    head = httpx.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data)) and head.headers["etag"] == f'"{entity}"'
    assert "content-security-policy" not in head.headers

    part = httpx.get(url, headers={"range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    across = httpx.get(url, headers={"range": f"bytes={CHUNK - 5}-"})  # spans the chunk boundary
    assert across.status_code == 206 and across.content == data[CHUNK - 5:]
    tail = httpx.get(url, headers={"range": "bytes=-7"})
    assert tail.status_code == 206 and tail.content == data[-7:]
    beyond = httpx.get(url, headers={"range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"

    assert httpx.get(url, headers={"if-none-match": f'"{entity}"'}).status_code == 304
    assert httpx.get(url, headers={"if-none-match": '"other"'}).status_code == 200

    preflight = httpx.request("OPTIONS", url, headers={"origin": "https://elsewhere.example",
                                                       "access-control-request-method": "GET"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert full.headers["access-control-allow-origin"] == "*"


def test_mime_mapping_setting_and_empty_entities(client: Client) -> None:
    client.upload("cloudreve://my/sheet.xlsx", b"PK not really")
    response = httpx.get(client.url("cloudreve://my/sheet.xlsx"))
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    assert client.call("POST", "/file/create", {"uri": "cloudreve://my/blank.txt", "type": "file"})["code"] == 0
    empty = httpx.get(client.url("cloudreve://my/blank.txt"), headers={"range": "bytes=0-9"})
    assert empty.status_code == 200 and empty.content == b"" and empty.headers["content-length"] == "0"


def test_signatures_are_checked(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/secret.bin", b"top secret")
    url = client.url("cloudreve://my/secret.bin")
    entity = client.info("cloudreve://my/secret.bin")["primary_entity"]
    base, _, query = url.partition("?sign=")
    digest, _, expires = unquote(query).rpartition(":")

    def envelope(target: str) -> dict[str, Any]:
        response = httpx.get(target)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        return response.json()  # type: ignore[no-any-return]

    tampered = ("B" if digest[0] != "B" else "C") + digest[1:]
    assert envelope(f"{base}?sign={quote(tampered)}:{expires}")["code"] == 40071
    assert envelope(f"{base}?sign={quote(digest)}:{int(expires) + 1}")["code"] == 40071
    assert envelope(base)["code"] == 403
    other = client.server.base + f"/api/v4/file/content/{entity}/0/other.bin?sign={query}"
    assert envelope(other)["code"] == 40071  # the name is part of what is signed
    assert envelope(signed(server, f"/api/v4/file/content/{entity}/0/secret.bin", int(time.time()) - 5))["code"] \
        == 40005
    assert httpx.get(signed(server, f"/api/v4/file/content/{entity}/0/secret.bin", int(time.time()) + 60)
                     ).content == b"top secret"
    gone = hash_ids(server).encode(10_000_000, IdType.ENTITY)
    assert envelope(signed(server, f"/api/v4/file/content/{gone}/0/x.bin", int(time.time()) + 60))["code"] == 40077


def test_speed_limit_in_the_url_throttles(client: Client, server: Server) -> None:
    data = os.urandom(100_000)
    client.upload("cloudreve://my/slow.bin", data)
    entity = client.info("cloudreve://my/slow.bin")["primary_entity"]
    started = time.monotonic()
    response = httpx.get(signed(server, f"/api/v4/file/content/{entity}/200000/slow.bin", int(time.time()) + 60))
    assert response.content == data
    assert time.monotonic() - started >= 0.3  # 75 kB of 100 kB must wait for their turn at 200 kB/s


def test_url_batches_report_each_failure(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/batch/a.txt", b"aaa")
    assert client.call("POST", "/file/create", {"uri": "cloudreve://my/batch/folder", "type": "folder"})["code"] == 0
    uris = ["cloudreve://my/batch/a.txt", "cloudreve://my/batch/folder", "cloudreve://my/batch/missing.txt"]
    failed = client.urls(uris)
    assert failed["code"] == 40081 and "data" not in failed
    errors = failed["aggregated_error"]
    assert set(errors) == {"cloudreve://my/batch/folder", "cloudreve://my/batch/missing.txt"}
    assert errors["cloudreve://my/batch/folder"]["code"] == 40077
    assert errors["cloudreve://my/batch/missing.txt"]["code"] == 40016

    partial = client.urls(uris, skip_error=True)
    assert partial["code"] == 0
    urls = partial["data"]["urls"]
    assert len(urls) == 3 and urls[1] == {"url": ""} and urls[2] == {"url": ""}
    assert httpx.get(urls[0]["url"]).content == b"aaa"
    assert partial["data"]["expires"]

    redirect = client.http.post("/api/v4/file/url", json={"uris": uris[:1], "redirect": True},
                                headers={"authorization": f"Bearer {client.token}"})
    assert redirect.status_code == 302
    assert httpx.get(redirect.headers["location"]).content == b"aaa"

    primary = client.url("cloudreve://my/batch/a.txt", use_primary_site_url=True, no_cache=True)
    assert primary.startswith("http://localhost:5212/api/v4/file/content/")
    assert client.urls(["not a uri"])["code"] == 40001
    assert server.api.post("/file/url", {"uris": ["cloudreve://my/batch/a.txt"]})["code"] == 40081


def test_folder_archive_streams_a_zip_of_the_tree(client: Client, server: Server) -> None:
    files = {"album/cover.jpg": os.urandom(CHUNK + 3), "album/tracks/01 – intro.txt": b"intro",
             "album/tracks/02.txt": b"", "album/notes/deep/x.md": b"# x"}
    for path, data in files.items():
        if data:
            client.upload(f"cloudreve://my/{path}", data)
        else:
            assert client.call("POST", "/file/create", {"uri": f"cloudreve://my/{path}", "type": "file"})["code"] == 0
    assert client.call("POST", "/file/create", {"uri": "cloudreve://my/album/empty", "type": "folder"})["code"] == 0
    client.upload("cloudreve://my/loose.txt", b"loose")

    refused = client.urls(["cloudreve://my/album"], archive=True)
    assert refused["code"] == 40007  # the User group may not download archives

    update_user(server, client.email, group_users=1)
    result = client.urls(["cloudreve://my/album", "cloudreve://my/loose.txt"], archive=True)
    assert result["code"] == 0, result
    url = result["data"]["urls"][0]["url"]
    path = urlsplit(url).path
    assert path.startswith("/api/v4/file/archive/") and path.endswith("/archive.zip")
    assert result["data"]["expires"]

    response = httpx.get(url, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert {"album/", "album/tracks/", "album/notes/", "album/notes/deep/", "album/empty/"} <= names
        for name, data in files.items():
            assert archive.read(name) == data
        assert archive.read("loose.txt") == b"loose"
        assert names == set(files) | {"loose.txt", "album/", "album/tracks/", "album/notes/", "album/notes/deep/",
                                      "album/empty/"}

    base, _, query = url.partition("?sign=")
    assert httpx.get(f"{base}?sign=x{query}").json()["code"] == 40071
    unknown = signed(server, "/api/v4/file/archive/9897ebae-7b73-4169-aabc-6396f470e4bb/archive.zip",
                     int(time.time()) + 60)
    assert httpx.get(unknown).json()["code"] == 404
