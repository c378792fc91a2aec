"""The versions in a file's extended info carry their storage policy and their uploader, as Cloudreve
shapes them (files.md §0)."""

from __future__ import annotations

from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.file_helpers import Drive
from tests.e2e.helpers import database, hash_ids


def test_entities_carry_their_policy_and_uploader(server: Server) -> None:
    drive = Drive.new(server)
    assert drive.call("PATCH", "/user/setting", {"nick": "Uploader"})["code"] == 0
    made = drive.create("cloudreve://my/e/notes.txt")
    drive.give_size(made["id"], 42)
    info = drive.info("cloudreve://my/e/notes.txt", extended="true")
    assert info["code"] == 0, info
    extended = info["data"]["extended_info"]
    [entity] = extended["entities"]
    assert entity["id"] == made["primary_entity"] and entity["size"] == 42

    # The policy as every other response shapes it: the same object as the file's own here.
    assert entity["storage_policy"] == extended["storage_policy"]
    assert set(entity["storage_policy"]) >= {"id", "name", "type", "max_size"}
    assert entity["storage_policy"]["id"] == hash_ids(server).encode(1, IdType.POLICY)

    # The uploader as an anonymous visitor may see them: never an email address, even to its owner.
    uploader = entity["created_by"]
    assert uploader["id"] == hash_ids(server).encode(drive.user_id, IdType.USER)
    assert uploader["nickname"] == "Uploader" and uploader["created_at"]
    assert "email" not in uploader and "group" not in uploader


def test_an_entity_whose_uploader_is_gone_has_no_created_by(server: Server) -> None:
    drive = Drive.new(server)
    made = drive.create("cloudreve://my/orphan.txt")
    with database(server) as conn:
        conn.execute("UPDATE entities SET created_by = NULL WHERE id = ?",
                     (hash_ids(server).decode(made["primary_entity"], IdType.ENTITY),))
    [entity] = drive.info("cloudreve://my/orphan.txt", extended="true")["data"]["extended_info"]["entities"]
    assert "created_by" not in entity and entity["storage_policy"]["type"] == "local"
