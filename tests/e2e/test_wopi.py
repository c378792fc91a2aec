"""Viewer sessions and the WOPI host end to end (spec: files.md §6, §6.1), spoken as an office server
speaks it: bare HTTP statuses, ``X-WOPI-*`` headers, locks that guard writes."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pyreve.kit.hashid import IdType
from pyreve.services.settings import RELOAD_SECONDS
from tests.conftest import Server
from tests.e2e.capacity import assert_capacity_invariant
from tests.e2e.helpers import UUID_RE, database, hash_ids, kv_entry, kv_expire, parse_time, setting
from tests.e2e.media_files import media_server
from tests.e2e.transfers import Client

OFFICE = "https://office.example/browser/dist/cool.html?<ui=UI_LLCC&><theme=THEME_ID&><embed=EMBEDDED&>"
VIEWERS = [{"viewers": [
    {"id": "collabora", "type": "wopi", "display_name": "Collabora", "exts": ["docx", "odt", "txt"],
     "wopi_actions": {"docx": {"view": OFFICE + "<perm=readonly&>", "edit": OFFICE},
                      "odt": {"edit": OFFICE},
                      "txt": {"edit": "https://office.example/edit?src=WOPI_SOURCE&dc=DC_LLCC&x=1"}}},
    {"id": "monaco", "type": "builtin", "display_name": "Monaco", "exts": ["txt"]},
    {"id": "retired", "type": "wopi", "display_name": "Old office", "exts": ["docx"], "disabled": True,
     "wopi_actions": {"docx": {"edit": OFFICE}}},
]}]
DOCX = b"PK\x03\x04 a pretend office document " + bytes(range(200))


def set_viewers(server: Server, viewers: list[dict[str, Any]], wait: bool = True) -> None:
    """Write ``file_viewers`` and wait until every worker has re-read its settings."""
    with database(server) as conn:
        if conn.execute("UPDATE settings SET value = ? WHERE name = 'file_viewers'",
                        (json.dumps(viewers),)).rowcount == 0:
            conn.execute("INSERT INTO settings (name, value, created_at, updated_at) "
                         "VALUES ('file_viewers', ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", (json.dumps(viewers),))
    if wait:
        time.sleep(RELOAD_SECONDS + 0.5)


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Iterator[Server]:
    server = media_server(server_factory)
    set_viewers(server, VIEWERS)
    yield server
    assert_capacity_invariant(server)


@pytest.fixture
def client(server: Server) -> Client:
    return Client.new(server)


@dataclass
class Office:
    """The office server's side of one viewer session."""

    server: Server
    file_id: str
    token: str

    def url(self, suffix: str = "", file_id: str | None = None) -> str:
        return f"{self.server.base}/api/v4/file/wopi/{file_id or self.file_id}{suffix}"

    def get(self, suffix: str = "", token: str | None = None, **headers: str) -> httpx.Response:
        return httpx.get(self.url(suffix), params={"access_token": self.token if token is None else token},
                         headers=headers, timeout=30)

    def post(self, suffix: str = "", content: bytes = b"", token: str | None = None, file_id: str | None = None,
             **headers: str) -> httpx.Response:
        return httpx.post(self.url(suffix, file_id), params={"access_token": self.token if token is None else token},
                          content=content, headers=headers, timeout=30)

    def override(self, operation: str, **headers: str) -> httpx.Response:
        return self.post("", **{"X-WOPI-Override": operation, **headers})

    def lock(self, lock: str, **headers: str) -> httpx.Response:
        return self.override("LOCK", **{"X-WOPI-Lock": lock, **headers})

    def current_lock(self) -> str:
        response = self.override("GET_LOCK")
        assert response.status_code == 200, response.status_code
        return response.headers["x-wopi-lock"]

    def put_file(self, data: bytes, lock: str | None = None) -> httpx.Response:
        headers = {"X-WOPI-Override": "PUT"} | ({"X-WOPI-Lock": lock} if lock is not None else {})
        return self.post("/contents", data, **headers)


def open_session(client: Client, uri: str, viewer: str = "collabora", action: str = "edit",
                 **extra: Any) -> dict[str, Any]:
    return client.call("PUT", "/file/viewerSession", {"uri": uri, "viewer_id": viewer,
                                                      "preferred_action": action, **extra})


def office_for(client: Client, uri: str, data: bytes = DOCX) -> Office:
    put = client.put_content(uri, data)
    assert put["code"] == 0, put
    opened = open_session(client, uri)
    assert opened["code"] == 0, opened
    return Office(client.server, put["data"]["id"], opened["data"]["session"]["access_token"])


