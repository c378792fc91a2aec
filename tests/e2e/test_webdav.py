"""WebDAV at /dav against a real server: protocol behaviour, bad input, locks, limits (spec: webdav.md)."""

from __future__ import annotations

import base64
import calendar
import hashlib
import os
import re
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.e2e.dav_helpers import DAV_GROUP, PROPFIND_ALL, DavClient, dav_group, dav_server, raw_request
from tests.e2e.file_helpers import Drive, join_group
from tests.e2e.helpers import database


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    return dav_server(server_factory)


@pytest.fixture(scope="module")
def group(server: Server) -> int:
    return DAV_GROUP


@pytest.fixture
def dav(server: Server, group: int) -> DavClient:
    return DavClient.new(server, group)


def blobs(server: Server, client: DavClient) -> list[Path]:
    root = server.data_dir / "uploads" / str(client.drive.user_id)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- authentication --------------------------------------------------------------------------------

def test_options_without_credentials(server: Server) -> None:
    response = httpx.request("OPTIONS", server.base + "/dav")
    assert response.status_code == 200
    assert response.headers["dav"] == "1, 2" and response.headers["ms-author-via"] == "DAV"
    assert response.headers["allow"] == "OPTIONS, LOCK, PUT, MKCOL"
    assert response.headers["cache-control"] == "private, no-cache"


def test_options_with_credentials_lists_the_target_methods(dav: DavClient) -> None:
    assert dav.put("a.txt", b"x").status_code == 201
    allow = dav.request("OPTIONS", "a.txt").headers["allow"]
    assert "PROPPATCH" in allow and "GET" in allow and "PUT" in allow
    folder = dav.request("OPTIONS", "").headers["allow"]
    assert "GET" not in folder and "PROPFIND" in folder
    assert dav.request("OPTIONS", "missing").headers["allow"] == "OPTIONS, LOCK, PUT, MKCOL"


@pytest.mark.parametrize("auth", [None, ("nobody@example.com", "x" * 32), "wrong-password", "login-password",
                                  "not-basic"])
def test_bad_credentials_answer_401_with_a_challenge(server: Server, dav: DavClient, auth: Any) -> None:
    headers = {}
    if auth == "wrong-password":
        auth = (dav.email, "0" * 32)
    elif auth == "login-password":
        auth = (dav.email, "password123")  # the user's own password is not a DAV password
    elif auth == "not-basic":
        auth, headers = None, {"Authorization": "Bearer abc"}
    response = httpx.request("PROPFIND", server.base + "/dav/", auth=auth, headers={"Depth": "0", **headers})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="cloudreve"'


def test_email_is_case_insensitive(server: Server, dav: DavClient) -> None:
    response = httpx.request("PROPFIND", server.base + "/dav/", auth=(dav.email.upper(), dav.password),
                             headers={"Depth": "0"})
    assert response.status_code == 207


def test_group_without_webdav_gets_403(server: Server, dav: DavClient) -> None:
    join_group(dav.drive, 2)  # the default User group has no WebDAV bit
    assert dav.propfind("", "0").status_code == 403


def test_inactive_user_gets_401(server: Server, dav: DavClient) -> None:
    with database(server) as conn:
        conn.execute("UPDATE users SET status = 'manual_banned' WHERE email = ?", (dav.email,))
    time.sleep(1.2)
    assert dav.propfind("", "0").status_code == 401


def test_deleted_account_stops_working(server: Server, dav: DavClient) -> None:
    assert dav.propfind("", "0").status_code == 207
    account = dav.drive.call("GET", "/devices/dav", params={"page_size": 10})["data"]["accounts"][0]
    assert dav.drive.call("DELETE", f"/devices/dav/{account['id']}")["code"] == 0
    assert dav.propfind("", "0").status_code == 401


def test_unknown_method_is_400(dav: DavClient) -> None:
    assert dav.request("PATCH", "").status_code == 400


# --- paths -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/dav/a/../b", "/dav/..", "/dav/./x", "/dav/a%2Fb", "/dav/a%2fb",
                                    "/dav/a%5Cb", "/dav/%2e%2e/x", "/dav/a%00b", "/dav/%ff"])
