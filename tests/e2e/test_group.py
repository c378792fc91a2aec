"""Group group end to end: listing groups (spec: group-webdav-vas.md)."""

from __future__ import annotations

from tests.conftest import Api, Server
from tests.e2e.helpers import database, group_hash


def test_group_list_needs_a_signed_in_user(api: Api) -> None:
    result = api.get("/group/list")
    assert result["code"] == 401 and "data" not in result
    assert api.get("/group/list", "garbage")["code"] == 401


def test_group_list_answers_redacted_groups_without_anonymous(api: Api, server: Server) -> None:
    _, token = api.new_user()
    result = api.get("/group/list", token)
    assert result["code"] == 0 and result["msg"] == ""
    groups = result["data"]
    assert all(set(group) == {"id", "name"} for group in groups)

    with database(server) as conn:
        rows = conn.execute("SELECT id, name FROM groups WHERE deleted_at IS NULL ORDER BY id").fetchall()
    expected = [{"id": group_hash(server, row["id"]), "name": row["name"]} for row in rows if row["id"] != 3]
    assert sorted(groups, key=lambda g: g["id"]) == sorted(expected, key=lambda g: g["id"])

    names = {group["name"] for group in groups}
    assert {"Admin", "User"} <= names
    assert "Anonymous" not in names
    assert group_hash(server, 3) not in {group["id"] for group in groups}


def test_group_list_follows_new_groups(api: Api, server: Server) -> None:
    _, token = api.new_user()
    with database(server) as conn:
        conn.execute("INSERT INTO groups (name, max_storage, speed_limit, permissions, settings, created_at, "
                     "updated_at) VALUES ('Friends', 0, 0, ?, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", (b"",))
        new_id = conn.execute("SELECT max(id) FROM groups").fetchone()[0]
    try:
        groups = api.get("/group/list", token)["data"]
        assert {"id": group_hash(server, new_id), "name": "Friends"} in groups
    finally:
        with database(server) as conn:
            conn.execute("DELETE FROM groups WHERE id = ?", (new_id,))
