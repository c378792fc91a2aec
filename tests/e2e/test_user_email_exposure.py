"""Other users' email addresses follow ``expose_user_email`` (user.md): shown to signed-in users while the
setting is on (Cloudreve's default), never to visitors, to nobody once it is off."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.file_helpers import Drive
from tests.e2e.helpers import hash_ids


def views_of(server: Server) -> dict[str, Any]:
    """How a signed-in user and a visitor see an owner: profile, share owner, user search."""
    owner, member = Drive.new(server), Drive.new(server)
    owner.folder("cloudreve://my/Shared")
    url = owner.call("PUT", "/share", {"uri": "cloudreve://my/Shared"})["data"]
    share_id = urlsplit(url).path.split("/")[2]
    owner_id = hash_ids(server).encode(owner.user_id, IdType.USER)
    found = member.call("GET", "/user/search", params={"keyword": owner.email})["data"]
    return {
        "email": owner.email,
        "member_profile": member.call("GET", f"/user/info/{owner_id}")["data"],
        "guest_profile": server.api.get(f"/user/info/{owner_id}")["data"],
        "member_share_owner": member.call("GET", f"/share/info/{share_id}")["data"]["owner"],
        "guest_share_owner": server.api.get(f"/share/info/{share_id}")["data"]["owner"],
        "search": [user for user in found if user["id"] == owner_id],
    }


@pytest.fixture(scope="module")
def hidden(server_factory: Any) -> Server:
    return server_factory({"expose_user_email": "0"})  # type: ignore[no-any-return]


def test_exposed_by_default_to_signed_in_users(server: Server) -> None:
    seen = views_of(server)
    assert seen["member_profile"]["email"] == seen["email"]
    assert seen["member_share_owner"]["email"] == seen["email"]
    assert seen["search"][0]["email"] == seen["email"]
    assert "email" not in seen["guest_profile"] and "email" not in seen["guest_share_owner"]


def test_hidden_when_the_setting_is_off(hidden: Server) -> None:
    seen = views_of(hidden)
    for view in ("member_profile", "guest_profile", "member_share_owner", "guest_share_owner"):
        assert "email" not in seen[view], view
        assert seen[view]["nickname"] is not None
    assert len(seen["search"]) == 1 and "email" not in seen["search"][0]  # still found by it
