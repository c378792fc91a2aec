"""Visiting share links end to end (spec: share.md §4–5, file-uri.md §2): browsing share URIs at any
depth, single-file shares, passwords and their guessing limit, the visitor's group permission, what
visitors may not do, downloads and their counters, and "save to my files" shortcuts."""

from __future__ import annotations

import io
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.file_helpers import make_group
from tests.e2e.helpers import database, hash_ids, update_user
from tests.e2e.media_files import image_bytes
from tests.e2e.test_share import SHARE_SETTINGS, Link, Owner, P, Visitor, share_row
from tests.e2e.transfers import Client

SHARE_CAPABILITY = "gIaYAQ=="


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    server: Server = server_factory(settings=SHARE_SETTINGS)
    with database(server) as conn:
        users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    if users == 0:
        Client.new(server)  # the first account becomes the administrator: keep it out of the way
    return server


@pytest.fixture
def owner(server: Server) -> Owner:
    return Owner.new(server)


@pytest.fixture
def guest(server: Server) -> Visitor:
    return Visitor(server)


@pytest.fixture(scope="module")
def tree(server: Server) -> tuple[Owner, Link]:
    """An owner's folder ``Photos`` (with two levels below it and a sibling it must not reveal), shared
    with a password."""
    owner = Owner.new(server)
    owner.folder("cloudreve://my/Private")
    owner.file("cloudreve://my/Private/secret.txt", b"not for visitors")
    owner.file("cloudreve://my/Photos/2024/Summer/beach.jpg", b"sand and sea")
    owner.file("cloudreve://my/Photos/2024/notes.txt", b"a year")
    owner.file("cloudreve://my/Photos/readme.md", b"# Photos")
    return owner, owner.share("cloudreve://my/Photos", is_private=True)


def fetch(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def without_query_key(url: str, key: str) -> str:
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != key}
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


# --- browsing ------------------------------------------------------------------------------------

def test_visitors_browse_a_shared_folder_at_any_depth(tree: tuple[Owner, Link], guest: Visitor) -> None:
    _, link = tree
    root = guest.list(link.uri())
    assert root["code"] == 0, root
    data = root["data"]
    assert [f["name"] for f in data["files"]] == ["2024", "readme.md"]
    assert data["props"]["capability"] == SHARE_CAPABILITY
    assert data["parent"]["name"] == "Photos" and data["parent"]["path"] == link.uri()
    assert "single_file_view" not in data and "view" not in data  # no share_view: no owner's view
    for item in data["files"]:
        assert item["path"] == link.uri(item["name"])  # as the visitor sees it, password included
        assert "owned" not in item and "shared" not in item and item["capability"] == SHARE_CAPABILITY

    deep = guest.list(link.uri("2024/Summer"))
    assert [f["path"] for f in deep["data"]["files"]] == [link.uri("2024/Summer/beach.jpg")]
    info = guest.call("GET", "/file/info", params={"uri": link.uri("2024/notes.txt")})
    assert info["code"] == 0 and info["data"]["size"] == len(b"a year") and "owned" not in info["data"]
    assert info["data"]["path"] == link.uri("2024/notes.txt")
    assert guest.list(link.uri("2024/missing"))["code"] == 40016
    assert guest.list(link.uri("readme.md"))["code"] == 40016  # a file is not a folder

    # Searching stays below the share.
    found = guest.list(link.uri() + "?name=.txt")
    assert [f["path"] for f in found["data"]["files"]] == [link.uri("2024/notes.txt")]


def test_dot_dot_never_climbs_out_of_the_share(tree: tuple[Owner, Link], guest: Visitor) -> None:
    _, link = tree
    for path in ("..", "../..", "2024/../..", "%2E%2E/%2E%2E", "2024/Summer/../../../.."):
        result = guest.list(link.uri(path))
        assert result["code"] == 0, (path, result)
        assert [f["name"] for f in result["data"]["files"]] == ["2024", "readme.md"], path
    for path in ("../Private", "../../Private/secret.txt", "2024/../../Private"):
        assert guest.list(link.uri(path))["code"] == 40016, path
        assert guest.urls([link.uri(path)])["code"] == 40081, path
    found = guest.list(link.uri("..") + "?name=secret")
    assert found["code"] == 0 and found["data"]["files"] == []