def test_dot_segments_and_encoded_separators_are_refused(server: Server, dav: DavClient, target: str) -> None:
    auth = "Basic " + base64.b64encode(f"{dav.email}:{dav.password}".encode()).decode()
    for method in ("PROPFIND", "PUT", "DELETE"):
        status, _ = raw_request(server, method, target, {"Authorization": auth, "Depth": "0"}, b"x")
        assert status == 400, (method, target, status)


def test_account_root_confines_the_account(server: Server, group: int) -> None:
    drive = Drive.new(server)
    drive.folder("cloudreve://my/Inside")
    drive.create("cloudreve://my/outside.txt")
    inner = DavClient.new(server, group, uri="cloudreve://my/Inside", drive=drive)
    assert inner.put("here.txt", b"in").status_code == 201
    assert inner.names("") == ["here.txt"]
    assert inner.get("outside.txt").status_code == 404
    assert drive.names("cloudreve://my/Inside") == ["here.txt"]
    auth = "Basic " + base64.b64encode(f"{inner.email}:{inner.password}".encode()).decode()
    status, _ = raw_request(server, "GET", "/dav/../outside.txt", {"Authorization": auth})
    assert status == 400


def test_percent_encoded_names(dav: DavClient) -> None:
    assert dav.put("a%20b%23c%25.txt", b"odd").status_code == 201
    assert dav.get("a%20b%23c%25.txt").content == b"odd"
    listing = dav.propfind("").text
    assert "<D:href>/dav/a%20b%23c%25.txt</D:href>" in listing


def test_invalid_names_are_refused(dav: DavClient) -> None:
    assert dav.put("bad:name.txt", b"x").status_code == 400
    assert dav.mkcol("what%3F").status_code == 400


# --- content ---------------------------------------------------------------------------------------

def test_put_get_head_and_range(server: Server, dav: DavClient) -> None:
    data = os.urandom(300_000)
    created = dav.put("file.bin", data)
    assert created.status_code == 201 and created.headers["etag"].startswith('"')
    response = dav.get("file.bin")
    assert response.status_code == 200 and response.content == data
    assert response.headers["etag"] == created.headers["etag"]
    assert response.headers["content-length"] == str(len(data))
    head = dav.request("HEAD", "file.bin")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(data))
    part = dav.get("file.bin", Range="bytes=1000-1999")
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert dav.get("file.bin", **{"If-None-Match": created.headers["etag"]}).status_code == 304
    assert dav.get("").status_code == 405
    assert dav.get("nothing").status_code == 404


def test_zero_byte_put_then_real_put_makes_a_new_version(server: Server, dav: DavClient) -> None:
    first = dav.put("mac.txt", b"")
    assert first.status_code == 201
    assert dav.get("mac.txt").content == b""
    second = dav.put("mac.txt", b"real content")
    assert second.status_code == 204 and second.headers["etag"] != first.headers["etag"]
    assert dav.get("mac.txt").content == b"real content"
    info = dav.drive.info("cloudreve://my/mac.txt", extended=True)["data"]
    versions = info["extended_info"]["entities"]  # new users keep versions (version_retention)
    assert info["size"] == 12 and [v["size"] for v in versions] == [12, 0]
    assert info["primary_entity"] == versions[0]["id"] == second.headers["etag"].strip('"')
    dav.drive.check_invariants()


def test_put_streams_large_bodies(dav: DavClient) -> None:
    block = os.urandom(1 << 20)

    def body() -> Any:
        for _ in range(24):
            yield block

    response = dav.request("PUT", "big.bin", content=body(), headers={"Content-Length": str(24 << 20)})
    assert response.status_code == 201
    got = dav.get("big.bin")
    assert len(got.content) == 24 << 20 and hashlib.sha1(got.content).digest() == hashlib.sha1(block * 24).digest()


def test_put_needs_a_parent_and_a_length(server: Server, dav: DavClient) -> None:
    assert dav.put("no/such/parent.txt", b"x").status_code == 409
    assert dav.mkcol("folder").status_code == 201
    assert dav.put("folder", b"x").status_code == 405
    chunked = dav.request("PUT", "chunked.txt", content=iter([b"abc"]))
    assert chunked.status_code == 411
    finder = dav.request("PUT", "finder.txt", content=iter([b"abc"]), headers={"X-Expected-Entity-Length": "3"})
    assert finder.status_code == 201 and dav.get("finder.txt").content == b"abc"
    short = dav.put("short.txt", b"abc", **{"X-Expected-Entity-Length": "5"})  # Content-Length wins
    assert short.status_code == 201


