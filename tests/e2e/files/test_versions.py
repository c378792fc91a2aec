"""File versions end to end (spec: files.md §11): choosing the current version, deleting old ones, and
the owner's version retention applied to every new version."""

from __future__ import annotations

import os
import time
from typing import Any

from tests.conftest import Server
from tests.e2e.capacity import storage_of
from tests.e2e.helpers import database, hash_ids
from tests.e2e.transfers import Client

FILE_ID, ENTITY_ID = 2, 8


def entities(client: Client, uri: str) -> list[dict[str, Any]]:
    return client.info(uri, extended=True)["extended_info"]["entities"]  # type: ignore[no-any-return]


def two_versions(client: Client, uri: str) -> tuple[bytes, bytes, list[dict[str, Any]]]:
    old, new = os.urandom(300), os.urandom(700)
    client.upload(uri, old)
    assert client.put_content(uri, new)["code"] == 0
    found = entities(client, uri)
    assert [e["size"] for e in found] == [700, 300]
    return old, new, found


def add_thumbnail(client: Client, uri: str, size: int) -> str:
    """Link a thumbnail entity of ``size`` bytes to the file (charged to its owner), as thumbnails are."""
    server = client.server
    file_id = hash_ids(server).decode(client.info(uri)["id"], FILE_ID)
    with database(server) as conn:
        owner, policy = conn.execute("SELECT owner_id, storage_policy_files FROM files WHERE id = ?",
                                     (file_id,)).fetchone()
        entity = conn.execute(
            "INSERT INTO entities (type, source, size, reference_count, storage_policy_entities, created_by, "
            "created_at, updated_at) VALUES (1, ?, ?, 1, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id",
            (f"thumbs/{file_id}.jpg", size, policy, owner)).fetchone()[0]
        conn.execute("INSERT INTO file_entities (file_id, entity_id) VALUES (?, ?)", (file_id, entity))
        conn.execute("UPDATE users SET storage = storage + ? WHERE id = ?", (size, owner))
    return str(hash_ids(server).encode(int(entity or 0), ENTITY_ID))


def set_current(client: Client, uri: str, version: str, token: str | None = "") -> dict[str, Any]:
    auth = client.token if token == "" else token
    return client.server.api.post("/file/version/current", {"uri": uri, "version": version}, auth)


def test_set_current_version_changes_content_and_size_and_drops_thumbnails(client: Client) -> None:
    uri = "cloudreve://my/docs/report.txt"
    old, new, found = two_versions(client, uri)
    thumb = add_thumbnail(client, uri, 40)
    assert storage_of(client.server, client.email) == 300 + 700 + 40

    result = set_current(client, uri, found[1]["id"])
    assert result == {"code": 0, "msg": ""}
    info = client.info(uri, extended=True)
    assert info["primary_entity"] == found[1]["id"] and info["size"] == 300
    assert client.download(uri) == old
    assert thumb not in [e["id"] for e in info["extended_info"]["entities"]]  # unlinked ...
    assert storage_of(client.server, client.email) == 300 + 700  # ... and no longer charged
    assert info["extended_info"]["storage_used"] == 1000

    assert set_current(client, uri, found[1]["id"]) == {"code": 0, "msg": ""}  # already current: nothing to do
    assert set_current(client, uri, found[0]["id"])["code"] == 0
    assert client.info(uri)["size"] == 700 and client.download(uri) == new


def test_a_thumbnail_or_a_foreign_entity_cannot_become_current(client: Client) -> None:
    uri = "cloudreve://my/pic.txt"
    _, _, found = two_versions(client, uri)
    thumb = add_thumbnail(client, uri, 10)
    assert set_current(client, uri, thumb)["code"] == 40077
    client.upload("cloudreve://my/other.txt", b"elsewhere")
    foreign = client.info("cloudreve://my/other.txt")["primary_entity"]
    assert set_current(client, uri, foreign)["code"] == 40077
    assert set_current(client, uri, "not-an-id")["code"] == 40001
    assert set_current(client, "cloudreve://my", found[1]["id"])["code"] == 403  # a folder has no versions
    assert client.info(uri)["primary_entity"] == found[0]["id"]