def test_the_password_travels_in_the_uri(tree: tuple[Owner, Link], server: Server) -> None:
    owner, link = tree
    visitor = Visitor(server)
    assert visitor.list(link.uri(password=""))["code"] == 40069
    assert visitor.list(link.uri("2024", password="wrong"))["code"] == 40069
    assert visitor.call("GET", "/file/info", params={"uri": link.uri("readme.md", "wrong")})["code"] == 40069
    result = visitor.urls([link.uri("readme.md", "wrong")])
    assert result["code"] == 40081
    assert result["aggregated_error"][link.uri("readme.md", "wrong")]["code"] == 40069
    # The owner needs none; what they see through the share is theirs.
    mine = owner.visitor().list(link.uri(password=""))
    assert mine["code"] == 0 and all(f["owned"] is True for f in mine["data"]["files"])


def test_a_single_file_share_shows_that_file_only(owner: Owner, guest: Visitor) -> None:
    owner.file("cloudreve://my/Folder/report.pdf", b"%PDF report")
    owner.file("cloudreve://my/Folder/sibling.txt", b"private")
    owner.folder("cloudreve://my/Folder/Sub")
    link = owner.share("cloudreve://my/Folder/report.pdf")
    root = guest.list(link.uri())
    assert root["code"] == 0, root
    assert root["data"]["single_file_view"] is True
    assert [f["path"] for f in root["data"]["files"]] == [link.uri("report.pdf")]
    assert guest.call("GET", "/file/info", params={"uri": link.uri("report.pdf")})["code"] == 0
    for path in ("sibling.txt", "Sub", "Sub/x", "report.pdf/x", "../sibling.txt"):
        assert guest.call("GET", "/file/info", params={"uri": link.uri(path)})["code"] == 40016, path
    assert guest.list(link.uri("Sub"))["code"] == 40016
    searched = guest.list(link.uri() + "?name=sibling")
    assert [f["name"] for f in searched["data"]["files"]] == ["report.pdf"]

    # Renamed by its owner: the link follows the file under its new name.
    assert owner.call("POST", "/file/rename", {"uri": "cloudreve://my/Folder/report.pdf",
                                               "new_name": "final.pdf"})["code"] == 0
    assert guest.names(link.uri()) == ["final.pdf"]
    assert guest.call("GET", "/file/info", params={"uri": link.uri("report.pdf")})["code"] == 40016
    info = guest.info(link.id)["data"]
    assert info["name"] == "final.pdf" and info["source_type"] == 0


def test_visitors_need_the_share_download_permission(tree: tuple[Owner, Link], server: Server) -> None:
    owner, link = tree
    assert Visitor(server).list(link.uri())["code"] == 0  # guests have it by default
    email, token = server.api.new_user()
    visitor = Visitor(server, token)
    assert visitor.list(link.uri())["code"] == 0
    without = make_group(server, "No share visits", permissions=[P.SHARE])
    update_user(server, email, group_users=without)
    assert visitor.list(link.uri())["code"] == 403
    assert visitor.urls([link.uri("readme.md")])["aggregated_error"][link.uri("readme.md")]["code"] == 403
    assert visitor.info(link.id)["code"] == 0  # the link's info stays readable
    assert owner.visitor().list(link.uri())["code"] == 0


def test_guests_are_refused_when_their_group_lacks_the_permission(server_factory: Any, tmp_path: Any) -> None:
    server: Server = server_factory(settings=SHARE_SETTINGS, fresh=True)
    owner = Owner.new(server)
    owner.folder("cloudreve://my/Open")
    link = owner.share("cloudreve://my/Open")
    with database(server) as conn:
        conn.execute("UPDATE groups SET permissions = ? WHERE id = 3", (bytes([1 << P.IS_ANONYMOUS]),))
    server.stop()  # the guest group is read when the server starts
    server.start()
    assert Visitor(server).list(link.uri())["code"] == 403
    assert Visitor(server).info(link.id)["code"] == 0
    assert owner.visitor().list(link.uri())["code"] == 0


def test_share_view_exposes_the_owners_view_settings(owner: Owner, guest: Visitor) -> None:
    owner.folder("cloudreve://my/Gallery/Inner")
    view = {"page_size": 60, "view": "gallery", "order": "name", "order_direction": "desc"}
    assert owner.call("PATCH", "/file/view", {"uri": "cloudreve://my/Gallery", "view": view})["code"] == 0
    hidden = owner.share("cloudreve://my/Gallery")
    shown = owner.share("cloudreve://my/Gallery", share_view=True)
    assert "view" not in guest.list(hidden.uri())["data"]
    assert guest.list(shown.uri())["data"]["view"]["view"] == "gallery"
    assert guest.list(shown.uri("Inner"))["data"]["view"]["view"] == "gallery"  # inherited inside the share
    assert owner.visitor().list(hidden.uri())["data"]["view"]["view"] == "gallery"
    # Visitors cannot change it.
    result = guest.call("PATCH", "/file/view", {"uri": shown.uri(), "view": {**view, "view": "list"}})
    assert result["code"] in (401, 403, 40082), result
    assert guest.list(shown.uri())["data"]["view"]["view"] == "gallery"


