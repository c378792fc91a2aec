"""Uploads end to end (spec: upload.md; files.md §5): sessions, chunks, completion, cancel, resume."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import Server
from tests.e2e.capacity import assert_capacity_invariant, storage_of
from tests.e2e.helpers import UUID_RE, database, hash_ids
from tests.e2e.transfers import CHUNK, Client, kill_hard, set_policy, transfer_server

GIB = 1 << 30


def file_rows(server: Server, name: str) -> list[Any]:
    with database(server) as conn:
        return conn.execute("SELECT * FROM files WHERE name = ?", (name,)).fetchall()


def blobs_of(server: Server, email: str) -> list[Path]:
    with database(server) as conn:
        uid = conn.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0]
    root = server.data_dir / "uploads" / str(uid)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def wait_for(condition: Any, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


# --- sessions and chunks ---------------------------------------------------------------------------

def test_small_upload_round_trips_and_the_credential_follows_the_wire_format(client: Client) -> None:
    data = os.urandom(1000)
    before = time.time()
    credential = client.session("cloudreve://my/docs/small.bin", len(data), last_modified=1_700_000_000_000)
    assert UUID_RE.match(credential["session_id"])
    assert set(credential) == {"session_id", "upload_id", "chunk_size", "expires", "storage_policy", "uri",
                               "callback_secret"}
    assert credential["upload_id"] == "" and credential["chunk_size"] == CHUNK
    assert before + 86400 - 5 <= credential["expires"] <= time.time() + 86400 + 5
    assert credential["uri"] == "cloudreve://my/docs/small.bin"
    assert len(credential["callback_secret"]) == 32
    assert credential["storage_policy"] == {"id": client.policy_id, "name": "Default storage policy",
                                            "type": "local", "max_size": 0}

    # While uploading: listed with size 0, marked with the session, no primary entity, storage reserved.
    placeholder = client.info("cloudreve://my/docs/small.bin")
    assert placeholder["size"] == 0
    assert placeholder["metadata"] == {"sys:upload_session_id": credential["session_id"]}
    assert placeholder["primary_entity"] == hash_ids(client.server).encode(0, 8)
    assert storage_of(client.server, client.email) == len(data)
    failed = client.urls(["cloudreve://my/docs/small.bin"])
    assert failed["code"] == 40081
    assert failed["aggregated_error"]["cloudreve://my/docs/small.bin"]["code"] == 40077

    assert client.chunk(credential["session_id"], 0, data) == {"code": 0, "msg": ""}
    done = client.info("cloudreve://my/docs/small.bin", extended=True)
    assert done["size"] == len(data) and done["metadata"] is None
    assert [e["size"] for e in done["extended_info"]["entities"]] == [len(data)]
    assert done["extended_info"]["entities"][0]["created_at"]
    assert client.download("cloudreve://my/docs/small.bin") == data
    assert storage_of(client.server, client.email) == len(data)
    with database(client.server) as conn:
        assert conn.execute("SELECT count(*) FROM upload_sessions WHERE id = ?",
                            (credential["session_id"],)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM fs_locks").fetchone()[0] == 0
        entity = conn.execute("SELECT * FROM entities WHERE size = ? AND created_by = "
                              "(SELECT id FROM users WHERE email = ?)", (len(data), client.email)).fetchone()
    assert entity["upload_session_id"] is None
    assert entity["updated_at"].startswith("2023-11-14 22:13:20")  # last_modified, in UTC


def test_empty_file_upload_completes_with_one_empty_chunk(client: Client) -> None:
    credential = client.session("cloudreve://my/empty.txt", 0)
    assert client.chunk(credential["session_id"], 0, b"") == {"code": 0, "msg": ""}
    assert client.info("cloudreve://my/empty.txt")["size"] == 0
    assert client.download("cloudreve://my/empty.txt") == b""


def test_multi_chunk_upload_with_retries_round_trips(client: Client) -> None:
    data = os.urandom(CHUNK * 3 + 1234)
    sid = client.session("cloudreve://my/big.bin", len(data))["session_id"]
    pieces = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    assert client.chunk(sid, 0, pieces[0])["code"] == 0
    assert client.chunk(sid, 1, pieces[1])["code"] == 0
    assert client.chunk(sid, 1, pieces[1])["code"] == 0  # a retry of an earlier chunk is fine
    out_of_order = client.chunk(sid, 3, pieces[3])  # chunk 2 is missing: refused, body drained
    assert out_of_order["code"] == 50004
    assert client.info("cloudreve://my/big.bin")["size"] == 0  # not completed by the refused last chunk
    assert client.chunk(sid, 2, pieces[2])["code"] == 0
    assert client.chunk(sid, 3, pieces[3])["code"] == 0
    assert client.info("cloudreve://my/big.bin")["size"] == len(data)
    assert client.download("cloudreve://my/big.bin") == data
    assert client.chunk(sid, 3, pieces[3])["code"] == 40011  # the session is gone once completed


def test_chunk_length_and_index_rules(client: Client) -> None:
    size = CHUNK * 2 + 10
    sid = client.session("cloudreve://my/rules.bin", size)["session_id"]
    short = client.chunk(sid, 0, b"x" * 100)
    assert short["code"] == 40013 and short["msg"] == f"Invalid Content-Length (expected: {CHUNK})"
    last = client.chunk(sid, 2, b"x" * CHUNK)
    assert last["code"] == 40013 and last["msg"] == "Invalid Content-Length (expected: 10)"
    assert client.chunk(sid, 3, b"x" * 10)["code"] == 40012
    assert client.chunk(sid, -1, b"x" * CHUNK)["code"] == 40012
    assert client.chunk(sid, "first", b"x" * CHUNK)["code"] == 40001
    # Every refused body was drained: the same connection keeps working.
    client.send_chunks(sid, b"y" * size, CHUNK)
    assert client.download("cloudreve://my/rules.bin") == b"y" * size


def test_a_refused_chunk_is_drained_so_the_connection_stays_usable(client: Client, server: Server) -> None:
    sid = client.session("cloudreve://my/drained.bin", CHUNK * 3)["session_id"]
    body = b"d" * (CHUNK * 8)  # an index past the end: refused before a byte is stored
    head = (f"POST /api/v4/file/upload/{sid}/9 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {client.token}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body)
        reader = sock.makefile("rb")
        first = read_response(reader)
        assert json.loads(first)["code"] == 40012
        sock.sendall(b"GET /api/v4/site/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert json.loads(read_response(reader))["code"] == 0


def read_response(reader: Any) -> bytes:
    status = reader.readline()
    assert status.startswith(b"HTTP/1.1 200"), status
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return reader.read(length)  # type: ignore[no-any-return]


def test_sessions_of_others_unknown_or_expired_answer_40011(client: Client, server: Server) -> None:
    other = Client.new(server)
    credential = client.session("cloudreve://my/mine.bin", 100)
    sid = credential["session_id"]
    assert client.chunk(sid, 0, b"z" * 100, token=other.token)["code"] == 40011
    assert client.chunk(sid, 0, b"z" * 100, token=None)["code"] == 40011
    assert client.chunk("9897ebae-7b73-4169-aabc-6396f470e4bb", 0, b"z" * 100)["code"] == 40011
    assert other.cancel(sid, "cloudreve://my/mine.bin")["code"] != 0  # not theirs to cancel

    with database(server) as conn:
        conn.execute("UPDATE upload_sessions SET expires_at = '2000-01-01 00:00:00' WHERE id = ?", (sid,))
    assert client.chunk(sid, 0, b"z" * 100)["code"] == 40011
    # The clean-up job drops the expired session, its placeholder file and the reserved storage.
    wait_for(lambda: not file_rows(server, "mine.bin"))
    wait_for(lambda: storage_of(server, client.email) == 0)
    wait_for(lambda: not blobs_of(server, client.email))


def test_capacity_size_type_and_name_are_checked_before_any_byte_is_stored(client: Client, server: Server) -> None:
    refused = client.start("cloudreve://my/huge.bin", GIB + 1)
    assert refused["code"] == 40051
    assert not file_rows(server, "huge.bin") and not blobs_of(server, client.email)
    assert storage_of(server, client.email) == 0

    client.upload("cloudreve://my/some.bin", b"s" * 1000)
    assert client.start("cloudreve://my/rest.bin", GIB - 1000 + 1)["code"] == 40051
    fits = client.session("cloudreve://my/rest.bin", GIB - 1000)
    assert storage_of(server, client.email) == GIB
    assert client.cancel(fits["session_id"], "cloudreve://my/rest.bin")["code"] == 0
    assert storage_of(server, client.email) == 1000

    set_policy(server, max_size=5000)
    try:
        assert client.start("cloudreve://my/five.bin", 5001)["code"] == 40049
        assert client.cancel(client.session("cloudreve://my/five.bin", 5000)["session_id"],
                             "cloudreve://my/five.bin")["code"] == 0
    finally:
        set_policy(server, max_size=0)
    set_policy(server, file_type=["txt", "md"])
    try:
        assert client.start("cloudreve://my/tool.exe", 10)["code"] == 40050
    finally:
        set_policy(server, file_type=[])
    assert client.start("cloudreve://my/bad:name.txt", 10)["code"] == 40052
    assert client.start("cloudreve://my/some.bin", 10)["code"] == 40004  # exists, no entity_type
    assert client.start("cloudreve://my/nothing.mov", 10, entity_type="live_photo")["code"] == 40016
    assert client.start("cloudreve://my/x.bin", 10, entity_type="thumbnail")["code"] == 40001
    assert client.start("cloudreve://my/x.bin", 10, policy_id="nope")["code"] == 40001
    assert client.start("cloudreve://my/x.bin", -1)["code"] == 40001
    assert client.start("cloudreve://my/x.bin", 10, metadata={"sys:bad": "1"})["code"] == 40001
    assert server.api.put("/file/upload", {"uri": "cloudreve://my/x.bin", "size": 1,
                                           "policy_id": client.policy_id})["code"] == 401
    assert not file_rows(server, "x.bin") and not file_rows(server, "tool.exe") and not file_rows(server, "five.bin")
    assert storage_of(server, client.email) == 1000


def test_concurrent_uploads_of_one_name_leave_one_session_and_one_row(client: Client, server: Server) -> None:
    barrier = threading.Barrier(6)

    def start(uri: str, entity_type: str) -> dict[str, Any]:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            barrier.wait()
            return http.put("/api/v4/file/upload", headers={"authorization": f"Bearer {client.token}"},
                            json={"uri": uri, "size": 10, "policy_id": client.policy_id,
                                  "entity_type": entity_type}).json()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: start("cloudreve://my/race/same.txt", ""), range(6)))
    assert sorted(r["code"] for r in results).count(0) == 1, results
    assert {r["code"] for r in results} <= {0, 40004, 40073}
    assert len(file_rows(server, "same.txt")) == 1

    barrier.reset()
    client.upload("cloudreve://my/race/existing.txt", b"e" * 10)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: start("cloudreve://my/race/existing.txt", "version"), range(6)))
    assert [r["code"] for r in results].count(0) == 1, results
    conflicts = [r for r in results if r["code"] != 0]
    assert all(r["code"] == 40073 for r in conflicts)
    assert conflicts[0]["data"][0]["owner"]["application"]["type"] == "upload"
    assert conflicts[0]["data"][0]["path"] == "cloudreve://my/race/existing.txt"
    assert len(file_rows(server, "existing.txt")) == 1
    assert storage_of(server, client.email) == 10 + 10 + 10


def test_version_overwrite_keeps_at_most_the_configured_number(client: Client, server: Server) -> None:
    assert client.call("PATCH", "/user/setting", {"version_retention_enabled": True,
                                                  "version_retention_max": 2})["code"] == 0
    uri = "cloudreve://my/notes.txt"
    versions = [os.urandom(100 + i) for i in range(3)]
    client.upload(uri, versions[0])
    before = client.info(uri)["primary_entity"]
    sid = client.session(uri, len(versions[1]), entity_type="version")["session_id"]
    assert client.info(uri)["primary_entity"] == before  # the current version serves until completion
    assert client.download(uri) == versions[0]
    client.send_chunks(sid, versions[1], CHUNK)
    client.upload(uri, versions[2], entity_type="version")
    info = client.info(uri, extended=True)
    entities = info["extended_info"]["entities"]
    assert [e["size"] for e in entities] == [len(versions[2]), len(versions[1])]
    assert info["primary_entity"] == entities[0]["id"] and info["size"] == len(versions[2])
    assert client.download(uri) == versions[2]
    assert client.download(uri, entity=entities[1]["id"]) == versions[1]
    assert storage_of(server, client.email) == len(versions[1]) + len(versions[2])
    wait_for(lambda: len(blobs_of(server, client.email)) == 2)  # the oldest blob is recycled

    assert client.call("PATCH", "/user/setting", {"version_retention_enabled": False})["code"] == 0
    client.upload(uri, b"latest", entity_type="version")
    assert [e["size"] for e in client.info(uri, extended=True)["extended_info"]["entities"]] == [6]
    assert storage_of(server, client.email) == 6


def test_cancel_releases_storage_and_is_idempotent(client: Client, server: Server) -> None:
    data = os.urandom(CHUNK * 2 + 5)
    credential = client.session("cloudreve://my/cancel/me.bin", len(data))
    sid = credential["session_id"]
    assert client.chunk(sid, 0, data[:CHUNK])["code"] == 0
    assert storage_of(server, client.email) == len(data)
    assert client.cancel(sid, "cloudreve://my/cancel/me.bin") == {"code": 0, "msg": ""}
    assert storage_of(server, client.email) == 0
    assert not file_rows(server, "me.bin")  # the placeholder was its only entity: the file goes
    wait_for(lambda: not blobs_of(server, client.email))
    assert client.chunk(sid, 1, data[CHUNK:2 * CHUNK])["code"] == 40011
    assert client.session("cloudreve://my/cancel/me.bin", 3)["session_id"]  # the path is free again

    client.upload("cloudreve://my/cancel/kept.txt", b"old")
    sid = client.session("cloudreve://my/cancel/kept.txt", 500, entity_type="version")["session_id"]
    assert client.cancel(sid, "cloudreve://my/cancel/kept.txt")["code"] == 0
    assert client.cancel(sid, "cloudreve://my/cancel/kept.txt")["code"] == 0
    assert client.download("cloudreve://my/cancel/kept.txt") == b"old"
    assert client.info("cloudreve://my/cancel/kept.txt")["metadata"] is None
    assert storage_of(server, client.email) == 3 + 3


def test_an_expired_placeholder_gives_way_to_a_new_session(client: Client, server: Server) -> None:
    uri = "cloudreve://my/again.bin"
    old = client.session(uri, 300)["session_id"]
    with database(server) as conn:
        conn.execute("UPDATE upload_sessions SET expires_at = '2000-01-01 00:00:00' WHERE id = ?", (old,))
        conn.execute("UPDATE fs_locks SET expires_at = '2000-01-01 00:00:00' WHERE path = '/again.bin'")
    # Whether the clean-up job got there first or not, a version upload takes the path over.
    data = os.urandom(200)
    client.upload(uri, data, entity_type="version")
    assert client.download(uri) == data
    assert client.chunk(old, 0, b"o" * 300)["code"] == 40011
    assert [e["size"] for e in client.info(uri, extended=True)["extended_info"]["entities"]] == [200]
    assert storage_of(server, client.email) == 200
    assert len(file_rows(server, "again.bin")) == 1


# --- PUT /file/content -----------------------------------------------------------------------------

def test_put_content_creates_updates_and_refuses_stale_edits(client: Client, server: Server) -> None:
    created = client.put_content("cloudreve://my/edit/new/readme.md", b"# one\n")
    assert created["code"] == 0, created
    first = created["data"]
    assert first["name"] == "readme.md" and first["size"] == 6 and first["path"] == "cloudreve://my/edit/new/readme.md"
    assert client.download("cloudreve://my/edit/new/readme.md") == b"# one\n"

    updated = client.put_content("cloudreve://my/edit/new/readme.md", b"# two\n!", previous=first["primary_entity"])
    assert updated["code"] == 0 and updated["data"]["size"] == 7
    assert updated["data"]["primary_entity"] != first["primary_entity"]
    stale = client.put_content("cloudreve://my/edit/new/readme.md", b"# three", previous=first["primary_entity"])
    assert stale["code"] == 40076
    assert client.download("cloudreve://my/edit/new/readme.md") == b"# two\n!"
    assert client.put_content("cloudreve://my/edit/new", b"x")["code"] == 40004
    assert client.put_content("cloudreve://my/edit/new/readme.md", b"x", previous="garbage")["code"] == 40001
    # New versions are capped like uploads (retention on, at most 10 by default).
    assert storage_of(server, client.email) == 6 + 7
    assert_capacity_invariant(server)
    with database(server) as conn:
        assert conn.execute("SELECT count(*) FROM upload_sessions WHERE owner_id = "
                            "(SELECT id FROM users WHERE email = ?)", (client.email,)).fetchone()[0] == 0


# --- restart ---------------------------------------------------------------------------------------

def test_upload_resumes_after_the_server_is_killed(server_factory: Any) -> None:
    first = transfer_server(server_factory, fresh=True)
    client = Client.new(first)
    data = os.urandom(CHUNK * 4 + 77)
    pieces = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    sid = client.session("cloudreve://my/resume/video.bin", len(data))["session_id"]
    client.chunk(sid, 0, pieces[0])
    client.chunk(sid, 1, pieces[1])

    release = threading.Event()
    outcome: dict[str, Any] = {}

    def half_then_wait() -> Iterator[bytes]:
        yield pieces[2][:CHUNK // 2]
        release.wait(10)
        yield pieces[2][CHUNK // 2:]

    def send() -> None:
        try:
            outcome["response"] = httpx.post(
                f"{first.base}/api/v4/file/upload/{sid}/2", content=half_then_wait(), timeout=10,
                headers={"authorization": f"Bearer {client.token}", "content-length": str(CHUNK)})
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.5)  # half of chunk 2 is on its way
    kill_hard(first)
    release.set()
    sender.join(15)
    assert "error" in outcome, outcome

    second = Server(first.data_dir, first.env).start()
    try:
        client = Client(second, client.email, client.token)
        assert client.info("cloudreve://my/resume/video.bin")["metadata"] == {"sys:upload_session_id": sid}
        assert client.start("cloudreve://my/resume/video.bin", 5, entity_type="version")["code"] == 40073
        for index in range(2, len(pieces)):
            assert client.chunk(sid, index, pieces[index]) == {"code": 0, "msg": ""}, index
        assert client.info("cloudreve://my/resume/video.bin")["size"] == len(data)
        assert client.download("cloudreve://my/resume/video.bin") == data
        assert_capacity_invariant(second)
    finally:
        second.stop()
