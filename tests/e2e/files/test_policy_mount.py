"""Storage policy mounts end to end (spec: files.md §19; user.md ``GET /user/setting/policies``): a group
with several policies, mounting one on a folder, and where uploads below it go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.file_helpers import Drive, make_group
from tests.e2e.helpers import columns, database, hash_ids
from tests.e2e.transfers import Client, member

POLICY, ENTITY, FILE = 5, 8, 2


def new_policy(server: Server, name: str) -> int:
    """A local policy like the default one, storing below ``<data dir>/<name>``."""
    root = server.data_dir / name
    with database(server) as conn:
        listed = ", ".join(c for c in columns(conn, "storage_policies") if c not in ("id", "name"))
        cursor = conn.execute(f"INSERT INTO storage_policies (name, {listed}) SELECT ?, {listed} "
                              "FROM storage_policies WHERE id = 1 RETURNING id", (name,))
        policy_id = int(cursor.fetchone()[0])
        conn.execute("UPDATE storage_policies SET dir_name_rule = ? WHERE id = ?",
                     (f"{root}/{{uid}}/{{path}}", policy_id))
    return policy_id


def allow(server: Server, group_id: int, policy_id: int) -> None:
    with database(server) as conn:
        conn.execute("INSERT INTO group_storage_policies (group_id, storage_policy_id) VALUES (?, ?)",
                     (group_id, policy_id))


def entity_policy(client: Client, uri: str) -> tuple[int, Path]:
    """(policy id, blob path) of a file's current version."""
    entity_id = hash_ids(client.server).decode(client.info(uri)["primary_entity"], ENTITY)
    with database(client.server) as conn:
        policy, source = conn.execute("SELECT storage_policy_entities, source FROM entities WHERE id = ?",
                                      (entity_id,)).fetchone()
    return int(policy), Path(source)


def mount(client: Client, uri: str, policy: str) -> dict[str, Any]:
    return client.call("PATCH", "/file/policy", {"uri": uri, "policy_id": policy})


@pytest.fixture(scope="module")
def policies(server: Server) -> dict[str, int]:
    fast, cold, foreign = (new_policy(server, n) for n in ("fast-disk", "cold-disk", "not-ours"))
    group = make_group(server, "two policies")
    allow(server, group, fast)
    allow(server, group, cold)
    return {"group": group, "fast": fast, "cold": cold, "foreign": foreign}


def test_the_groups_policies_are_listed(client: Client, server: Server, policies: dict[str, int]) -> None:
    ids = hash_ids(server)
    default_only = client.call("GET", "/user/setting/policies")["data"]
    assert [p["id"] for p in default_only] == [ids.encode(1, POLICY)]
    listed = member(server, policies["group"]).call("GET", "/user/setting/policies")["data"]
    assert [p["id"] for p in listed] == [ids.encode(i, POLICY) for i in (1, policies["fast"], policies["cold"])]
    assert [p["name"] for p in listed] == ["Default storage policy", "fast-disk", "cold-disk"]
    assert all(p["type"] == "local" and p["max_size"] == 0 for p in listed)