# --- what visitors may not do --------------------------------------------------------------------

def test_visitors_cannot_change_anything_through_a_share(tree: tuple[Owner, Link], server: Server) -> None:
    owner, link = tree
    _, token = server.api.new_user()
    visitor = Visitor(server, token)
    target = link.uri("readme.md")

    def refused(result: dict[str, Any], key: str = target) -> None:
        if result["code"] == 40081:
            result = result["aggregated_error"][key]
        assert result["code"] == 403, result

    refused(visitor.call("POST", "/file/rename", {"uri": target, "new_name": "x.md"}))
    refused(visitor.call("DELETE", "/file", {"uris": [target]}))
    refused(visitor.call("DELETE", "/file", {"uris": [target], "skip_soft_delete": True}))
    refused(visitor.call("PATCH", "/file/metadata", {"uris": [target], "patches": [{"key": "tag:x", "value": ""}]}))
    refused(visitor.call("POST", "/file/create", {"uri": link.uri("new.txt"), "type": "file"}))
    refused(visitor.call("PUT", "/file/upload", {"uri": link.uri("up.txt"), "size": 3,
                                                 "policy_id": hash_ids(server).encode(1, IdType.POLICY)}))
    refused(visitor.call("PUT", "/file/content", params={"uri": target}, content=b"new",
                         headers={"content-type": "application/octet-stream"}))
    refused(visitor.call("POST", "/file/move", {"uris": [target], "dst": "cloudreve://my"}))
    refused(visitor.call("POST", "/file/move", {"uris": [target], "dst": "cloudreve://my", "copy": True}))
    # Nothing changed.
    assert owner.client.download("cloudreve://my/Photos/readme.md") == b"# Photos"
    assert Visitor(server).names(link.uri()) == ["2024", "readme.md"]
    # Not even the owner changes files through a share URI (they use their own drive).
    refused(owner.call("POST", "/file/rename", {"uri": target, "new_name": "x.md"}))


# --- downloads -----------------------------------------------------------------------------------

def test_visitors_download_through_the_share(tree: tuple[Owner, Link], server: Server) -> None:
    owner, link = tree
    visitor = Visitor(server)
    result = visitor.urls([link.uri("2024/Summer/beach.jpg"), link.uri("readme.md")], download=True)
    assert result["code"] == 0, result
    beach, readme = (fetch(u["url"]) for u in result["data"]["urls"])
    assert beach.status_code == 200 and beach.content == b"sand and sea"
    assert readme.content == b"# Photos" and "attachment" in readme.headers["content-disposition"]
    assert share_row(server, link)["downloads"] == 0  # folder shares count no downloads
    assert visitor.urls([link.uri("2024")])["code"] == 40081  # folders only as archives


