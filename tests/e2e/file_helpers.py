"""Helpers for the File API end-to-end tests: a drive client and looks into the server's database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pyreve.kit import boolset
from pyreve.kit.hashid import IdType
from tests.conftest import Api, Server
from tests.e2e.helpers import announce_user_change, columns, database, hash_ids, update_user

# One extra server for the settings the default one lacks (offset pagination, a fast trash collector,
# a small search budget, search results as server-sent events).
SPECIAL_SETTINGS = {"use_cursor_pagination": "0", "cron_trash_bin_collect": "@every 1s",
                    "max_recursive_searched_folder": "3", "use_sse_for_search": "1"}


@dataclass
class Drive:
    """One user's view of the File API."""

    api: Api
    server: Server
    email: str
    token: str

    @classmethod
    def new(cls, server: Server) -> Drive:
        api = server.api
        email, token = api.new_user()
        return cls(api, server, email, token)

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        if body is not None:
            kw["json"] = body
        return self.api.call(method, path, self.token, **kw)

    def create(self, uri: str, kind: str = "file", **extra: Any) -> dict[str, Any]:
        result = self.call("POST", "/file/create", {"uri": uri, "type": kind, **extra})
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    def folder(self, uri: str) -> dict[str, Any]:
        return self.create(uri, "folder")

    def list(self, uri: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", "/file", params={"uri": uri, **params})

    def names(self, uri: str, **params: Any) -> list[str]:
        result = self.list(uri, **params)
        assert result["code"] == 0, result
        return [f["name"] for f in result["data"]["files"]]

    def info(self, uri: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", "/file/info", params={"uri": uri, **params})

    def populate(self, base: str, folders: list[str], files: dict[str, int]) -> None:
        """Folders, then files of the given sizes, below ``base``."""
        for path in folders:
            self.folder(f"{base}/{path}")
        for path, size in files.items():
            made = self.create(f"{base}/{path}")
            if size:
                self.give_size(made["id"], size)

    def rename(self, uri: str, new_name: str) -> dict[str, Any]:
        return self.call("POST", "/file/rename", {"uri": uri, "new_name": new_name})

    def move(self, uris: list[str], dst: str, copy: bool = False) -> dict[str, Any]:
        return self.call("POST", "/file/move", {"uris": uris, "dst": dst, "copy": copy})

    def delete(self, uris: list[str], **flags: Any) -> dict[str, Any]:
        return self.call("DELETE", "/file", {"uris": uris, **flags})

    def restore(self, uris: list[str]) -> dict[str, Any]:
        return self.call("POST", "/file/restore", {"uris": uris})

    def trash(self) -> list[dict[str, Any]]:
        result = self.list("cloudreve://trash", page_size=2000)
        assert result["code"] == 0, result
        return result["data"]["files"]  # type: ignore[no-any-return]

    def file_id(self, hashed: str) -> int:
        return hash_ids(self.server).decode(hashed, IdType.FILE)

    @property
    def user_id(self) -> int:
        with database(self.server) as conn:
            return int(conn.execute("SELECT id FROM users WHERE email = ?", (self.email,)).fetchone()[0])

    @property
    def storage(self) -> int:
        with database(self.server) as conn:
            return int(conn.execute("SELECT storage FROM users WHERE email = ?", (self.email,)).fetchone()[0])

    def give_size(self, hashed_file_id: str, size: int) -> None:
        """Pretend content was stored: the file's entity gets ``size`` bytes, charged to the owner."""
        file_id = self.file_id(hashed_file_id)
        with database(self.server) as conn:
            entity_id, old = conn.execute(
                "SELECT e.id, e.size FROM files f JOIN entities e ON e.id = f.primary_entity WHERE f.id = ?",
                (file_id,)).fetchone()
            conn.execute("UPDATE entities SET size = ? WHERE id = ?", (size, entity_id))
            conn.execute("UPDATE files SET size = ? WHERE id = ?", (size, file_id))
            conn.execute("UPDATE users SET storage = storage + ? WHERE email = ?", (size - old, self.email))
        announce_user_change(self.server, self.user_id)

    def check_invariants(self) -> None:
        """users.storage = Σ sizes of entities linked to the user's files; reference counts = links."""
        with database(self.server) as conn:
            uid, storage = conn.execute("SELECT id, storage FROM users WHERE email = ?", (self.email,)).fetchone()
            linked = conn.execute(
                "SELECT COALESCE(SUM(e.size), 0) FROM files f JOIN file_entities fe ON fe.file_id = f.id "
                "JOIN entities e ON e.id = fe.entity_id WHERE f.owner_id = ?", (uid,)).fetchone()[0]
            assert storage == linked, (storage, linked)
            bad = conn.execute(
                "SELECT e.id, e.reference_count, (SELECT COUNT(*) FROM file_entities x WHERE x.entity_id = e.id) "
                "FROM entities e WHERE e.id IN (SELECT fe.entity_id FROM file_entities fe JOIN files f "
                "ON f.id = fe.file_id WHERE f.owner_id = ?) OR (e.created_by = ? AND e.reference_count > 0)",
                (uid, uid)).fetchall()
            assert all(row[1] == row[2] for row in bad), [tuple(r) for r in bad if r[1] != r[2]]
            orphans = conn.execute(
                "SELECT COUNT(*) FROM files c WHERE c.owner_id = ? AND c.file_children IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM files p WHERE p.id = c.file_children AND p.owner_id = c.owner_id)", (uid,)).fetchone()
            assert orphans[0] == 0


def make_group(server: Server, name: str, *, max_storage: int = 1 << 30, permissions: list[int] | None = None,
               policy_id: int = 1, **settings: Any) -> int:
    base = {"source_batch": 10, "max_walked_files": 100000, "trash_retention": 7 * 24 * 3600,
            "redirected_source": True}
    with database(server) as conn:
        cursor = conn.execute(
            "INSERT INTO groups (created_at, updated_at, name, max_storage, speed_limit, permissions, settings, "
            "storage_policy_id) VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, ?, ?, 0, ?, ?, ?) RETURNING id",
            (name, max_storage, boolset.from_flags(permissions or []), json.dumps({**base, **settings}), policy_id))
        return int(cursor.fetchone()[0])


def join_group(drive: Drive, group_id: int) -> None:
    update_user(drive.server, drive.email, group_users=group_id)


def entity_of(drive: Drive, hashed_file_id: str) -> tuple[int, int]:
    """(entity id, reference count) of a file's primary entity."""
    with database(drive.server) as conn:
        row = conn.execute("SELECT e.id, e.reference_count FROM files f JOIN entities e ON e.id = f.primary_entity "
                           "WHERE f.id = ?", (drive.file_id(hashed_file_id),)).fetchone()
    return int(row[0]), int(row[1])


def row_count(server: Server, sql: str, *args: Any) -> int:
    with database(server) as conn:
        return int(conn.execute(sql, args).fetchone()[0])


def make_policy(server: Server, allowed: list[str]) -> int:
    """A copy of the default local policy that only accepts the extensions ``allowed``."""
    with database(server) as conn:
        listed = ", ".join(name for name in columns(conn, "storage_policies") if name != "id")
        cursor = conn.execute(f"INSERT INTO storage_policies ({listed}) SELECT {listed} FROM storage_policies "
                              "WHERE id = 1 RETURNING id")
        policy_id = int(cursor.fetchone()[0])
        settings = json.loads(conn.execute("SELECT settings FROM storage_policies WHERE id = ?",
                                           (policy_id,)).fetchone()[0] or "{}")
        conn.execute("UPDATE storage_policies SET settings = ? WHERE id = ?",
                     (json.dumps({**settings, "file_type": allowed}), policy_id))
    return policy_id
