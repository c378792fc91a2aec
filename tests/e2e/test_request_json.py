"""Request bodies as clients other than the web app send them: ``null`` for "the default", members the
server does not know, whole numbers written as floats (DESIGN.md, "Go's JSON at the wire").

Every route's body is swept in tests/contract/test_request_bodies.py; these are the cases users reported.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def share_id(url: str) -> str:
    return url.split("/s/", 1)[1].split("/")[0]


def new_folder(api: Api) -> tuple[str, str]:
    _, token = api.new_user()
    created = api.post("/file/create", {"uri": "cloudreve://my/Docs", "type": "folder"}, token)
    assert created["code"] == 0, created
    return token, "cloudreve://my/Docs"


def test_a_share_from_an_sdk_that_sends_null_for_every_unset_option(api: Api) -> None:
    token, uri = new_folder(api)
    body = {"uri": uri, "downloads": None, "expire": None, "password": None, "is_private": False,
            "share_view": None, "show_readme": None}
    result = api.put("/share", body, token)
    assert result["code"] == 0, result
    assert result["data"].endswith("/s/" + share_id(result["data"]))  # public: no password in the URL

    info = api.get(f"/share/info/{share_id(result['data'])}", token, params={"owner_extended": "true"})
    assert info["code"] == 0, info
    data = info["data"]
    assert data["name"] == "Docs" and data["source_uri"] == uri and data["unlocked"] is True
    assert data["password_protected"] is False and data["show_readme"] is False
    for unset in ("password", "is_private", "share_view", "remain_downloads", "expires"):
        assert unset not in data, unset


def test_a_required_member_sent_as_null_is_refused(api: Api) -> None:
    token, _ = new_folder(api)
    result = api.put("/share", {"uri": None, "is_private": None}, token)
    assert result == {"code": 40001, "msg": "Uri cannot be empty"}


def test_unknown_members_are_ignored(api: Api) -> None:
    token, uri = new_folder(api)
    result = api.put("/share", {"uri": uri, "sdk_version": "1.2.3", "extra": {"nested": [1, None]}}, token)
    assert result["code"] == 0, result


def test_a_whole_number_written_as_a_float_is_an_integer(api: Api) -> None:
    token, uri = new_folder(api)
    result = api.put("/share", {"uri": uri, "downloads": 3.0, "expire": 600.0}, token)
    assert result["code"] == 0, result
    data: dict[str, Any] = api.get(f"/share/info/{share_id(result['data'])}", token)["data"]
    assert data["remain_downloads"] == 3 and "expires" in data


def test_a_fraction_for_an_integer_is_refused(api: Api) -> None:
    token, uri = new_folder(api)
    result = api.put("/share", {"uri": uri, "downloads": 1.5}, token)
    assert result["code"] == 40001 and "correlation_id" not in result, result  # refused by validation
