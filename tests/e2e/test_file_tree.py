"""Rename, move, copy and permanent delete (files.md §8, §9, §14, §17, §21) against a real server."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from pyreve.db.seed import GroupPermission
from tests.conftest import Server
from tests.e2e.file_helpers import Drive, entity_of, join_group, make_group, make_policy, row_count
from tests.e2e.helpers import database, parse_time, user_hash


@pytest.fixture
def drive(server: Server) -> Drive:
    return Drive.new(server)


def metadata_of(drive: Drive, uri: str) -> dict[str, str]:
    result = drive.info(uri)
    assert result["code"] == 0, result
    return result["data"]["metadata"] or {}


def set_raw_metadata(drive: Drive, hashed_id: str, name: str, value: str) -> None:
    with database(drive.server) as conn:
        conn.execute("INSERT INTO metadata (created_at, updated_at, name, value, file_id, is_public) "
                     "VALUES (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, ?, ?, ?, TRUE)",
                     (name, value, drive.file_id(hashed_id)))


# --- rename ---------------------------------------------------------------------------------------

def test_rename_file_and_folder(drive: Drive) -> None:
    drive.create("cloudreve://my/docs/a.txt")
    drive.create("cloudreve://my/docs/b.txt")
    renamed = drive.rename("cloudreve://my/docs/a.txt", "c d.txt")
    assert renamed["code"] == 0, renamed
    assert renamed["data"]["name"] == "c d.txt"
    assert renamed["data"]["path"] == "cloudreve://my/docs/c%20d.txt"
    assert sorted(drive.names("cloudreve://my/docs")) == ["b.txt", "c d.txt"]

    folder = drive.rename("cloudreve://my/docs", "papers")
    assert folder["code"] == 0 and folder["data"]["type"] == 1
    assert sorted(drive.names("cloudreve://my/papers")) == ["b.txt", "c d.txt"]
    assert drive.list("cloudreve://my/docs")["code"] == 40016

    with database(drive.server) as conn:
        conn.execute("UPDATE files SET updated_at = '2020-01-01 00:00:00.000000' WHERE name = 'c d.txt'")
    bumped = drive.rename("cloudreve://my/papers/c d.txt", "e.txt")["data"]["updated_at"]
    assert parse_time(bumped).year > 2020  # renames count as changes
    assert drive.rename("cloudreve://my/papers/e.txt", "c d.txt")["code"] == 0
    assert drive.rename("cloudreve://my/papers/b.txt", "b.txt")["code"] == 0  # same name: nothing to do
    assert drive.rename("cloudreve://my/papers/b.txt", "B.TXT")["code"] == 0  # case differs: another name
    assert sorted(drive.names("cloudreve://my/papers")) == ["B.TXT", "c d.txt"]
    drive.check_invariants()


def test_rename_refusals(drive: Drive) -> None:
    drive.create("cloudreve://my/x/one.txt")
    drive.create("cloudreve://my/x/two.txt")
    assert drive.rename("cloudreve://my/x/one.txt", "two.txt")["code"] == 40004
    for bad in ("a/b", "..", ".", "a:b", "a*b", 'q"', "a\\b", "x" * 256):
        assert drive.rename("cloudreve://my/x/one.txt", bad)["code"] in (40052, 40001), bad
    assert drive.rename("cloudreve://my/x/one.txt", "")["code"] == 40001
    assert drive.rename("cloudreve://my", "root")["code"] == 403
    assert drive.rename("cloudreve://my/x/missing", "y")["code"] == 40016
    assert drive.rename("cloudreve://trash/whatever", "y")["code"] == 403
    assert sorted(drive.names("cloudreve://my/x")) == ["one.txt", "two.txt"]


def test_rename_normalises_unicode(drive: Drive) -> None:
    drive.create("cloudreve://my/u/plain.txt")
    decomposed, composed = "Cafe\u0301.txt", "Caf\u00e9.txt"
    result = drive.rename("cloudreve://my/u/plain.txt", decomposed)
    assert result["code"] == 0 and result["data"]["name"] == composed
    assert result["data"]["path"] == "cloudreve://my/u/Caf%C3%A9.txt"
    assert drive.info("cloudreve://my/u/" + decomposed)["code"] == 0
    assert drive.info("cloudreve://my/u/Cafe%CC%81.txt")["data"]["name"] == composed
    clash = drive.call("POST", "/file/create", {"uri": "cloudreve://my/u/" + decomposed, "type": "file",
                                                "err_on_conflict": True})
    assert clash["code"] == 40004
    drive.create("cloudreve://my/u/caf\u00e9.txt")  # another case: another file
    assert sorted(drive.names("cloudreve://my/u")) == ["Caf\u00e9.txt", "caf\u00e9.txt"]


def test_rename_checks_the_extension_allow_list(server: Server) -> None:
    drive = Drive.new(server)
    join_group(drive, make_group(server, "jpg only", policy_id=make_policy(server, ["jpg", "png"])))
    drive.create("cloudreve://my/pics/a.jpg")
    drive.folder("cloudreve://my/pics/album")
    assert drive.rename("cloudreve://my/pics/a.jpg", "a.exe")["code"] == 40052
    assert drive.rename("cloudreve://my/pics/a.jpg", "a.PNG")["code"] == 0
    assert drive.rename("cloudreve://my/pics/album", "album.exe")["code"] == 0  # folders are not checked


def test_rename_drops_thumb_disabled_when_the_extension_changes(drive: Drive) -> None:
    made = drive.create("cloudreve://my/t/photo.jpg")
    set_raw_metadata(drive, made["id"], "thumb:disabled", "1")
    assert drive.rename("cloudreve://my/t/photo.jpg", "photo2.JPG")["code"] == 0
    assert "thumb:disabled" in metadata_of(drive, "cloudreve://my/t/photo2.JPG")
    assert drive.rename("cloudreve://my/t/photo2.JPG", "photo2.png")["code"] == 0
    assert "thumb:disabled" not in metadata_of(drive, "cloudreve://my/t/photo2.png")


def test_lock_conflicts_and_force_unlock(drive: Drive) -> None:
    drive.create("cloudreve://my/locked/doc.docx")
    token = "opaquelocktoken:test-" + drive.email
    with database(drive.server) as conn:
        conn.execute("INSERT INTO fs_locks (token, owner_id, path, depth_infinity, application, created_at, "
                     "expires_at) VALUES (?, ?, ?, FALSE, ?, CURRENT_TIMESTAMP, NULL)",
                     (token, drive.user_id, "/locked/doc.docx",
                      json.dumps({"type": "viewer", "viewer_id": "v1"})))
    conflict = drive.rename("cloudreve://my/locked/doc.docx", "new.docx")
    assert conflict["code"] == 40073
    assert conflict["data"] == [{"path": "cloudreve://my/locked/doc.docx", "token": token, "type": 0,
                                 "owner": {"application": {"type": "viewer", "viewer_id": "v1"}}}]
    # A lock on a file inside blocks operations on the folder as a whole.
    assert drive.delete(["cloudreve://my/locked"])["code"] == 40073
    drive.folder("cloudreve://my/elsewhere")
    assert drive.move(["cloudreve://my/locked"], "cloudreve://my/elsewhere")["code"] == 40073

    assert drive.call("DELETE", "/file/lock", {"tokens": []})["code"] == 0
    assert drive.call("DELETE", "/file/lock", {})["code"] == 40001
    assert drive.call("DELETE", "/file/lock", {"tokens": ["unknown-token", token]})["code"] == 40001
    assert row_count(drive.server, "SELECT COUNT(*) FROM fs_locks WHERE token = ?", token) == 1
    assert drive.api.call("DELETE", "/file/lock", None, json={"tokens": [token]})["code"] == 0  # no login needed
    assert row_count(drive.server, "SELECT COUNT(*) FROM fs_locks WHERE token = ?", token) == 0
    assert drive.rename("cloudreve://my/locked/doc.docx", "new.docx")["code"] == 0


def test_expired_locks_do_not_block(drive: Drive) -> None:
    drive.create("cloudreve://my/old/doc.txt")
    past = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    with database(drive.server) as conn:
        conn.execute("INSERT INTO fs_locks (token, owner_id, path, depth_infinity, application, created_at, "
                     "expires_at) VALUES (?, ?, '/old', TRUE, NULL, CURRENT_TIMESTAMP, ?)",
                     ("expired-" + drive.email, drive.user_id, past))
    assert drive.rename("cloudreve://my/old/doc.txt", "new.txt")["code"] == 0
    assert drive.call("DELETE", "/file/lock", {"tokens": ["expired-" + drive.email]})["code"] == 40001


# --- move -----------------------------------------------------------------------------------------

def test_move_files_and_folders(drive: Drive) -> None:
    drive.create("cloudreve://my/src/a.txt")
    drive.create("cloudreve://my/src/sub/b.txt")
    drive.folder("cloudreve://my/dst")
    result = drive.move(["cloudreve://my/src/a.txt", "cloudreve://my/src/sub"], "cloudreve://my/dst")
    assert result == {"code": 0, "msg": ""}
    assert drive.names("cloudreve://my/src") == []
    assert drive.names("cloudreve://my/dst") == ["sub", "a.txt"]
    assert drive.names("cloudreve://my/dst/sub") == ["b.txt"]
    with database(drive.server) as conn:
        conn.execute("UPDATE files SET updated_at = '2020-01-01 00:00:00.000000' WHERE name = 'a.txt' "
                     "AND owner_id = ?", (drive.user_id,))
    assert drive.move(["cloudreve://my/dst/a.txt"], "cloudreve://my/src")["code"] == 0
    assert parse_time(drive.info("cloudreve://my/src/a.txt")["data"]["updated_at"]).year > 2020
    drive.check_invariants()


def test_move_into_itself_or_a_descendant_is_refused(drive: Drive) -> None:
    drive.create("cloudreve://my/p/c/d/f.txt")
    for dst in ("cloudreve://my/p", "cloudreve://my/p/c", "cloudreve://my/p/c/d"):
        for copy in (False, True):
            result = drive.move(["cloudreve://my/p"], dst, copy=copy)
            assert result["code"] == 40081, result
            assert result["aggregated_error"]["cloudreve://my/p"]["code"] == 403
    assert drive.names("cloudreve://my/p/c/d") == ["f.txt"]
    assert drive.names("cloudreve://my") == ["p"]


def test_move_partial_failure_reports_canonical_uris(drive: Drive) -> None:
    drive.create("cloudreve://my/m/ok.txt")
    drive.folder("cloudreve://my/target")
    result = drive.move(["cloudreve://my/m/ok.txt", "cloudreve://my/m/not here.txt", "cloudreve://my",
                         "cloudreve://trash/x"], "cloudreve://my/target")
    assert result["code"] == 40081
    errors = result["aggregated_error"]
    assert set(errors) == {"cloudreve://my/m/not%20here.txt", "cloudreve://my", "cloudreve://trash/x"}
    assert errors["cloudreve://my/m/not%20here.txt"]["code"] == 40016
    assert errors["cloudreve://my"]["code"] == 403
    assert errors["cloudreve://trash/x"]["code"] == 40016
    assert all(e["correlation_id"] == result["correlation_id"] for e in errors.values())
    assert drive.names("cloudreve://my/target") == ["ok.txt"]

    single = drive.move(["cloudreve://my/m/gone"], "cloudreve://my/target")
    assert single["code"] == 40081 and single["msg"] == "Path not exist"
    assert list(single["aggregated_error"]) == ["cloudreve://my/m/gone"]


def test_move_name_clash_changes_nothing(drive: Drive) -> None:
    drive.create("cloudreve://my/a/same.txt")
    drive.create("cloudreve://my/a/other.txt")
    drive.create("cloudreve://my/b/same.txt")
    result = drive.move(["cloudreve://my/a/other.txt", "cloudreve://my/a/same.txt"], "cloudreve://my/b")
    assert result["code"] == 40004
    assert sorted(drive.names("cloudreve://my/a")) == ["other.txt", "same.txt"]
    assert drive.names("cloudreve://my/b") == ["same.txt"]
    # Two sources with one name cannot land in one folder either.
    drive.create("cloudreve://my/c/other.txt")
    assert drive.move(["cloudreve://my/a/other.txt", "cloudreve://my/c/other.txt"], "cloudreve://my")["code"] == 40004


def test_move_destination_errors(drive: Drive) -> None:
    drive.create("cloudreve://my/d/f.txt")
    assert drive.move(["cloudreve://my/d/f.txt"], "cloudreve://my/nowhere")["code"] == 40016
    assert drive.move(["cloudreve://my/d/f.txt"], "cloudreve://my/d/f.txt")["code"] == 403
    assert drive.move(["cloudreve://my/d/f.txt"], "not a uri")["code"] == 40001
    assert drive.move(["bogus://x"], "cloudreve://my")["code"] == 40001
    assert drive.move([], "cloudreve://my")["code"] == 40001
    assert drive.move(["cloudreve://my/d/f.txt"], "cloudreve://shared_with_me")["code"] in (403, 40016)
    assert drive.names("cloudreve://my/d") == ["f.txt"]


def test_batch_size_limit(drive: Drive) -> None:
    uris = [f"cloudreve://my/f{i}" for i in range(3001)]
    for result in (drive.move(uris, "cloudreve://my"), drive.delete(uris), drive.restore(uris),
                   drive.call("PATCH", "/file/metadata", {"uris": uris, "patches": [{"key": "tag:x"}]})):
        assert result["code"] == 40074, result


# --- copy -----------------------------------------------------------------------------------------

def test_copy_shares_entities_and_counts_storage(drive: Drive) -> None:
    a = drive.create("cloudreve://my/orig/a.txt", metadata={"customize:icon_color": "#ff0000"})
    b = drive.create("cloudreve://my/orig/deep/b.bin")
    drive.folder("cloudreve://my/orig/empty")
    drive.give_size(a["id"], 1000)
    drive.give_size(b["id"], 234)
    drive.folder("cloudreve://my/backup")
    assert drive.storage == 1234

    assert drive.move(["cloudreve://my/orig"], "cloudreve://my/backup", copy=True)["code"] == 0
    assert drive.names("cloudreve://my/backup/orig") == ["deep", "empty", "a.txt"]
    assert drive.names("cloudreve://my/backup/orig/deep") == ["b.bin"]
    assert drive.names("cloudreve://my/orig") == ["deep", "empty", "a.txt"]
    copied = drive.info("cloudreve://my/backup/orig/a.txt")["data"]
    assert copied["id"] != a["id"] and copied["size"] == 1000
    assert copied["primary_entity"] == a["primary_entity"]
    assert copied["metadata"] == {"customize:icon_color": "#ff0000"}
    assert entity_of(drive, a["id"])[1] == 2 and entity_of(drive, b["id"])[1] == 2
    assert drive.storage == 2468
    drive.check_invariants()

    # A second copy next to the first one clashes, as does a copy into the source's own folder.
    assert drive.move(["cloudreve://my/orig"], "cloudreve://my/backup", copy=True)["code"] == 40004
    assert drive.move(["cloudreve://my/orig/a.txt"], "cloudreve://my/orig", copy=True)["code"] == 40004
    assert drive.storage == 2468

    # Deleting the original for good leaves the copy's blobs referenced once.
    assert drive.delete(["cloudreve://my/orig"], skip_soft_delete=True)["code"] == 0
    assert entity_of(drive, copied["id"])[1] == 1
    assert drive.storage == 1234
    drive.check_invariants()


def test_copy_only_within_my(drive: Drive) -> None:
    drive.create("cloudreve://my/cp/a.txt")
    assert drive.delete(["cloudreve://my/cp/a.txt"])["code"] == 0
    trashed = drive.trash()[0]["path"]
    result = drive.move([trashed], "cloudreve://my", copy=True)
    assert result["code"] == 40081 and result["aggregated_error"][trashed]["code"] == 403


def test_copy_respects_capacity(server: Server) -> None:
    drive = Drive.new(server)
    join_group(drive, make_group(server, "small", max_storage=1500))
    a = drive.create("cloudreve://my/big/a.txt")
    drive.give_size(a["id"], 1000)
    assert drive.move(["cloudreve://my/big"], "cloudreve://my", copy=True)["code"] == 40004
    drive.folder("cloudreve://my/other")
    assert drive.move(["cloudreve://my/big"], "cloudreve://my/other", copy=True)["code"] == 40051
    assert drive.names("cloudreve://my/other") == []
    assert drive.storage == 1000 and entity_of(drive, a["id"])[1] == 1
    drive.check_invariants()


def test_copy_respects_max_walked_files(server: Server) -> None:
    drive = Drive.new(server)
    join_group(drive, make_group(server, "walker", max_walked_files=4))
    for name in ("a", "b", "c", "d"):
        drive.create(f"cloudreve://my/tree/{name}.txt")
    drive.folder("cloudreve://my/out")
    assert drive.move(["cloudreve://my/tree"], "cloudreve://my/out", copy=True)["code"] == 40079
    assert drive.names("cloudreve://my/out") == []
    assert drive.move(["cloudreve://my/tree/a.txt", "cloudreve://my/tree/b.txt"], "cloudreve://my/out",
                      copy=True)["code"] == 0
    assert drive.delete(["cloudreve://my/tree"], skip_soft_delete=True)["code"] == 40079
    drive.check_invariants()


def test_concurrent_changes_keep_the_books_straight(drive: Drive) -> None:
    made = drive.create("cloudreve://my/seed/a.bin")
    drive.give_size(made["id"], 100)
    for index in range(6):
        drive.folder(f"cloudreve://my/c{index}")

    def work(index: int) -> list[int]:
        codes = [drive.move(["cloudreve://my/seed"], f"cloudreve://my/c{index}", copy=True)["code"]]
        codes.append(drive.delete([f"cloudreve://my/c{index}/seed"], skip_soft_delete=index % 2 == 0)["code"])
        codes.append(drive.move(["cloudreve://my/seed"], f"cloudreve://my/c{index}", copy=True)["code"])
        return codes

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(work, range(6)))
    assert all(codes == [0, 0, 0] for codes in results), results
    assert entity_of(drive, made["id"])[1] == 1 + 6 + 3  # original, six copies, three copies in the trash
    assert drive.storage == 100 * 10
    drive.check_invariants()
    assert drive.call("DELETE", "/file/trash")["code"] == 0
    assert drive.storage == 100 * 7
    drive.check_invariants()


# --- permanent delete -----------------------------------------------------------------------------

def test_permanent_delete_releases_storage(drive: Drive) -> None:
    a = drive.create("cloudreve://my/gone/a.txt")
    b = drive.create("cloudreve://my/gone/sub/b.txt")
    keep = drive.create("cloudreve://my/keep.txt")
    for made, size in ((a, 10), (b, 20), (keep, 5)):
        drive.give_size(made["id"], size)
    entity_a = entity_of(drive, a["id"])[0]
    result = drive.delete(["cloudreve://my/gone", "cloudreve://my/gone/sub/b.txt"], skip_soft_delete=True)
    assert result["code"] == 0, result
    assert drive.names("cloudreve://my") == ["keep.txt"]
    assert drive.trash() == []
    assert drive.storage == 5
    assert row_count(drive.server, "SELECT reference_count FROM entities WHERE id = ?", entity_a) == 0
    assert row_count(drive.server, "SELECT COUNT(*) FROM metadata WHERE file_id = ?", drive.file_id(a["id"])) == 0
    drive.check_invariants()


def test_unlink_needs_advanced_delete(server: Server) -> None:
    drive = Drive.new(server)
    drive.create("cloudreve://my/u.txt")
    assert drive.delete(["cloudreve://my/u.txt"], unlink=True, skip_soft_delete=True)["code"] == 403
    join_group(drive, make_group(server, "advanced", permissions=[GroupPermission.ADVANCE_DELETE]))
    made = drive.info("cloudreve://my/u.txt")["data"]
    entity = entity_of(drive, made["id"])[0]
    assert drive.delete(["cloudreve://my/u.txt"], unlink=True, skip_soft_delete=True)["code"] == 0
    with database(server) as conn:
        row = conn.execute("SELECT reference_count, recycle_options FROM entities WHERE id = ?", (entity,)).fetchone()
    if row is not None:  # the recycle job may already have forgotten it
        assert row[0] == 0 and json.loads(row[1]) == {"unlink_only": True}


def test_root_cannot_be_deleted(drive: Drive) -> None:
    for flags in ({}, {"skip_soft_delete": True}):
        result = drive.delete(["cloudreve://my"], **flags)
        assert result["code"] == 40081 and result["aggregated_error"]["cloudreve://my"]["code"] == 403


# --- isolation ------------------------------------------------------------------------------------

def test_other_users_files_are_out_of_reach(server: Server) -> None:
    alice, bob = Drive.new(server), Drive.new(server)
    secret = alice.create("cloudreve://my/private/secret.txt")
    alice.give_size(secret["id"], 42)
    alice_hash = user_hash(server, alice.user_id)
    theirs = f"cloudreve://{alice_hash}@my/private/secret.txt"

    assert bob.list(f"cloudreve://{alice_hash}@my/private")["code"] == 403
    assert bob.info(theirs)["code"] == 403
    by_id = bob.call("GET", "/file/info", params={"id": secret["id"]})
    assert by_id["code"] == 40082 and "data" not in by_id and "secret" not in json.dumps(by_id)
    assert bob.rename(theirs, "mine.txt")["code"] == 403
    bob.folder("cloudreve://my/loot")
    for copy in (False, True):
        result = bob.move([theirs], "cloudreve://my/loot", copy=copy)
        assert result["code"] == 40081 and result["aggregated_error"][theirs]["code"] == 403
    assert bob.move(["cloudreve://my/loot"], f"cloudreve://{alice_hash}@my/private")["code"] == 403
    assert bob.delete([theirs])["aggregated_error"][theirs]["code"] == 403
    assert bob.delete([theirs], skip_soft_delete=True)["aggregated_error"][theirs]["code"] == 403
    patched = bob.call("PATCH", "/file/metadata", {"uris": [theirs], "patches": [{"key": "tag:x"}]})
    assert patched["code"] == 40081
    assert bob.call("PATCH", "/file/view", {"uri": f"cloudreve://{alice_hash}@my/private",
                                            "view": {"page_size": 50}})["code"] == 403
    found = bob.list("cloudreve://my?name=secret")
    assert found["code"] == 0 and found["data"]["files"] == []

    # Alice's trash entries are invisible to Bob, even by their exact name.
    assert alice.delete(["cloudreve://my/private"])["code"] == 0
    entry = alice.trash()[0]["path"]
    assert bob.trash() == []
    assert bob.info(entry)["code"] == 40016
    assert bob.restore([entry])["aggregated_error"][entry]["code"] == 40016
    assert bob.delete([entry], skip_soft_delete=True)["aggregated_error"][entry]["code"] == 40016
    assert bob.move([entry], "cloudreve://my/loot")["aggregated_error"][entry]["code"] == 40016
    assert bob.names("cloudreve://my/loot") == []
    assert alice.restore([entry])["code"] == 0
    assert alice.names("cloudreve://my/private") == ["secret.txt"]
    assert alice.storage == 42 and bob.storage == 0
    alice.check_invariants()
    bob.check_invariants()

    # Even an administrator does not open another user's drive in this build.
    join_group(bob, 1)
    as_admin = bob.call("GET", "/file/info", params={"id": secret["id"]})
    assert as_admin["code"] == 403 and "data" not in as_admin


def test_guests_are_asked_to_sign_in(server: Server) -> None:
    api = server.api
    assert api.get("/file", params={"uri": "cloudreve://my"})["code"] == 401
    assert api.post("/file/rename", {"uri": "cloudreve://my/a", "new_name": "b"})["code"] == 401
    assert api.post("/file/restore", {"uris": ["cloudreve://trash/a"]})["code"] == 401
    assert api.call("DELETE", "/file/trash")["code"] == 401
    result = api.delete("/file", {"uris": ["cloudreve://my/a"]})
    assert result["code"] == 40081 and result["aggregated_error"]["cloudreve://my/a"]["code"] == 401