def assert_bare(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.headers, response.text[:200])
    assert '"code"' not in response.text  # never the JSON envelope


def test_a_viewer_session_opens_an_office_viewer(client: Client, server: Server) -> None:
    uri = "cloudreve://my/docs/report.docx"
    put = client.put_content(uri, DOCX)
    started = time.time()
    result = open_session(client, uri)
    assert result["code"] == 0, result
    session = result["data"]["session"]
    assert set(session) == {"id", "access_token", "expires"}
    assert UUID_RE.match(session["id"])
    head, _, secret = session["access_token"].partition(".")
    assert head == session["id"] and re.fullmatch(r"[A-Za-z0-9]{128}", secret)
    assert (started + 36000 - 10) * 1000 - 5000 <= session["expires"] <= (time.time() + 36000 - 10) * 1000 + 5000

    src = urlsplit(result["data"]["wopi_src"])
    assert (src.scheme, src.netloc, src.path) == ("https", "office.example", "/browser/dist/cool.html")
    query = {k: v[0] for k, v in parse_qs(src.query).items()}
    site = setting(server, "siteURL").split(",")[0].strip().rstrip("/")
    assert query == {"ui": "lng", "theme": "darkmode", "embed": "true", "lang": "lng",
                     "WOPISrc": f"{site}/api/v4/file/wopi/{put['data']['id']}"}
    view = urlsplit(open_session(client, uri, action="view")["data"]["wopi_src"])
    assert parse_qs(view.query)["perm"] == ["readonly"]

    entry = kv_entry(server, f"viewer_session_{session['id']}")
    assert entry is not None
    stored = json.loads(entry[0])
    assert stored["file_id"] == hash_ids(server).decode(put["data"]["id"], IdType.FILE)
    assert stored["viewer_id"] == "collabora" and stored["uri"] == uri
    assert entry[1] == pytest.approx(started + 36000, abs=10)

    # The placeholder spelling of the source parameter, and a builtin viewer (no WOPI source at all).
    notes = client.put_content("cloudreve://my/docs/notes.txt", b"hello")["data"]["id"]
    txt = urlsplit(open_session(client, "cloudreve://my/docs/notes.txt")["data"]["wopi_src"])
    assert parse_qs(txt.query) == {"src": [f"{site}/api/v4/file/wopi/{notes}"], "dc": ["lng"], "x": ["1"],
                                   "lang": ["lng"]}
    builtin = open_session(client, "cloudreve://my/docs/notes.txt", viewer="monaco", action="view")
    assert builtin["code"] == 0 and "wopi_src" not in builtin["data"]


def test_viewer_sessions_refuse_what_they_cannot_open(client: Client, server: Server) -> None:
    uri = "cloudreve://my/docs/plan.docx"
    client.put_content(uri, DOCX)
    assert open_session(client, uri, viewer="nope")["code"] == 40001
    assert open_session(client, uri, viewer="retired")["code"] == 40001  # disabled
    assert open_session(client, uri, version="AbCdEf")["code"] == 40077
    client.call("POST", "/file/create", {"uri": "cloudreve://my/folder", "type": "folder"})
    assert open_session(client, "cloudreve://my/folder")["code"] == 40077
    assert open_session(client, "cloudreve://my/docs/missing.docx")["code"] == 40016
    assert client.call("PUT", "/file/viewerSession", {"uri": uri})["code"] == 40001
    client.put_content("cloudreve://my/docs/data.xlsx", b"sheet")
    assert open_session(client, "cloudreve://my/docs/data.xlsx")["code"] == 50005  # no WOPI action for .xlsx
    other = Client.new(server)
    with database(server) as conn:
        uid = conn.execute("SELECT id FROM users WHERE email = ?", (client.email,)).fetchone()[0]
    owner = hash_ids(server).encode(uid, IdType.USER)
    assert open_session(other, f"cloudreve://{owner}@my/docs/plan.docx")["code"] == 403
    explorer = server.api.get("/site/config/explorer")["data"]
    assert "wopi_actions" not in json.dumps(explorer)
    assert [v["id"] for v in explorer["file_viewers"][0]["viewers"]] == ["collabora", "monaco", "retired"]


