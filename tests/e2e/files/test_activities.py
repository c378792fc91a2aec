"""File activities end to end (spec: files.md §16): what each change records, who did it, filters,
cursor pagination, and records that exist only when their change does."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import Server
from tests.e2e.file_helpers import Drive, row_count
from tests.e2e.helpers import database, user_hash
from tests.e2e.transfers import Client

FILE_CREATE, FILE_RENAME, SET_FILE_PERMISSION, ENTITY_UPLOADED, ENTITY_DOWNLOADED = 7, 8, 9, 10, 11
COPY_FROM, COPY_TO, MOVE_TO, MOVE_TO_TRASH, SET_CURRENT_VERSION, DELETE_VERSION = 12, 13, 14, 16, 19, 20
UPDATE_METADATA, MOUNT, GET_DIRECT_LINK, UPDATE_VIEW, DELETE_DIRECT_LINK = 23, 26, 43, 56, 57
SHARE, SHARE_LINK_VIEWED, EDIT_SHARE, DELETE_SHARE = 17, 18, 24, 25


def activities(client: Client, uri: str, token: str | None = "", **params: Any) -> dict[str, Any]:
    auth = client.token if token == "" else token
    return client.server.api.get("/file/activities", auth, params={"uri": uri, "page_size": 100, **params})


def events(client: Client, uri: str, **params: Any) -> list[dict[str, Any]]:
    result = activities(client, uri, **params)
    assert result["code"] == 0, result
    return result["data"]["activities"]  # type: ignore[no-any-return]


def categories(client: Client, uri: str, **params: Any) -> list[int]:
    return [e["content"]["category"] for e in events(client, uri, **params)]


def test_a_files_life_is_recorded(client: Client, server: Server) -> None:
    drive = Drive(server.api, server, client.email, client.token)
    drive.create("cloudreve://my/life/a.txt")
    assert client.put_content("cloudreve://my/life/a.txt", b"first")["code"] == 0
    assert client.put_content("cloudreve://my/life/a.txt", b"second")["code"] == 0
    assert drive.rename("cloudreve://my/life/a.txt", "b.txt")["code"] == 0
    drive.folder("cloudreve://my/archive")
    assert drive.move(["cloudreve://my/life/b.txt"], "cloudreve://my/archive")["code"] == 0
    assert drive.move(["cloudreve://my/archive/b.txt"], "cloudreve://my/life", copy=True)["code"] == 0
    uri = "cloudreve://my/archive/b.txt"
    url = client.urls([uri])
    assert url["code"] == 0
    assert drive.call("PATCH", "/file/metadata", {"uris": [uri], "patches": [{"key": "tag:red", "value": ""}]}
                      )["code"] == 0
    assert client.call("POST", "/file/permission", {"uris": [uri], "setting": {"everyone": "Dw=="}})["code"] == 0
    versions = client.info(uri, extended=True)["extended_info"]["entities"]
    assert client.call("POST", "/file/version/current", {"uri": uri, "version": versions[1]["id"]})["code"] == 0
    assert client.call("DELETE", "/file/version", {"uri": uri, "version": versions[0]["id"]})["code"] == 0
    link = client.call("PUT", "/file/source", {"uris": [uri]})["data"][0]["link"]
    link_id = link.split("/")[-2]
    assert httpx.get(link, follow_redirects=False, timeout=30).status_code == 302
    assert client.call("DELETE", f"/file/source/{link_id}")["code"] == 0
    assert drive.delete([uri])["code"] == 0
    trashed = drive.trash()[0]["path"]
    assert drive.restore([trashed])["code"] == 0

    found = events(client, uri)
    assert [e["content"]["category"] for e in found] == [
        FILE_CREATE, ENTITY_UPLOADED, ENTITY_UPLOADED, FILE_RENAME, MOVE_TO, COPY_TO, ENTITY_DOWNLOADED,
        UPDATE_METADATA, SET_FILE_PERMISSION, SET_CURRENT_VERSION, DELETE_VERSION, GET_DIRECT_LINK,
        ENTITY_DOWNLOADED, DELETE_DIRECT_LINK, MOVE_TO_TRASH, MOVE_TO]
    by_kind = {e["content"]["category"]: e for e in found}
    assert by_kind[FILE_RENAME]["content"] == {"category": FILE_RENAME, "original_name": "a.txt",
                                               "new_name": "b.txt"}
    assert by_kind[MOVE_TO]["content"]["from"] == trashed and by_kind[MOVE_TO]["content"]["to"] == uri
    assert found[4]["content"] == {"category": MOVE_TO, "from": "cloudreve://my/life/b.txt", "to": uri}
    assert by_kind[COPY_TO]["content"]["to"] == "cloudreve://my/life/b.txt"
    assert by_kind[MOVE_TO_TRASH]["content"]["from"] == uri
    assert by_kind[SET_CURRENT_VERSION]["version_id"] == versions[1]["id"]
    assert by_kind[DELETE_VERSION]["version_id"] == versions[0]["id"]
    assert found[1]["version_id"] == versions[1]["id"] and found[2]["version_id"] == versions[0]["id"]
    assert found[6]["version_id"] == versions[0]["id"]  # the URL of the then current version
    assert by_kind[GET_DIRECT_LINK]["content"]["direct_link"] == link_id
    me = user_hash(server, drive.user_id)
    assert all(e["user"]["id"] == me for i, e in enumerate(found) if i != 12)
    assert found[12]["user"] is None  # the direct link's guest
    assert found[0]["user"]["nickname"] == client.email.split("@")[0] and "email" not in found[0]["user"]
    assert all(e["id"] and e["created_at"] for e in found)
    assert len({e["id"] for e in found}) == len(found)

    copy = "cloudreve://my/life/b.txt"
    assert categories(client, copy) == [COPY_FROM]
    assert events(client, copy)[0]["content"]["from"] == uri

    folder = "cloudreve://my/archive"
    assert client.call("PATCH", "/file/view", {"uri": folder, "view": {"page_size": 50}})["code"] == 0
    assert client.call("PATCH", "/file/policy", {"uri": folder, "policy_id": client.policy_id})["code"] == 0
    assert categories(client, folder) == [FILE_CREATE, UPDATE_VIEW, MOUNT]
    assert events(client, folder)[2]["content"]["policy"] == "Default storage policy"


def test_filters_order_and_pages(client: Client, server: Server) -> None:
    uri = "cloudreve://my/busy.txt"
    client.upload(uri, b"x")
    for _ in range(11):
        assert client.urls([uri], no_cache=True)["code"] == 0
    share = client.call("PUT", "/share", {"uri": uri})["data"].rstrip("/").split("/")[-1]
    visitor = Client.new(server)
    assert visitor.urls([f"cloudreve://{share}@share/busy.txt"])["code"] == 0

    assert categories(client, uri) == [FILE_CREATE, ENTITY_UPLOADED] + [ENTITY_DOWNLOADED] * 11 + [
        SHARE, ENTITY_DOWNLOADED]
    assert categories(client, uri, filter="updates") == [FILE_CREATE, ENTITY_UPLOADED, SHARE]
    assert categories(client, uri, filter="reads") == [ENTITY_DOWNLOADED] * 12
    mine = events(client, uri, filter="my")
    assert len(mine) == 14
    reads = events(client, uri, filter="reads")
    assert reads[-1]["user"]["id"] == user_hash(server, Drive(server.api, server, visitor.email, visitor.token)
                                                .user_id)

    first = activities(client, uri, page_size=10)["data"]
    assert len(first["activities"]) == 10
    assert first["pagination"]["is_cursor"] is True and first["pagination"]["page"] == 0
    assert first["pagination"]["page_size"] == 10
    second = activities(client, uri, page_size=10, next_page_token=first["pagination"]["next_token"])["data"]
    assert len(second["activities"]) == 5 and "next_token" not in second["pagination"]
    everything = [e["id"] for e in first["activities"] + second["activities"]]
    assert everything == [e["id"] for e in events(client, uri)]
    newest_first = [e["id"] for e in events(client, uri, order_direction="desc")]
    assert newest_first == list(reversed(everything))
    back = activities(client, uri, page_size=10, order_direction="desc")["data"]
    more = activities(client, uri, page_size=10, order_direction="desc",
                      next_page_token=back["pagination"]["next_token"])["data"]
    assert [e["id"] for e in back["activities"] + more["activities"]] == newest_first

    assert activities(client, uri, page_size=9)["code"] == 40001
    assert activities(client, uri, page_size=101)["code"] == 40001
    assert activities(client, uri, next_page_token="garbage")["code"] == 40001
    assert activities(client, uri, filter="everything")["code"] == 40001
    assert client.server.api.get("/file/activities", client.token, params={"uri": uri})["code"] == 40001
    assert activities(client, "cloudreve://my/none.txt")["code"] == 40016
    assert activities(visitor, f"cloudreve://{share}@share/busy.txt")["code"] == 40082
    assert activities(client, uri, token=None)["code"] == 401


def test_a_change_that_fails_records_nothing(client: Client, server: Server) -> None:
    drive = Drive(server.api, server, client.email, client.token)
    drive.create("cloudreve://my/tx/one.txt")
    drive.create("cloudreve://my/tx/two.txt")
    drive.folder("cloudreve://my/tx/dst")
    drive.create("cloudreve://my/tx/dst/one.txt")
    file_id = drive.file_id(client.info("cloudreve://my/tx/one.txt")["id"])
    before = row_count(server, "SELECT COUNT(*) FROM audit_logs WHERE file_id = ?", file_id)
    assert drive.rename("cloudreve://my/tx/one.txt", "two.txt")["code"] == 40004
    assert drive.move(["cloudreve://my/tx/one.txt", "cloudreve://my/tx/two.txt"], "cloudreve://my/tx/dst"
                      )["code"] == 40004
    client.call("POST", "/file/permission", {"uris": ["cloudreve://my/tx/dst"], "setting": {"everyone": "AQ=="}})
    assert drive.move(["cloudreve://my/tx/two.txt"], "cloudreve://my/tx/dst")["code"] == 403
    assert row_count(server, "SELECT COUNT(*) FROM audit_logs WHERE file_id = ?", file_id) == before
    assert categories(client, "cloudreve://my/tx/one.txt") == [FILE_CREATE]
    assert categories(client, "cloudreve://my/tx/two.txt") == [FILE_CREATE]

    # A new file uploaded in chunks: created, then its content.
    client.upload("cloudreve://my/tx/chunked.bin", b"z" * 200_000)
    assert categories(client, "cloudreve://my/tx/chunked.bin") == [FILE_CREATE, ENTITY_UPLOADED]
    assert events(client, "cloudreve://my/tx/chunked.bin")[1]["content"]["size"] == 200_000

    # Permanently deleted: the records stay (for the audit), detached from the gone file.
    gone = row_count(server, "SELECT COUNT(*) FROM audit_logs WHERE file_id = ?", file_id)
    assert drive.delete(["cloudreve://my/tx/one.txt"], skip_soft_delete=True)["code"] == 0
    assert row_count(server, "SELECT COUNT(*) FROM audit_logs WHERE file_id = ?", file_id) == 0
    with database(server) as conn:
        detached = conn.execute("SELECT content FROM audit_logs WHERE file_id IS NULL AND type = 15").fetchall()
    assert [json.loads(row[0])["uri"] for row in detached].count("cloudreve://my/tx/one.txt") == 1
    assert gone >= 1


def test_share_links_are_recorded(client: Client, server: Server) -> None:
    uri = "cloudreve://my/shared.txt"
    client.upload(uri, b"s")
    made = client.call("PUT", "/share", {"uri": uri})
    share = made["data"].rstrip("/").split("/")[-1]
    assert client.call("POST", f"/share/{share}", {"uri": uri, "share_view": True})["code"] == 0
    assert server.api.get(f"/share/info/{share}", params={"count_views": "true"})["code"] == 0
    assert server.api.get(f"/share/info/{share}")["code"] == 0  # not counted: not recorded
    assert client.call("DELETE", f"/share/{share}")["code"] == 0
    found = events(client, uri)
    assert [e["content"]["category"] for e in found] == [FILE_CREATE, ENTITY_UPLOADED, SHARE, EDIT_SHARE,
                                                         SHARE_LINK_VIEWED, DELETE_SHARE]
    assert all(e["content"]["share"] == share for e in found[2:])
    assert found[4]["user"] is None  # a guest viewed it
    assert categories(client, uri, filter="reads") == [SHARE_LINK_VIEWED]
