"""Shared WebDAV locks (RFC 4918 §6.2): several holders of one resource, their conflicts with exclusive locks,
refresh and unlock per token, and what lock discovery and the File API show of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.dav_helpers import DAV_GROUP, DavClient, dav_server

LOCKDISCOVERY = (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/><D:supportedlock/>'
                 b"</D:prop></D:propfind>")


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    return dav_server(server_factory)


@pytest.fixture
def alice(server: Server) -> DavClient:
    return DavClient.new(server, DAV_GROUP)


@pytest.fixture
def bob(server: Server, alice: DavClient) -> DavClient:
    """A second WebDAV account (another client) of the same user."""
    return DavClient.new(server, DAV_GROUP, drive=alice.drive)


def token_of(response: Any) -> str:
    assert response.status_code in (200, 201), response.text
    token: str = response.headers["lock-token"]
    assert re.fullmatch(r"<opaquelocktoken:[0-9a-f]{32}>", token)
    return token


def active_locks(client: DavClient, path: str) -> list[str]:
    """The activelock elements PROPFIND's lockdiscovery lists for ``path``."""
    found = client.propfind(path, "0", LOCKDISCOVERY)
    assert found.status_code == 207, found.text
    return re.findall(r"<D:activelock>.*?</D:activelock>", found.text)


def test_two_clients_hold_shared_locks_on_one_file_and_release_them_one_by_one(alice: DavClient,
                                                                                bob: DavClient) -> None:
    assert alice.put("doc.txt", b"v1").status_code == 201
    first = token_of(alice.lock("doc.txt", depth="0", scope="shared", owner="alice"))
    second = token_of(bob.lock("doc.txt", depth="0", scope="shared", owner="bob"))
    assert first != second

    # Lock discovery lists both holders, each as a shared lock with its own token and owner.
    listed = active_locks(alice, "doc.txt")
    assert len(listed) == 2
    assert all("<D:lockscope><D:shared/></D:lockscope>" in lock for lock in listed)
    assert {re.search(r"<D:href>(opaquelocktoken:[^<]+)</D:href>", lock).group(1)  # type: ignore[union-attr]
            for lock in listed} == {first[1:-1], second[1:-1]}
    assert any(">alice</D:owner>" in lock for lock in listed) and any(">bob</D:owner>" in lock for lock in listed)

    # No exclusive lock while shared ones are held; writes need one of the holders' tokens.
    assert alice.lock("doc.txt", depth="0").status_code == 423
    assert alice.put("doc.txt", b"v2").status_code == 423
    assert bob.put("doc.txt", b"v2", If=f"({second})").status_code == 204
    assert alice.put("doc.txt", b"v3", If=f"({first})").status_code == 204

    # The File API refuses a change and shows every holder.
    conflict = alice.drive.rename("cloudreve://my/doc.txt", "renamed.txt")
    assert conflict["code"] == 40073
    assert sorted(lock["token"] for lock in conflict["data"]) == sorted([first[1:-1], second[1:-1]])
    assert all(lock["shared"] is True and lock["path"] == "cloudreve://my/doc.txt" for lock in conflict["data"])

    # Refreshing one lock leaves the other as it was.
    refreshed = bob.request("LOCK", "doc.txt", headers={"If": f"({second})", "Timeout": "Second-900"})
    assert refreshed.status_code == 200 and second[1:-1] in refreshed.text and first[1:-1] not in refreshed.text
    assert "<D:shared/>" in refreshed.text

    # Unlocking one token keeps the other holder's lock.
    assert alice.request("UNLOCK", "doc.txt", headers={"Lock-Token": first}).status_code == 204
    listed = active_locks(alice, "doc.txt")
    assert len(listed) == 1 and second[1:-1] in listed[0]
    assert alice.put("doc.txt", b"v4", If=f"({first})").status_code in (412, 423)
    assert alice.lock("doc.txt", depth="0").status_code == 423
    assert bob.request("UNLOCK", "doc.txt", headers={"Lock-Token": first}).status_code == 409
    assert bob.request("UNLOCK", "doc.txt", headers={"Lock-Token": second}).status_code == 204
    assert active_locks(alice, "doc.txt") == []
    assert token_of(alice.lock("doc.txt", depth="0"))
    assert alice.get("doc.txt").content == b"v3"


def test_a_shared_lock_is_refused_while_an_exclusive_one_is_held(alice: DavClient, bob: DavClient) -> None:
    assert alice.put("solo.txt", b"x").status_code == 201
    exclusive = token_of(alice.lock("solo.txt", depth="0"))
    assert bob.lock("solo.txt", depth="0", scope="shared").status_code == 423
    assert alice.lock("solo.txt", depth="0", scope="shared").status_code == 423  # even for the holder
    listed = active_locks(alice, "solo.txt")
    assert len(listed) == 1 and "<D:exclusive/>" in listed[0]
    assert alice.request("UNLOCK", "solo.txt", headers={"Lock-Token": exclusive}).status_code == 204
    assert token_of(bob.lock("solo.txt", depth="0", scope="shared"))


def test_shared_locks_on_a_folder_cover_its_members(alice: DavClient, bob: DavClient) -> None:
    assert alice.mkcol("team").status_code == 201
    assert alice.put("team/notes.txt", b"n").status_code == 201
    folder = token_of(alice.lock("team", scope="shared"))  # depth infinity
    assert bob.lock("team/notes.txt", depth="0").status_code == 423  # exclusive inside a shared tree
    inner = token_of(bob.lock("team/notes.txt", depth="0", scope="shared"))
    assert len(active_locks(alice, "team/notes.txt")) == 2  # its own and the folder's
    # Either holder's token lets a write through; without one, the member stays locked.
    assert alice.put("team/notes.txt", b"a").status_code == 423
    assert alice.put("team/notes.txt", b"a", If=f"({folder})").status_code == 204
    assert bob.put("team/notes.txt", b"b", If=f"({inner})").status_code == 204
    assert alice.put("team/new.txt", b"new", If=f"({folder})").status_code == 201
    assert alice.request("DELETE", "team").status_code == 423


def test_supportedlock_offers_exclusive_and_shared_write_locks(alice: DavClient) -> None:
    assert alice.put("any.txt", b"x").status_code == 201
    found = alice.propfind("any.txt", "0", LOCKDISCOVERY).text
    supported = re.search(r"<D:supportedlock>.*</D:supportedlock>", found)
    assert supported is not None
    scopes = re.findall(r"<D:lockscope><D:(\w+)/></D:lockscope>", supported.group(0))
    assert sorted(scopes) == ["exclusive", "shared"]