def test_quota_is_507_with_nothing_stored(server: Server) -> None:
    small = dav_group(server, "dav-small", max_storage=100_000)
    client = DavClient.new(server, small)
    assert client.put("fits.bin", b"x" * 60_000).status_code == 201
    before = sorted(blobs(server, client))
    response = client.put("too-big.bin", b"y" * 60_000)
    assert response.status_code == 507
    assert client.get("too-big.bin").status_code == 404
    assert sorted(blobs(server, client)) == before
    assert client.drive.storage == 60_000
    # A new version counts as well (the old one is replaced only after it fits).
    assert client.put("fits.bin", b"z" * 50_000).status_code == 507
    assert client.get("fits.bin").content == b"x" * 60_000
    client.drive.check_invariants()


def test_x_oc_mtime_sets_the_modification_time(dav: DavClient) -> None:
    when = 1_600_000_000
    response = dav.put("timed.txt", b"t", **{"X-OC-Mtime": str(when)})
    assert response.status_code == 201 and response.headers["x-oc-mtime"] == "accepted"
    listing = dav.propfind("timed.txt", "0").text
    modified = re.search(r"<D:getlastmodified>([^<]*)</D:getlastmodified>", listing)
    assert modified is not None
    assert calendar.timegm(parsedate_to_datetime(modified.group(1)).utctimetuple()) == when
    assert "x-oc-mtime" not in dav.put("untimed.txt", b"u").headers


def test_oc_checksum_is_verified_and_reported(server: Server, dav: DavClient) -> None:
    data = b"checked content"
    sha1, md5 = hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest()
    assert dav.put("bad.txt", data, **{"OC-Checksum": "SHA1:" + "0" * 40}).status_code == 400
    assert dav.get("bad.txt").status_code == 404
    assert dav.put("good.txt", data, **{"OC-Checksum": f"SHA1:{sha1}"}).status_code == 201
    body = (b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>'
            b"<oc:checksums/><d:getetag/></d:prop></d:propfind>")
    listing = dav.propfind("good.txt", "0", body).text
    assert f"SHA1:{sha1}" in listing and f"MD5:{md5}" in listing
    # A new version without a checksum drops the old one.
    assert dav.put("good.txt", b"other").status_code == 204
    assert "SHA1:" not in dav.propfind("good.txt", "0", body).text


def test_disable_sys_files(server: Server, group: int) -> None:
    client = DavClient.new(server, group, disable_sys_files=True)
    assert client.put(".DS_Store", b"junk").status_code == 201
    assert client.put("._photo.jpg", b"junk").status_code == 201
    assert client.put("real.txt", b"kept").status_code == 201
    assert client.names("") == ["real.txt"]
    assert client.get(".DS_Store").status_code == 404


# --- tree operations -------------------------------------------------------------------------------

def test_mkcol_rules(dav: DavClient) -> None:
    assert dav.mkcol("c").status_code == 201
    assert dav.mkcol("c").status_code == 405
    assert dav.mkcol("x/y").status_code == 409
    assert dav.request("MKCOL", "d", content=b"<x/>").status_code == 415
    assert dav.names("") == ["c"]


def test_delete_goes_to_the_trash(dav: DavClient) -> None:
    assert dav.mkcol("gone").status_code == 201
    assert dav.put("gone/inner.txt", b"i").status_code == 201
    assert dav.request("DELETE", "gone").status_code == 204
    assert dav.propfind("gone", "0").status_code == 404
    assert [f["name"] for f in dav.drive.trash()] == ["gone"]
    assert dav.request("DELETE", "gone").status_code == 404
    assert dav.request("DELETE", "").status_code == 403