def test_visitors_get_thumbnails_through_the_share(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/Pics/blue.jpg", image_bytes((64, 48)))
    owner.file("cloudreve://my/Pics/note.txt", b"text")
    link = owner.share("cloudreve://my/Pics", is_private=True)
    visitor = Visitor(server)
    result = visitor.call("GET", "/file/thumb", params={"uri": link.uri("blue.jpg")})
    assert result["code"] == 0, result
    image = fetch(result["data"]["url"])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")
    assert visitor.call("GET", "/file/thumb", params={"uri": link.uri("blue.jpg", "wrong")})["code"] == 40069
    assert visitor.call("GET", "/file/thumb", params={"uri": link.uri("note.txt")})["code"] == 40077


def test_archives_through_a_share(tree: tuple[Owner, Link], server: Server) -> None:
    _, link = tree
    email, token = server.api.new_user()
    visitor = Visitor(server, token)
    assert visitor.urls([link.uri("2024")], archive=True)["code"] == 40007  # the group's archive permission
    archivers = make_group(server, "Archivers", permissions=[P.SHARE_DOWNLOAD, P.ARCHIVE_DOWNLOAD])
    update_user(server, email, group_users=archivers)
    assert visitor.urls([link.uri("2024", "wrong")], archive=True)["code"] == 40069
    result = visitor.urls([link.uri("2024"), link.uri("readme.md")], archive=True)
    assert result["code"] == 0, result
    response = fetch(result["data"]["urls"][0]["url"])
    assert response.status_code == 200, response.text[:200]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["2024/", "2024/Summer/", "2024/Summer/beach.jpg", "2024/notes.txt",
                                              "readme.md"]
        assert archive.read("2024/Summer/beach.jpg") == b"sand and sea"


def test_single_file_downloads_are_counted_and_limited(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/limited.bin", b"0123456789")
    link = owner.share("cloudreve://my/limited.bin", downloads=2)
    visitor = Visitor(server)
    first = visitor.urls([link.uri("limited.bin")])
    assert first["code"] == 0
    row = share_row(server, link)
    assert (row["downloads"], row["remain_downloads"]) == (1, 1)
    assert owner.visitor().info(link.id)["data"]["downloaded"] == 1
    # The owner's own downloads through the link take nothing from visitors.
    assert owner.visitor().urls([link.uri("limited.bin")])["code"] == 0
    assert share_row(server, link)["downloads"] == 1
    second = visitor.urls([link.uri("limited.bin")], download=True)
    assert second["code"] == 0
    assert share_row(server, link)["remain_downloads"] == 0
    # The last URL handed out still works; nothing more is handed out and the link is gone.
    assert fetch(second["data"]["urls"][0]["url"]).content == b"0123456789"
    third = visitor.urls([link.uri("limited.bin")])
    assert third["code"] == 40081 and third["aggregated_error"][link.uri("limited.bin")]["code"] == 404
    assert visitor.info(link.id)["code"] == 404 and visitor.list(link.uri())["code"] == 404
    mine = owner.visitor().info(link.id)["data"]
    assert mine["expired"] is True and mine["remain_downloads"] == 0 and mine["downloaded"] == 2

    # Editing the limit starts again.
    assert owner.call("POST", f"/share/{link.id}", {"uri": "cloudreve://my/limited.bin", "downloads": 1})["code"] == 0
    assert visitor.urls([link.uri("limited.bin")])["code"] == 0
    assert visitor.urls([link.uri("limited.bin")])["code"] == 40081


def test_concurrent_downloads_never_exceed_the_limit(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/popular.txt", b"everyone wants it")
    link = owner.share("cloudreve://my/popular.txt", downloads=3)
    uri = link.uri("popular.txt")

    def ask(index: int) -> dict[str, Any]:
        with httpx.Client(base_url=server.base, timeout=60) as http:
            response = http.post("/api/v4/file/url", json={"uris": [uri]},
                                 headers={"x-forwarded-for": f"10.9.{index // 200}.{index % 200 + 1}"})
            return response.json()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(ask, range(50)))
    granted = [r for r in results if r["code"] == 0]
    assert len(granted) == 3, [r["code"] for r in results]
    assert all(r["code"] == 40081 for r in results if r["code"] != 0)
    row = share_row(server, link)
    assert (row["downloads"], row["remain_downloads"]) == (3, 0)
    assert all(fetch(r["data"]["urls"][0]["url"]).content == b"everyone wants it" for r in granted)


def test_an_archive_of_a_single_file_share_counts_too(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/once.txt", b"once")
    link = owner.share("cloudreve://my/once.txt", downloads=1)
    email, token = server.api.new_user()
    update_user(server, email, group_users=make_group(server, "Zippers",
                                                      permissions=[P.SHARE_DOWNLOAD, P.ARCHIVE_DOWNLOAD]))
    visitor = Visitor(server, token)
    result = visitor.urls([link.uri("once.txt")], archive=True)
    assert result["code"] == 0, result
    assert share_row(server, link)["remain_downloads"] == 0
    with zipfile.ZipFile(io.BytesIO(fetch(result["data"]["urls"][0]["url"]).content)) as archive:
        assert archive.read("once.txt") == b"once"
    assert visitor.urls([link.uri("once.txt")], archive=True)["code"] == 404
    assert visitor.urls([link.uri("once.txt")])["code"] == 40081


def test_urls_handed_out_through_a_share_stop_when_the_share_does(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/Box/short.txt", b"short lived")
    owner.file("cloudreve://my/Box/kept.txt", b"kept")
    expiring = owner.share("cloudreve://my/Box/short.txt", expire=2)
    deleted = owner.share("cloudreve://my/Box")
    visitor = Visitor(server)
    expiring_url = visitor.urls([expiring.uri("short.txt")])["data"]["urls"][0]["url"]
    deleted_url = visitor.urls([deleted.uri("kept.txt")])["data"]["urls"][0]["url"]
    assert parse_qs(urlsplit(expiring_url).query)["share"] == [expiring.id]
    assert fetch(expiring_url).content == b"short lived" and fetch(deleted_url).content == b"kept"

    # The share is signed into the URL: without it, or with another one, the signature fails.
    assert fetch(without_query_key(deleted_url, "share")).json()["code"] == 40071
    assert fetch(deleted_url.replace(f"share={deleted.id}", f"share={expiring.id}")).json()["code"] == 40071

    assert owner.call("DELETE", f"/share/{deleted.id}")["code"] == 0
    gone = fetch(deleted_url)
    assert gone.status_code == 200 and gone.json()["code"] == 404  # the envelope, not the bytes
    time.sleep(2.2)
    assert fetch(expiring_url).json()["code"] == 404
    # The owner's own URLs are not tied to the share.
    assert owner.client.download("cloudreve://my/Box/short.txt") == b"short lived"


def test_urls_stop_when_the_source_is_trashed(owner: Owner, server: Server) -> None:
    owner.file("cloudreve://my/Trashme/f.txt", b"data")
    link = owner.share("cloudreve://my/Trashme")
    url = Visitor(server).urls([link.uri("f.txt")])["data"]["urls"][0]["url"]
    assert fetch(url).content == b"data"
    assert owner.call("DELETE", "/file", {"uris": ["cloudreve://my/Trashme"]})["code"] == 0
    assert fetch(url).json()["code"] == 404


def test_a_share_id_of_another_kind_is_no_share(tree: tuple[Owner, Link], guest: Visitor, server: Server) -> None:
    _, link = tree
    ids = hash_ids(server)
    share_id = ids.decode(link.id, IdType.SHARE)
    for wrong in (ids.encode(share_id, IdType.FILE), ids.encode(share_id, IdType.USER), "zzzz", ""):
        uri = f"cloudreve://{wrong}:{link.password}@share" if wrong else "cloudreve://share"
        assert guest.list(uri)["code"] == 404, wrong
    assert guest.list(f"cloudreve://{ids.encode(share_id + 999, IdType.SHARE)}@share")["code"] == 404


# --- saved shortcuts -----------------------------------------------------------------------------

def test_saving_a_share_to_my_files(tree: tuple[Owner, Link], server: Server) -> None:
    owner, link = tree
    email, token = server.api.new_user()
    saver = Visitor(server, token)
    metadata = {"sys:shared_redirect": link.uri(), "sys:shared_owner": owner.hash_id}
    created = saver.call("POST", "/file/create", {"uri": "cloudreve://my/Photos", "type": "folder",
                                                  "metadata": metadata, "err_on_conflict": True})
    assert created["code"] == 0, created
    assert created["data"]["metadata"]["sys:shared_redirect"] == link.uri()

    listed = saver.list("cloudreve://shared_with_me")
    assert listed["code"] == 0, listed
    [shortcut] = listed["data"]["files"]
    assert shortcut["name"] == "Photos" and shortcut["metadata"] == metadata
    assert shortcut["path"] == f"cloudreve://shared_with_me/{created['data']['id']}"
    assert listed["data"]["props"]["capability"] == "gAKA"
    # Clients follow the shortcut's redirect; its own folder cannot be walked into.
    assert saver.names(shortcut["metadata"]["sys:shared_redirect"]) == ["2024", "readme.md"]
    assert saver.list("cloudreve://my/Photos")["code"] == 403

    # Nobody saves their own share.
    own = owner.call("POST", "/file/create", {"uri": "cloudreve://my/Mine", "type": "folder", "metadata": metadata})
    assert own["code"] == 40059
    assert owner.visitor().list("cloudreve://my/Mine")["code"] == 40016
    # A shortcut to a link that is gone leads nowhere.
    ids = hash_ids(server)
    missing = {**metadata, "sys:shared_redirect": f"cloudreve://{ids.encode(10**6, IdType.SHARE)}@share"}
    assert saver.call("POST", "/file/create", {"uri": "cloudreve://my/Gone", "type": "folder",
                                               "metadata": missing})["code"] == 0
    assert saver.list(missing["sys:shared_redirect"])["code"] == 404
