"""Per-file permissions end to end (spec: files.md §15): settings, inheritance down the tree, the
permission each requester holds, and its enforcement on the routes that read or change files — for the
owner, share visitors and direct-link guests."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx

from tests.conftest import Server
from tests.e2e.dav_helpers import DAV_GROUP, DavClient, dav_server
from tests.e2e.file_helpers import Drive, make_group
from tests.e2e.helpers import group_hash, hash_ids, user_hash
from tests.e2e.transfers import Client, member

NONE, READ, READ_UPDATE, ALL = "", "AQ==", "Aw==", "Dw=="


def drive_of(client: Client) -> Drive:
    return Drive(client.server.api, client.server, client.email, client.token)


def uid(client: Client) -> int:
    return drive_of(client).user_id


def set_permission(client: Client, uris: list[str], **setting: Any) -> dict[str, Any]:
    return client.call("POST", "/file/permission", {"uris": uris, "setting": setting})


def held(client: Client, uri: str, token: str | None = "") -> str | None:
    """The ``permission`` member of the file's info (None when absent: every permission)."""
    auth = client.token if token == "" else token
    result = client.server.api.get("/file/info", auth, params={"uri": uri})
    assert result["code"] == 0, result
    return result["data"].get("permission")  # type: ignore[no-any-return]


def refused(result: dict[str, Any], uri: str) -> bool:
    """A batch call whose only item failed with 403."""
    return result["code"] == 40081 and result["aggregated_error"][uri]["code"] == 403


def share_id(client: Client, uri: str) -> str:
    made = client.call("PUT", "/share", {"uri": uri})
    assert made["code"] == 0, made
    return str(made["data"]).rstrip("/").split("/")[-1]