def test_uploads_below_a_mounted_folder_use_its_policy(server: Server, policies: dict[str, int]) -> None:
    ids = hash_ids(server)
    client = member(server, policies["group"])
    drive = Drive(server.api, server, client.email, client.token)
    drive.folder("cloudreve://my/media/raw")
    drive.folder("cloudreve://my/plain")
    fast, cold = ids.encode(policies["fast"], POLICY), ids.encode(policies["cold"], POLICY)
    assert mount(client, "cloudreve://my/media", fast) == {"code": 0, "msg": ""}

    credential = client.upload("cloudreve://my/media/raw/clip.bin", b"c" * 1000)
    assert credential["storage_policy"]["id"] == fast and credential["storage_policy"]["name"] == "fast-disk"
    policy, blob = entity_policy(client, "cloudreve://my/media/raw/clip.bin")
    assert policy == policies["fast"]
    assert blob.is_relative_to(server.data_dir / "fast-disk") and blob.read_bytes() == b"c" * 1000
    assert client.download("cloudreve://my/media/raw/clip.bin") == b"c" * 1000
    client.upload("cloudreve://my/media/new/deeper/sample.bin", b"x")  # missing folders created on the way
    assert entity_policy(client, "cloudreve://my/media/new/deeper/sample.bin")[0] == policies["fast"]
    drive.create("cloudreve://my/media/empty.txt")
    assert entity_policy(client, "cloudreve://my/media/empty.txt")[0] == policies["fast"]
    client.upload("cloudreve://my/plain/p.bin", b"p")
    assert entity_policy(client, "cloudreve://my/plain/p.bin")[0] == 1

    # A nearer mount wins below it; a new version goes where its folder says now.
    assert mount(client, "cloudreve://my/media/raw", cold)["code"] == 0
    assert client.put_content("cloudreve://my/media/raw/clip.bin", b"edited")["code"] == 0
    assert entity_policy(client, "cloudreve://my/media/raw/clip.bin")[0] == policies["cold"]
    assert client.download("cloudreve://my/media/raw/clip.bin") == b"edited"

    media = client.info("cloudreve://my/media", extended=True)["extended_info"]
    assert media["storage_policy"]["id"] == fast and media["storage_policy_inherited"] is False
    below = client.info("cloudreve://my/media/new/deeper", extended=True)["extended_info"]
    assert below["storage_policy"]["id"] == fast and below["storage_policy_inherited"] is True
    plain = client.info("cloudreve://my/plain", extended=True)["extended_info"]
    assert plain["storage_policy"]["id"] == ids.encode(1, POLICY) and plain["storage_policy_inherited"] is True
    file_info = client.info("cloudreve://my/media/raw/clip.bin", extended=True)["extended_info"]
    assert file_info["storage_policy_inherited"] is False
    assert drive.list("cloudreve://my/media/raw")["data"]["storage_policy"]["id"] == cold
    assert drive.list("cloudreve://my/plain")["data"]["storage_policy"]["id"] == ids.encode(1, POLICY)

    # Once the group may no longer use a policy, its mount is passed over.
    with database(server) as conn:
        conn.execute("DELETE FROM group_storage_policies WHERE group_id = ? AND storage_policy_id = ?",
                     (policies["group"], policies["cold"]))
    try:
        client.upload("cloudreve://my/media/raw/after.bin", b"a")
        assert entity_policy(client, "cloudreve://my/media/raw/after.bin")[0] == policies["fast"]
    finally:
        with database(server) as conn:
            conn.execute("INSERT INTO group_storage_policies (group_id, storage_policy_id) VALUES (?, ?)",
                         (policies["group"], policies["cold"]))


def test_only_usable_policies_on_own_folders(client: Client, server: Server, policies: dict[str, int]) -> None:
    ids = hash_ids(server)
    fast = ids.encode(policies["fast"], POLICY)
    Drive(server.api, server, client.email, client.token).folder("cloudreve://my/box")
    assert mount(client, "cloudreve://my/box", fast)["code"] == 403  # not a policy of this user's group
    share_group = make_group(server, "two policies, sharing", permissions=[2])
    allow(server, share_group, policies["fast"])
    client = member(server, share_group)
    drive = Drive(server.api, server, client.email, client.token)
    drive.folder("cloudreve://my/box")
    client.upload("cloudreve://my/box/f.txt", b"f")
    share = client.call("PUT", "/share", {"uri": "cloudreve://my/box"})["data"].rstrip("/").split("/")[-1]
    assert mount(client, "cloudreve://my/box", ids.encode(policies["foreign"], POLICY))["code"] == 403
    assert mount(client, "cloudreve://my/box", ids.encode(10 ** 6, POLICY))["code"] == 40035
    assert mount(client, "cloudreve://my/box", ids.encode(policies["fast"], FILE))["code"] == 40001
    assert mount(client, "cloudreve://my/box", "nonsense")["code"] == 40001
    assert mount(client, "cloudreve://my/box/f.txt", fast)["code"] == 403  # not a folder
    assert mount(client, "cloudreve://my/nothing", fast)["code"] == 40016
    assert mount(client, f"cloudreve://{share}@share", fast)["code"] == 403
    other = member(server, policies["group"])
    foreign = f"cloudreve://{ids.encode(drive.user_id, 1)}@my/box"
    assert mount(other, foreign, fast)["code"] == 403
    assert server.api.patch("/file/policy", {"uri": "cloudreve://my/box", "policy_id": fast})["code"] == 401
    assert client.call("PATCH", "/file/policy", {"uri": "cloudreve://my/box"})["code"] == 40001
    with database(server) as conn:
        rows = conn.execute("SELECT mounted_policy_id FROM files WHERE name = 'box' AND owner_id = ?",
                            (drive.user_id,)).fetchall()
    assert [r[0] for r in rows] == [None]
    assert client.info("cloudreve://my/box", extended=True)["extended_info"]["storage_policy_inherited"] is True