def test_check_file_info_and_get_file(client: Client, server: Server) -> None:
    office = office_for(client, "cloudreve://my/docs/info.docx")
    info = client.info("cloudreve://my/docs/info.docx")
    response = office.get()
    assert_bare(response, 200)
    data = response.json()
    with database(server) as conn:
        uid = conn.execute("SELECT id FROM users WHERE email = ?", (client.email,)).fetchone()[0]
    user_hash = hash_ids(server).encode(uid, IdType.USER)
    assert data["BaseFileName"] == "info.docx"
    assert data["Size"] == len(DOCX)
    assert data["Version"] == info["primary_entity"]
    assert data["OwnerId"] == data["UserId"] == user_hash
    assert data["UserCanWrite"] is True and data["ReadOnly"] is False and data["UserCanNotWriteRelative"] is False
    assert data["SupportsLocks"] is data["SupportsUpdate"] is data["SupportsRename"] is True
    assert data["IsAnonymousUser"] is False
    assert data["PostMessageOrigin"] == "*" and data["FileNameMaxLength"] == 256
    assert data["BreadcrumbFolderName"] == "/docs"
    assert parse_time(data["LastModifiedTime"])

    contents = office.get("/contents")
    assert_bare(contents, 200)
    assert contents.content == DOCX
    assert contents.headers["x-wopi-itemversion"] == info["primary_entity"]
    part = office.get("/contents", Range="bytes=0-3")
    assert part.status_code == 206 and part.content == DOCX[:4]


def test_forged_expired_and_misused_tokens_get_a_bare_403(client: Client, server: Server) -> None:
    office = office_for(client, "cloudreve://my/docs/secret.docx")
    sid, _, secret = office.token.partition(".")
    other = office_for(client, "cloudreve://my/docs/other.docx")
    for token, reason in [("", "malformed"), ("garbage", "malformed"), (f"{sid}.{'x' * 128}", "invalid"),
                          (f"{uuid.uuid4()}.{secret}", "invalid"), (f"{sid}.{secret}.extra", "malformed")]:
        for response in (office.get(token=token), office.get("/contents", token=token),
                         office.post(token=token, **{"X-WOPI-Override": "LOCK", "X-WOPI-Lock": "L"}),
                         office.post("/contents", b"forged", token=token)):
            assert_bare(response, 403)
            assert reason in response.headers["x-wopi-servererror"]
    # A good token, but for another file.
    wrong_file = httpx.get(office.url("", other.file_id), params={"access_token": office.token}, timeout=30)
    assert_bare(wrong_file, 403)
    assert wrong_file.headers["x-wopi-servererror"] == "invalid file"
    assert_bare(httpx.get(office.url("", "notanid"), params={"access_token": office.token}, timeout=30), 403)
    assert client.info("cloudreve://my/docs/secret.docx")["size"] == len(DOCX)  # nothing was written

    # Expired: the session is gone from the KV store.
    kv_expire(server, f"viewer_session_{sid}")
    expired = office.get()
    assert_bare(expired, 403)
    assert expired.headers["x-wopi-servererror"] == "invalid access token"
    assert_bare(office.get("/contents"), 403)
    assert_bare(other.get(), 200)  # other sessions are untouched


def test_locks_follow_the_protocol_and_guard_writes(client: Client, server: Server) -> None:
    uri = "cloudreve://my/docs/locked.docx"
    office = office_for(client, uri)
    first, second = "lock-one", json.dumps({"S": "f7a1" * 30, "F": 4})  # office lock ids can be long JSON
    assert office.current_lock() == ""
    assert_bare(office.lock(first), 200)
    assert office.current_lock() == first
    assert_bare(office.lock(first), 200)  # the holder locking again refreshes

    with database(server) as conn:
        rows = conn.execute("SELECT * FROM fs_locks WHERE path = '/docs/locked.docx'").fetchall()
    assert len(rows) == 1
    assert json.loads(rows[0]["application"]) == {"type": "viewer", "viewer_id": "collabora", "wopi_lock": first}
    # The file system sees the lock: the web client cannot rename the file meanwhile.
    renamed = client.call("POST", "/file/rename", {"uri": uri, "new_name": "moved.docx"})
    assert renamed["code"] == 40073, renamed

    conflict = office.lock(second)
    assert_bare(conflict, 409)
    assert conflict.headers["x-wopi-lock"] == first
    for lock in (None, second):
        refused = office.put_file(b"not mine", lock)
        assert_bare(refused, 409)
        assert refused.headers["x-wopi-lock"] == first
    assert client.info(uri)["size"] == len(DOCX)
    for operation in ("REFRESH_LOCK", "UNLOCK"):
        mismatch = office.override(operation, **{"X-WOPI-Lock": second})
        assert_bare(mismatch, 409)
        assert mismatch.headers["x-wopi-lock"] == first

    saved = office.put_file(b"edited content", first)
    assert_bare(saved, 200)
    info = client.info(uri)
    assert saved.headers["x-wopi-itemversion"] == info["primary_entity"]
    assert info["size"] == len(b"edited content")
    assert office.get("/contents").content == b"edited content"
    assert office.get().json()["Version"] == info["primary_entity"]
    assert office.current_lock() == first  # the write kept the lock

    assert_bare(office.override("REFRESH_LOCK", **{"X-WOPI-Lock": first}), 200)
    relock = office.lock(second, **{"X-WOPI-OldLock": "not-the-lock"})
    assert_bare(relock, 409)
    assert relock.headers["x-wopi-lock"] == first
    assert_bare(office.lock(second, **{"X-WOPI-OldLock": first}), 200)  # UnlockAndRelock
    assert office.current_lock() == second
    assert_bare(office.override("UNLOCK", **{"X-WOPI-Lock": second}), 200)
    assert office.current_lock() == ""
    unlocked = office.override("UNLOCK", **{"X-WOPI-Lock": second})
    assert_bare(unlocked, 409)
    assert unlocked.headers["x-wopi-lock"] == ""
    assert_bare(office.put_file(b"saved while unlocked"), 200)
    assert client.call("POST", "/file/rename", {"uri": uri, "new_name": "moved.docx"})["code"] == 0
    assert_bare(office.override("NOT_A_THING"), 501)