def test_copy_and_move(dav: DavClient) -> None:
    assert dav.mkcol("src").status_code == 201
    assert dav.put("src/a.txt", b"A").status_code == 201
    assert dav.move("src", "copy", copy=True).status_code == 201
    assert dav.get("copy/a.txt").content == b"A"
    assert dav.move("src/a.txt", "copy/a.txt", copy=True, Overwrite="F").status_code == 412
    assert dav.move("src/a.txt", "copy/a.txt", copy=True).status_code == 204
    assert dav.move("src", "src2", Depth="0").status_code == 400
    assert dav.move("src", "src", copy=True).status_code == 403
    assert dav.move("src", "src/inside").status_code == 403
    assert dav.move("src", "missing/x").status_code == 409
    assert dav.move("src/a.txt", "renamed.txt").status_code == 201
    assert dav.names("src") == [] and dav.get("renamed.txt").content == b"A"
    assert dav.move("copy", "shallow", copy=True, Depth="0").status_code == 201
    assert dav.names("shallow") == []
    assert dav.move("copy", "copy2", copy=True, Depth="1").status_code == 400
    assert dav.move("nothing", "x").status_code == 404


def test_copy_under_a_new_name_next_to_a_file_of_the_old_name(dav: DavClient) -> None:
    assert dav.mkcol("d").status_code == 201
    assert dav.put("a.txt", b"source").status_code == 201
    assert dav.put("d/a.txt", b"bystander").status_code == 201
    assert dav.move("a.txt", "d/b.txt", copy=True).status_code == 201
    assert dav.get("d/b.txt").content == b"source" and dav.get("d/a.txt").content == b"bystander"


def test_move_keeps_the_modification_time(dav: DavClient) -> None:
    assert dav.put("old.txt", b"o", **{"X-OC-Mtime": "1500000000"}).status_code == 201
    assert dav.move("old.txt", "new.txt").status_code == 201
    assert "Fri, 14 Jul 2017 02:40:00 GMT" in dav.propfind("new.txt", "0").text


@pytest.mark.parametrize("destination", ["http://elsewhere.example/dav/x", "ftp://127.0.0.1/dav/x", "/api/v4/x"])
def test_destination_on_another_server_is_502(dav: DavClient, destination: str) -> None:
    assert dav.put("a.txt", b"a").status_code == 201
    response = dav.request("COPY", "a.txt", headers={"Destination": destination})
    assert response.status_code == 502
    assert dav.request("MOVE", "a.txt", headers={}).status_code == 400


# --- properties ------------------------------------------------------------------------------------

def test_propfind_depths_and_quota(server: Server, dav: DavClient) -> None:
    assert dav.mkcol("p").status_code == 201
    assert dav.mkcol("p/q").status_code == 201
    assert dav.put("p/q/deep.txt", b"12345").status_code == 201
    zero = dav.propfind("p", "0").text
    assert zero.count("<D:response>") == 1
    assert dav.propfind("p", "1").text.count("<D:response>") == 2
    infinite = dav.propfind("p", "infinity").text
    assert infinite.count("<D:response>") == 3 and "/dav/p/q/deep.txt" in infinite
    assert dav.propfind("p", "2").status_code == 400
    body = (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:quota-used-bytes/>'
            b"<D:quota-available-bytes/><D:getetag/></D:prop></D:propfind>")
    quota = dav.propfind("", "0", body).text
    used = int(re.findall(r"<D:quota-used-bytes>(\d+)<", quota)[0])
    available = int(re.findall(r"<D:quota-available-bytes>(\d+)<", quota)[0])
    assert used == dav.drive.storage and used + available == 1 << 30
    assert "HTTP/1.1 404 Not Found" in quota  # a folder has no etag


def test_propfind_infinity_is_capped(server: Server) -> None:
    tight = dav_group(server, "dav-tight", max_walked_files=5)
    client = DavClient.new(server, tight)
    for i in range(8):
        assert client.put(f"f{i}.txt", b"x").status_code == 201
    response = client.propfind("", "infinity")
    assert response.status_code == 403 and "propfind-finite-depth" in response.text
    assert client.propfind("", "1").status_code == 207


def test_proppatch_dead_properties(server: Server, dav: DavClient) -> None:
    assert dav.put("p.txt", b"p").status_code == 201
    body = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop>'
            b"<Z:color>blue</Z:color></D:prop></D:set></D:propertyupdate>")
    response = dav.request("PROPPATCH", "p.txt", content=body)
    assert response.status_code == 207 and "HTTP/1.1 200 OK" in response.text
    found = dav.propfind("p.txt", "0", b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
                                       b'<Z:color xmlns:Z="urn:z"/></D:prop></D:propfind>').text
    assert "blue" in found
    with database(server) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM metadata WHERE name LIKE 'dav:%'")]
    assert "dav:urn:z|color" in names
    live = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
            b"<D:getetag>x</D:getetag><D:other>y</D:other></D:prop></D:set></D:propertyupdate>")
    refused = dav.request("PROPPATCH", "p.txt", content=live).text
    assert "HTTP/1.1 403 Forbidden" in refused and "HTTP/1.1 424 Failed Dependency" in refused