def test_delete_version_releases_storage_and_the_blob(client: Client, server: Server) -> None:
    uri = "cloudreve://my/keep.txt"
    _, new, found = two_versions(client, uri)
    current, old = found[0]["id"], found[1]["id"]

    refused = client.call("DELETE", "/file/version", {"uri": uri, "version": current})
    assert refused["code"] == 403 and refused["msg"] == "cannot delete current version"

    with database(server) as conn:
        source = conn.execute("SELECT source FROM entities WHERE id = ?",
                              (hash_ids(server).decode(old, ENTITY_ID),)).fetchone()[0]
    assert os.path.exists(source)
    assert client.call("DELETE", "/file/version", {"uri": uri, "version": old}) == {"code": 0, "msg": ""}
    assert [e["id"] for e in entities(client, uri)] == [current]
    assert storage_of(server, client.email) == 700
    with database(server) as conn:  # unreferenced, then recycled by the entity collector
        row = conn.execute("SELECT reference_count FROM entities WHERE id = ?",
                           (hash_ids(server).decode(old, ENTITY_ID),)).fetchone()
    assert row is None or row[0] == 0
    deadline = time.monotonic() + 8
    while os.path.exists(source):
        assert time.monotonic() < deadline, "old blob not recycled"
        time.sleep(0.1)
    assert client.download(uri) == new

    again = client.call("DELETE", "/file/version", {"uri": uri, "version": old})
    assert again["code"] == 40077  # no longer linked


def test_delete_version_by_query_parameters(client: Client) -> None:
    uri = "cloudreve://my/q.txt"
    _, _, found = two_versions(client, uri)
    result = client.call("DELETE", "/file/version", params={"uri": uri, "version": found[1]["id"]})
    assert result == {"code": 0, "msg": ""}
    assert len(entities(client, uri)) == 1
    assert client.call("DELETE", "/file/version", params={"uri": uri})["code"] == 40001


def test_versions_of_another_users_file_are_refused(client: Client, server: Server) -> None:
    uri = "cloudreve://my/mine.txt"
    _, _, found = two_versions(client, uri)
    other = Client.new(server)
    foreign = f"cloudreve://{hash_ids(server).encode(_user_id(client), 1)}@my/mine.txt"
    assert set_current(other, foreign, found[1]["id"])["code"] == 403
    assert other.call("DELETE", "/file/version", {"uri": foreign, "version": found[1]["id"]})["code"] == 403

    share = client.call("PUT", "/share", {"uri": "cloudreve://my/mine.txt"})
    assert share["code"] == 0, share
    share_id = share["data"].rstrip("/").split("/")[-1]
    shared = f"cloudreve://{share_id}@share/mine.txt"
    assert set_current(other, shared, found[1]["id"])["code"] == 40082
    assert other.call("DELETE", "/file/version", {"uri": shared, "version": found[1]["id"]})["code"] == 40082
    assert set_current(client, uri, found[1]["id"], token=None)["code"] == 401
    assert [e["id"] for e in entities(client, uri)] == [found[0]["id"], found[1]["id"]]
    assert client.info(uri)["primary_entity"] == found[0]["id"]


def _user_id(client: Client) -> int:
    with database(client.server) as conn:
        return int(conn.execute("SELECT id FROM users WHERE email = ?", (client.email,)).fetchone()[0])


def test_retention_applies_to_every_new_version(client: Client, server: Server) -> None:
    patch = {"version_retention_enabled": True, "version_retention_max": 3, "version_retention_ext": ["md"]}
    assert client.call("PATCH", "/user/setting", patch)["code"] == 0
    kept, dropped = "cloudreve://my/notes.md", "cloudreve://my/data.bin"
    for i in range(5):
        body = os.urandom(50 + i)
        for uri in (kept, dropped):
            if i == 0:
                client.upload(uri, body)
            elif i % 2:
                assert client.put_content(uri, body)["code"] == 0  # an edit is a new version
            else:
                client.upload(uri, body, entity_type="version")  # so is an upload over the file
    assert [e["size"] for e in entities(client, kept)] == [54, 53, 52]  # the newest three
    assert [e["size"] for e in entities(client, dropped)] == [54]  # not a retained extension: one
    assert storage_of(server, client.email) == 54 + 53 + 52 + 54

    # An older version made current stays; the cap counts versions, the oldest go first.
    older = entities(client, kept)[-1]["id"]
    assert set_current(client, kept, older)["code"] == 0
    assert client.put_content(kept, b"fresh")["code"] == 0
    assert [e["size"] for e in entities(client, kept)] == [5, 54, 53]