def test_put_relative_and_rename(client: Client, server: Server) -> None:
    uri = "cloudreve://my/docs/report.docx"
    office = office_for(client, uri)

    relative = office.override("PUT_RELATIVE", **{"X-WOPI-SuggestedTarget": ".odt"})
    assert_bare(relative, 200)
    assert relative.json()["Name"] == "report.odt"
    new_url = urlsplit(relative.json()["Url"])
    token = parse_qs(new_url.query)["access_token"][0]
    new_id = new_url.path.rsplit("/", 1)[1]
    assert new_url.path == f"/api/v4/file/wopi/{new_id}"
    check = httpx.get(office.url("", new_id), params={"access_token": token}, timeout=30)
    assert_bare(check, 200)
    assert check.json()["BaseFileName"] == "report.odt"

    named = httpx.post(office.url(), params={"access_token": office.token}, content=b"copy", timeout=30,
                       headers={"X-WOPI-Override": "PUT_RELATIVE",
                                "X-WOPI-SuggestedTarget": "Résumé final.docx".encode("utf-7").decode()})
    assert_bare(named, 200)
    assert named.json()["Name"] == "Résumé final.docx"
    assert client.download("cloudreve://my/docs/Résumé final.docx") == b"copy"
    assert_bare(office.override("PUT_RELATIVE"), 400)

    lock = "rename-lock"
    assert_bare(office.lock(lock), 200)
    refused = office.override("RENAME_FILE", **{"X-WOPI-RequestedName": "renamed", "X-WOPI-Lock": "other"})
    assert_bare(refused, 409)
    assert refused.headers["x-wopi-lock"] == lock
    clash = office.override("RENAME_FILE", **{"X-WOPI-RequestedName": "Résumé final".encode("utf-7").decode(),
                                              "X-WOPI-Lock": lock})
    assert_bare(clash, 400)
    assert clash.headers["x-wopi-invalidfilenameerror"]
    renamed = office.override("RENAME_FILE", **{"X-WOPI-RequestedName": "renamed", "X-WOPI-Lock": lock})
    assert_bare(renamed, 200)
    assert renamed.json() == {"Name": "renamed"}
    assert "renamed.docx" in [f["name"] for f in client.call("GET", "/file", params={
        "uri": "cloudreve://my/docs"})["data"]["files"]]
    # The same session follows the file, and the lock moved with it.
    assert office.get().json()["BaseFileName"] == "renamed.docx"
    assert office.current_lock() == lock
    assert client.call("POST", "/file/rename", {"uri": "cloudreve://my/docs/renamed.docx",
                                                "new_name": "x.docx"})["code"] == 40073
    assert_bare(office.override("UNLOCK", **{"X-WOPI-Lock": lock}), 200)


def test_a_viewer_removed_from_the_settings_closes_its_sessions(client: Client, server: Server) -> None:
    office = office_for(client, "cloudreve://my/docs/last.docx")
    assert_bare(office.get(), 200)
    set_viewers(server, [{"viewers": [v for v in VIEWERS[0]["viewers"] if v["id"] != "collabora"]}])
    try:
        gone = office.get()
        assert_bare(gone, 500)
        assert gone.headers["x-wopi-servererror"] == "viewer not found"
    finally:
        set_viewers(server, VIEWERS, wait=False)