HOSTILE = {
    "entity expansion": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
                        b']><D:propfind xmlns:D="DAV:"><D:prop><D:x>&b;</D:x></D:prop></D:propfind>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                       b'<D:propfind xmlns:D="DAV:"><D:prop><D:x>&e;</D:x></D:prop></D:propfind>',
    "deep nesting": b'<D:propfind xmlns:D="DAV:">' + b"<a>" * 5000 + b"</a>" * 5000 + b"</D:propfind>",
    "malformed": b'<D:propfind xmlns:D="DAV:"><D:prop>',
    "wrong root": b'<D:lockinfo xmlns:D="DAV:"/>',
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_xml_is_400(dav: DavClient, name: str) -> None:
    body = HOSTILE[name]
    assert dav.put("x.txt", b"x").status_code == 201
    assert dav.propfind("", "0", body).status_code == 400
    if name != "wrong root":
        assert dav.request("PROPPATCH", "x.txt", content=body).status_code == 400
        assert dav.request("LOCK", "x.txt", content=body).status_code == 400
    assert dav.get("x.txt").content == b"x"


def test_oversized_xml_is_413(dav: DavClient) -> None:
    body = b'<D:propfind xmlns:D="DAV:"><D:allprop/>' + b" " * (2 << 20) + b"</D:propfind>"
    assert dav.propfind("", "0", body).status_code == 413


# --- locks -----------------------------------------------------------------------------------------

def test_a_lock_blocks_other_clients(server: Server, group: int) -> None:
    owner = DavClient.new(server, group)
    other = DavClient.new(server, group, drive=owner.drive)  # a second account (another device) of the user
    assert owner.mkcol("dir").status_code == 201
    assert owner.put("dir/doc.txt", b"v1").status_code == 201
    locked = owner.lock("dir/doc.txt", depth="0")
    assert locked.status_code == 200
    token = locked.headers["lock-token"]
    assert re.fullmatch(r"<opaquelocktoken:[0-9a-f]{32}>", token)
    assert re.search(r"<D:owner[^>]*>tester</D:owner>", locked.text) and "Second-600" in locked.text
    assert other.put("dir/doc.txt", b"v2").status_code == 423
    assert other.request("DELETE", "dir/doc.txt").status_code == 423
    assert other.move("dir/doc.txt", "moved.txt").status_code == 423
    assert other.request("DELETE", "dir").status_code == 423  # the lock is inside the folder
    assert other.lock("dir/doc.txt").status_code == 423
    assert other.get("dir/doc.txt").content == b"v1"
    # The File API sees the same lock.
    assert owner.drive.rename("cloudreve://my/dir/doc.txt", "x.txt")["code"] == 40073
    # Presenting the token lets the write through.
    assert other.put("dir/doc.txt", b"v2", If=f"({token})").status_code == 204
    assert other.put("dir/doc.txt", b"v3", If="(<opaquelocktoken:00000000000000000000000000000000>)").status_code \
        in (412, 423)
    discovered = owner.propfind("dir/doc.txt", "0").text
    assert token[1:-1] in discovered
    assert other.request("UNLOCK", "dir/doc.txt", headers={"Lock-Token": "<opaquelocktoken:nope>"}).status_code == 409
    assert owner.request("UNLOCK", "dir/doc.txt", headers={"Lock-Token": token}).status_code == 204
    assert other.put("dir/doc.txt", b"v4").status_code == 204


def test_lock_on_an_unmapped_url_creates_an_empty_file(dav: DavClient) -> None:
    response = dav.lock("new.txt", depth="0")
    assert response.status_code == 201
    assert dav.get("new.txt").content == b""
    token = response.headers["lock-token"]
    assert dav.put("new.txt", b"filled", If=f"({token})").status_code == 204
    assert dav.lock("nowhere/new.txt").status_code == 409


def test_lock_refresh_timeouts_and_depth(dav: DavClient) -> None:
    assert dav.mkcol("tree").status_code == 201
    locked = dav.lock("tree", depth="infinity", timeout="Second-30")
    assert locked.status_code == 200 and "<D:depth>infinity</D:depth>" in locked.text
    token = locked.headers["lock-token"]
    assert dav.put("tree/inner.txt", b"x").status_code == 423  # depth infinity covers new members
    assert dav.put("tree/inner.txt", b"x", If=f"({token})").status_code == 201
    refreshed = dav.request("LOCK", "tree", headers={"If": f"({token})", "Timeout": "Second-900"})
    assert refreshed.status_code == 200 and "Second-9" in refreshed.text
    stale = dav.request("LOCK", "tree", headers={"If": "(<opaquelocktoken:unknown>)", "Timeout": "Second-5"})
    assert stale.status_code == 412
    assert dav.lock("tree", depth="1").status_code == 400
    assert dav.lock("tree", timeout="Fortnight").status_code == 400
    assert dav.lock("tree", scope="everyone").status_code == 501  # only exclusive and shared scopes exist


def test_lock_expires(dav: DavClient) -> None:
    assert dav.put("brief.txt", b"b").status_code == 201
    assert dav.lock("brief.txt", timeout="Second-1").status_code == 200
    assert dav.put("brief.txt", b"c").status_code == 423
    time.sleep(1.5)
    assert dav.put("brief.txt", b"c").status_code == 204


# --- read-only accounts and sharing ----------------------------------------------------------------

def test_readonly_account_refuses_every_write(server: Server, group: int) -> None:
    writer = DavClient.new(server, group)
    assert writer.put("keep.txt", b"keep").status_code == 201
    reader = DavClient.new(server, group, drive=writer.drive, readonly=True)
    assert reader.get("keep.txt").content == b"keep"
    assert reader.propfind("", "1").status_code == 207
    proppatch = (b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
                 b'<Z:a xmlns:Z="urn:z">1</Z:a></D:prop></D:set></D:propertyupdate>')
    attempts = [reader.put("keep.txt", b"no"), reader.put("new.txt", b"no"), reader.mkcol("d"),
                reader.request("DELETE", "keep.txt"), reader.move("keep.txt", "k2.txt"),
                reader.move("keep.txt", "k3.txt", copy=True), reader.lock("keep.txt"),
                reader.request("UNLOCK", "keep.txt", headers={"Lock-Token": "<opaquelocktoken:x>"}),
                reader.request("PROPPATCH", "keep.txt", content=proppatch)]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert writer.names("") == ["keep.txt"] and writer.get("keep.txt").content == b"keep"


def test_share_rooted_account_reads_the_share_and_writes_nothing(server: Server, group: int) -> None:
    owner = DavClient.new(server, group)
    assert owner.mkcol("Shared").status_code == 201
    assert owner.put("Shared/doc.txt", b"shared words").status_code == 201
    made = owner.drive.call("PUT", "/share", {"uri": "cloudreve://my/Shared"})
    assert made["code"] == 0, made
    share_id = made["data"].rstrip("/").split("/")[-1]
    visitor = DavClient.new(server, group, uri=f"cloudreve://{share_id}@share")
    assert visitor.names("") == ["doc.txt"]
    assert visitor.get("doc.txt").content == b"shared words"
    assert visitor.put("doc.txt", b"mine now").status_code == 403
    assert visitor.put("new.txt", b"new").status_code == 403
    assert visitor.mkcol("d").status_code == 403
    assert visitor.request("DELETE", "doc.txt").status_code == 403
    assert owner.get("Shared/doc.txt").content == b"shared words"
    gone = DavClient.new(server, group, uri="cloudreve://Zzzz@share")
    assert gone.propfind("", "0").status_code == 404


def test_multistatus_is_well_formed_for_every_property_request(dav: DavClient) -> None:
    import xml.etree.ElementTree as ET

    assert dav.put("n&'.txt", b"esc").status_code == 201
    for body in (b"", PROPFIND_ALL, b'<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>'):
        response = dav.propfind("", "1", body)
        assert response.status_code == 207
        root = ET.fromstring(response.content)
        assert root.tag == "{DAV:}multistatus"
    assert "<D:href>/dav/n&amp;'.txt</D:href>" in dav.propfind("", "1").text