def test_setting_inheritance_and_clearing(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/team/plan.txt", b"plan")
    client.upload("cloudreve://my/team/deep/notes.txt", b"notes")
    me = user_hash(server, uid(client))
    result = set_permission(client, ["cloudreve://my/team"], everyone=READ, same_group=READ_UPDATE,
                            user_explicit={me: ALL}, group_explicit={group_hash(server, 3): NONE})
    assert result == {"code": 0, "msg": ""}
    setting = client.info("cloudreve://my/team", extended=True)["extended_info"]["permission"]
    assert setting == {"user_explicit": {me: ALL}, "group_explicit": {group_hash(server, 3): NONE},
                       "same_group": READ_UPDATE, "other": None, "anonymous": None, "everyone": READ}
    # The owner is named: all four permissions. Files below inherit the folder's setting.
    assert held(client, "cloudreve://my/team/deep/notes.txt") == ALL
    assert "permission" not in client.info("cloudreve://my/team/plan.txt", extended=True)["extended_info"]

    assert set_permission(client, ["cloudreve://my/team"], everyone=READ)["code"] == 0
    assert held(client, "cloudreve://my/team") == READ
    assert held(client, "cloudreve://my/team/deep/notes.txt") == READ
    # A nearer setting wins, for its subtree.
    assert set_permission(client, ["cloudreve://my/team/deep"], everyone=READ_UPDATE)["code"] == 0
    assert held(client, "cloudreve://my/team/deep/notes.txt") == READ_UPDATE
    assert held(client, "cloudreve://my/team/plan.txt") == READ
    listing = client.call("GET", "/file", params={"uri": "cloudreve://my/team"})["data"]
    assert listing["parent"]["permission"] == READ
    assert {f["name"]: f["permission"] for f in listing["files"]} == {"deep": READ_UPDATE, "plan.txt": READ}
    root = client.call("GET", "/file", params={"uri": "cloudreve://my"})["data"]
    assert "permission" not in root["parent"] and root["files"][0]["permission"] == READ

    assert client.call("DELETE", "/file/permission", {"uris": ["cloudreve://my/team/deep"]}) == {"code": 0, "msg": ""}
    assert held(client, "cloudreve://my/team/deep/notes.txt") == READ  # inherits the folder's again
    assert client.call("DELETE", "/file/permission", {"uris": ["cloudreve://my/team"]})["code"] == 0
    assert held(client, "cloudreve://my/team/deep/notes.txt") is None


def test_bad_settings_are_refused(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/x.txt", b"x")
    uri = ["cloudreve://my/x.txt"]
    ids = hash_ids(server)
    assert set_permission(client, uri, user_explicit={ids.encode(10 ** 9, 1): READ})["code"] == 40001
    assert set_permission(client, uri, group_explicit={ids.encode(10 ** 9, 7): READ})["code"] == 40001
    assert set_permission(client, uri, user_explicit={"garbage": READ})["code"] == 40001
    assert set_permission(client, uri, user_explicit={group_hash(server, 2): READ})["code"] == 40001  # wrong kind
    assert set_permission(client, uri, everyone="not base64!")["code"] == 40001
    assert set_permission(client, uri, everyone=7)["code"] == 40001
    assert client.call("POST", "/file/permission", {"uris": uri})["code"] == 40001
    assert "permission" not in client.info("cloudreve://my/x.txt", extended=True)["extended_info"]

    partial = set_permission(client, ["cloudreve://my/x.txt", "cloudreve://my/missing", "cloudreve://my",
                                      "cloudreve://trash/x"], everyone=READ)
    assert partial["code"] == 40081
    assert {k: v["code"] for k, v in partial["aggregated_error"].items()} == {
        "cloudreve://my/missing": 40016, "cloudreve://my": 403, "cloudreve://trash/x": 403}
    assert held(client, "cloudreve://my/x.txt") == READ

    other = Client.new(server)
    foreign = f"cloudreve://{user_hash(server, uid(client))}@my/x.txt"
    assert set_permission(other, [foreign], everyone=ALL)["code"] == 40081
    assert server.api.post("/file/permission", {"uris": uri, "setting": {}})["code"] == 401


def test_a_read_only_folder_for_its_owner(client: Client) -> None:
    client.upload("cloudreve://my/ro/doc.txt", b"v1")
    assert client.put_content("cloudreve://my/ro/doc.txt", b"v2")["code"] == 0
    client.upload("cloudreve://my/elsewhere.txt", b"e")
    assert set_permission(client, ["cloudreve://my/ro"], everyone=READ)["code"] == 0
    drive = drive_of(client)

    # Reading works.
    assert drive.names("cloudreve://my/ro") == ["doc.txt"]
    assert client.download("cloudreve://my/ro/doc.txt") == b"v2"
    assert drive.list("cloudreve://my?name=doc")["code"] == 0
    # Nothing changes.
    assert drive.rename("cloudreve://my/ro/doc.txt", "new.txt")["code"] == 403
    assert drive.call("POST", "/file/create", {"uri": "cloudreve://my/ro/new", "type": "folder"})["code"] == 403
    assert drive.call("POST", "/file/create", {"uri": "cloudreve://my/ro/a/b", "type": "folder"})["code"] == 403
    assert client.start("cloudreve://my/ro/up.txt", 3)["code"] == 403
    assert client.put_content("cloudreve://my/ro/doc.txt", b"v3")["code"] == 403
    assert client.start("cloudreve://my/ro/doc.txt", 3, entity_type="version")["code"] == 403
    doc = "cloudreve://my/ro/doc.txt"
    assert refused(drive.delete([doc]), doc)
    assert refused(drive.delete([doc], skip_soft_delete=True), doc)
    assert refused(drive.move([doc], "cloudreve://my"), doc)
    assert drive.move(["cloudreve://my/elsewhere.txt"], "cloudreve://my/ro")["code"] == 403  # the destination
    assert refused(drive.call("PATCH", "/file/metadata", {"uris": [doc],
                                                          "patches": [{"key": "tag:x", "value": ""}]}), doc)
    assert drive.call("PATCH", "/file/view", {"uri": "cloudreve://my/ro", "view": {"page_size": 50}})["code"] == 403
    versions = client.info("cloudreve://my/ro/doc.txt", extended=True)["extended_info"]["entities"]
    assert client.call("POST", "/file/version/current", {"uri": "cloudreve://my/ro/doc.txt",
                                                         "version": versions[1]["id"]})["code"] == 403
    assert client.call("DELETE", "/file/version", {"uri": "cloudreve://my/ro/doc.txt",
                                                   "version": versions[1]["id"]})["code"] == 403
    # A copy out is a read; the copy keeps no setting of its own, so it is writable where it lands.
    assert drive.move(["cloudreve://my/ro/doc.txt"], "cloudreve://my", copy=True)["code"] == 0
    assert drive.rename("cloudreve://my/doc.txt", "copied.txt")["code"] == 0
    # Trashing the folder itself is a delete on it: refused too.
    assert refused(drive.delete(["cloudreve://my/ro"]), "cloudreve://my/ro")

    assert drive.names("cloudreve://my/ro") == ["doc.txt"]
    assert client.download("cloudreve://my/ro/doc.txt") == b"v2"
    # The owner may always change the setting itself.
    assert client.call("DELETE", "/file/permission", {"uris": ["cloudreve://my/ro"]})["code"] == 0
    assert drive.rename("cloudreve://my/ro/doc.txt", "new.txt")["code"] == 0


def test_no_read_hides_a_folder(client: Client) -> None:
    client.upload("cloudreve://my/secret/inner/key.txt", b"k")
    client.upload("cloudreve://my/open/key.txt", b"o")
    assert set_permission(client, ["cloudreve://my/secret"], everyone=NONE)["code"] == 0
    drive = drive_of(client)
    assert drive.list("cloudreve://my/secret")["code"] == 403
    assert drive.list("cloudreve://my/secret/inner")["code"] == 403
    assert drive.info("cloudreve://my/secret/inner/key.txt")["code"] == 403
    urls = client.urls(["cloudreve://my/secret/inner/key.txt"])
    assert urls["code"] == 40081
    assert urls["aggregated_error"]["cloudreve://my/secret/inner/key.txt"]["code"] == 403
    hits = drive.list("cloudreve://my?name=key.txt")
    assert hits["code"] == 0
    assert [f["path"] for f in hits["data"]["files"]] == ["cloudreve://my/open/key.txt"]
    # The root still lists the folder itself (it is the folder's own content that is unreadable).
    assert "secret" in drive.names("cloudreve://my")


def test_share_visitors_get_what_their_category_grants(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/pub/readme.txt", b"readme")
    client.upload("cloudreve://my/pub/hidden/x.txt", b"x")
    sid = share_id(client, "cloudreve://my/pub")
    share_root = f"cloudreve://{sid}@share"
    peer = Client.new(server)  # the owner's group (User)
    stranger = member(server, make_group(server, "strangers", permissions=[7]))

    def listing(token: str | None, uri: str = share_root) -> dict[str, Any]:
        return server.api.get("/file", token, params={"uri": uri})

    assert listing(None)["code"] == 0 and listing(peer.token)["code"] == 0
    assert set_permission(client, ["cloudreve://my/pub"], anonymous=NONE, same_group=READ, other=NONE)["code"] == 0
    assert set_permission(client, ["cloudreve://my/pub/hidden"], same_group=NONE)["code"] == 0

    assert listing(None)["code"] == 403
    assert listing(stranger.token)["code"] == 403
    seen = listing(peer.token)
    assert seen["code"] == 0
    assert seen["data"]["parent"]["permission"] == READ
    assert {f["name"]: f.get("permission") for f in seen["data"]["files"]} == {"readme.txt": READ, "hidden": NONE}
    assert listing(peer.token, share_root + "/hidden")["code"] == 403
    url = peer.urls([share_root + "/readme.txt"])
    assert url["code"] == 0 and httpx.get(url["data"]["urls"][0]["url"], timeout=30).content == b"readme"
    assert peer.urls([share_root + "/hidden/x.txt"])["code"] == 40081
    assert stranger.urls([share_root + "/readme.txt"])["code"] == 40081

    # A named user beats their category; the owner is unaffected by categories.
    assert set_permission(client, ["cloudreve://my/pub"], anonymous=NONE, same_group=READ, other=NONE,
                          user_explicit={user_hash(server, uid(stranger)): READ})["code"] == 0
    assert listing(stranger.token)["code"] == 0
    assert held(client, "cloudreve://my/pub/readme.txt") is None


def test_archives_leave_out_what_cannot_be_read(server: Server) -> None:
    client = member(server, make_group(server, "archivers", permissions=[4]))
    client.upload("cloudreve://my/arch/open.txt", b"open")
    client.upload("cloudreve://my/arch/closed/c.txt", b"closed")
    client.upload("cloudreve://my/arch/closed/sub/d.txt", b"deeper")
    assert set_permission(client, ["cloudreve://my/arch/closed"], everyone=NONE)["code"] == 0
    archive = client.urls(["cloudreve://my/arch"], archive=True)
    assert archive["code"] == 0, archive
    body = httpx.get(archive["data"]["urls"][0]["url"], timeout=30)
    assert body.status_code == 200
    with zipfile.ZipFile(io.BytesIO(body.content)) as zipped:
        assert sorted(zipped.namelist()) == ["arch/", "arch/open.txt"]
    refused = client.urls(["cloudreve://my/arch/closed"], archive=True)
    assert refused["code"] == 0
    assert httpx.get(refused["data"]["urls"][0]["url"], timeout=30).json()["code"] == 403


def test_direct_links_follow_the_guest_permission(client: Client) -> None:
    client.upload("cloudreve://my/links/a.txt", b"a")
    link = client.call("PUT", "/file/source", {"uris": ["cloudreve://my/links/a.txt"]})["data"][0]["link"]
    assert httpx.get(link, follow_redirects=False, timeout=30).status_code == 302
    assert set_permission(client, ["cloudreve://my/links"], anonymous=NONE)["code"] == 0
    assert httpx.get(link, follow_redirects=False, timeout=30).status_code == 404
    assert set_permission(client, ["cloudreve://my/links/a.txt"], everyone=READ)["code"] == 0
    assert httpx.get(link, follow_redirects=False, timeout=30).status_code == 302


def test_webdav_honours_permissions(server_factory: Any) -> None:
    dav = DavClient.new(dav_server(server_factory), DAV_GROUP)
    assert dav.mkcol("ro").status_code == 201
    assert dav.put("ro/doc.txt", b"one").status_code == 201
    assert dav.drive.call("POST", "/file/permission", {"uris": ["cloudreve://my/ro"],
                                                       "setting": {"everyone": READ}})["code"] == 0
    assert dav.get("ro/doc.txt").content == b"one"
    assert dav.names("ro") == ["doc.txt"]
    assert dav.put("ro/doc.txt", b"two").status_code == 403
    assert dav.put("ro/new.txt", b"new").status_code == 403
    assert dav.mkcol("ro/sub").status_code == 403
    assert dav.request("DELETE", "ro/doc.txt").status_code == 403
    assert dav.move("ro/doc.txt", "moved.txt").status_code == 403
    patch = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop>'
             b"<Z:color>red</Z:color></D:prop></D:set></D:propertyupdate>")
    assert dav.request("PROPPATCH", "ro/doc.txt", content=patch).status_code == 403
    assert dav.move("ro/doc.txt", "copied.txt", copy=True).status_code == 201
    assert dav.get("copied.txt").content == b"one"

    assert dav.drive.call("POST", "/file/permission", {"uris": ["cloudreve://my/ro"],
                                                       "setting": {"everyone": NONE}})["code"] == 0
    assert dav.get("ro/doc.txt").status_code == 403
    assert dav.propfind("ro").status_code == 403
    assert dav.drive.call("DELETE", "/file/permission", {"uris": ["cloudreve://my/ro"]})["code"] == 0
    assert dav.put("ro/doc.txt", b"two").status_code in (200, 201, 204)
    assert dav.get("ro/doc.txt").content == b"two"
