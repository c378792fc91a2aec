"""Profile, lookup, capacity, avatar and the policy/node lists against a real server (user.md)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
import pytest
from hashids import Hashids
from PIL import Image

from tests.conftest import Api, Server
from tests.e2e.helpers import announce_user_change, database

USER, POLICY, GROUP, NODE = 1, 5, 7, 10
AVATAR = "/api/v4/user/setting/avatar"


# --- helpers ------------------------------------------------------------------------------------

def query(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with database(server) as conn:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]


def setting(server: Server, name: str) -> str:
    rows = query(server, "SELECT value FROM settings WHERE name = ?", name)
    assert rows, name
    return str(rows[0][0])


def ids(server: Server) -> Hashids:
    return Hashids(salt=setting(server, "hash_id_salt"))


def decode(server: Server, hashed: str, kind: int) -> int:
    decoded = ids(server).decode(hashed)
    assert len(decoded) == 2 and decoded[1] == kind, (hashed, decoded)
    return int(decoded[0])


def user_row(server: Server, email: str) -> dict[str, Any]:
    rows = query(server, "SELECT id, group_users, storage, avatar, updated_at FROM users WHERE email = ?", email)
    assert len(rows) == 1
    return dict(zip(("id", "group_id", "storage", "avatar", "updated_at"), rows[0], strict=True))


def group_row(server: Server, group_id: int) -> dict[str, Any]:
    rows = query(server, "SELECT name, max_storage, permissions, settings, storage_policy_id FROM groups "
                         "WHERE id = ?", group_id)
    assert len(rows) == 1
    name, max_storage, permissions, settings, policy_id = rows[0]
    return {"name": name, "max_storage": max_storage, "permissions": bytes(permissions or b""),
            "settings": json.loads(settings or "{}"), "policy_id": policy_id}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


REDACTED_KEYS = {"id", "nickname", "created_at", "group"}


@pytest.fixture(scope="module")
def plain_user(server: Server) -> tuple[str, str]:
    """(email, token) of an ordinary account, shared by the read-only tests of this module."""
    api = server.api
    api.sign_up()  # whoever comes first on a server is its administrator; these tests want a plain user
    return api.new_user()


# --- /user/me, /user/info ---------------------------------------------------------------------------

def test_me_is_the_full_user(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    email, token = plain_user
    me = api.get("/user/me", token)
    assert me["code"] == 0
    user = me["data"]
    row = user_row(server, email)
    group = group_row(server, row["group_id"])

    assert decode(server, user["id"], USER) == row["id"]
    assert user["email"] == email
    assert user["nickname"] == email.split("@")[0]
    assert user["status"] == "active"
    assert abs(parse_time(user["created_at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    for absent in ("anonymous", "avatar", "pined", "preferred_theme", "disable_view_sync"):
        assert absent not in user, absent

    assert decode(server, user["group"]["id"], GROUP) == row["group_id"]
    assert row["id"] != 1
    assert user["group"]["name"] == group["name"] == "User"
    assert base64.b64decode(user["group"]["permission"]) == group["permissions"]
    assert user["group"]["direct_link_batch_size"] == group["settings"]["source_batch"]
    assert user["group"]["trash_retention"] == group["settings"]["trash_retention"]


def test_me_requires_login(api: Api) -> None:
    result = api.get("/user/me")
    assert result["code"] == 401 and "data" not in result
    assert api.get("/user/me", "not-a-jwt")["code"] == 401


def test_info_is_redacted(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    email, _ = api.sign_up()
    viewer = plain_user[1]
    target_id = ids(server).encode(user_row(server, email)["id"], USER)

    seen = api.get(f"/user/info/{target_id}", viewer)
    assert seen["code"] == 0
    data = seen["data"]
    assert set(data) == REDACTED_KEYS | {"email"}
    assert data["id"] == target_id
    assert data["email"] == email
    assert data["nickname"] == email.split("@")[0]
    group_id = user_row(server, email)["group_id"]
    assert data["group"] == {"id": ids(server).encode(group_id, GROUP), "name": group_row(server, group_id)["name"]}

    anonymous = api.get(f"/user/info/{target_id}")
    assert anonymous["code"] == 0
    assert set(anonymous["data"]) == REDACTED_KEYS
    assert {k: v for k, v in data.items() if k != "email"} == anonymous["data"]


def test_info_bad_ids(api: Api, server: Server) -> None:
    assert api.get(f"/user/info/{ids(server).encode(50_000_000, USER)}")["code"] not in (0, 40001)
    assert api.get("/user/info/!!!")["code"] == 40001
    assert api.get(f"/user/info/{ids(server).encode(1, GROUP)}")["code"] == 40001


# --- /user/search -------------------------------------------------------------------------------------

def test_search(api: Api, plain_user: tuple[str, str]) -> None:
    tag = uuid.uuid4().hex[:10]
    emails = [f"s{i:02d}-{tag}@example.com" for i in range(11)]
    for email in emails:
        api.sign_up(email)
    token = plain_user[1]

    found = api.get("/user/search", token, params={"keyword": tag.upper()})
    assert found["code"] == 0
    assert len(found["data"]) == 10
    assert {u["email"] for u in found["data"]} <= set(emails)
    for item in found["data"]:
        assert set(item) == REDACTED_KEYS | {"email"}
        assert set(item["group"]) == {"id", "name"}

    one = api.get("/user/search", token, params={"keyword": f"S03-{tag}"})
    assert [u["email"] for u in one["data"]] == [emails[3]]

    # The nickname matches too, case-insensitively.
    nick_tag = uuid.uuid4().hex[:10]
    nick_email, nick_token = api.new_user()
    assert api.patch("/user/setting", {"nick": f"Nick{nick_tag.upper()}"}, nick_token)["code"] == 0
    by_nick = api.get("/user/search", token, params={"keyword": f"nick{nick_tag}"})
    assert [u["email"] for u in by_nick["data"]] == [nick_email]
    assert by_nick["data"][0]["nickname"] == f"Nick{nick_tag.upper()}"

    # LIKE wildcards are matched literally.
    assert api.get("/user/search", token, params={"keyword": "%_"})["data"] in ([], None)
    assert api.get("/user/search", token, params={"keyword": uuid.uuid4().hex})["data"] in ([], None)


def test_search_refusals(api: Api, plain_user: tuple[str, str]) -> None:
    token = plain_user[1]
    assert api.get("/user/search", token, params={"keyword": "a"})["code"] == 40001
    assert api.get("/user/search", token)["code"] == 40001
    assert api.get("/user/search", params={"keyword": "example"})["code"] == 401


# --- capacity, shares, credit, payments --------------------------------------------------------------

def test_capacity(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    email, token = plain_user
    row = user_row(server, email)
    capacity = api.get("/user/capacity", token)
    assert capacity == {"code": 0, "data": {"total": group_row(server, row["group_id"])["max_storage"], "used": 0},
                        "msg": ""}
    assert capacity["data"]["total"] > 0

    query(server, "UPDATE users SET storage = ? WHERE id = ?", 123_456_789, row["id"])
    announce_user_change(server, row["id"])
    assert api.get("/user/capacity", token)["data"]["used"] == 123_456_789
    assert api.get("/user/capacity")["code"] == 401


def test_user_shares_list(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    email, token = plain_user
    uid = ids(server).encode(user_row(server, email)["id"], USER)
    for size in (10, 100):
        for caller in (token, None):
            result = api.get(f"/user/shares/{uid}", caller, params={"page_size": size})
            assert result["code"] == 0, result
            assert set(result["data"]) == {"shares", "pagination"}
            assert result["data"]["shares"] in ([], None)
            assert result["data"]["pagination"] == {"page": 0, "page_size": size, "is_cursor": True}
    ordered = api.get(f"/user/shares/{uid}", token, params={"page_size": 20, "order_by": "views",
                                                            "order_direction": "desc"})
    assert ordered["code"] == 0

    for params in ({"page_size": 9}, {"page_size": 101}, {}, {"page_size": "ten"},
                   {"page_size": 10, "order_by": "name"}, {"page_size": 10, "order_direction": "up"}):
        assert api.get(f"/user/shares/{uid}", token, params=params)["code"] == 40001, params
    assert api.get("/user/shares/!!!", token, params={"page_size": 10})["code"] == 40001


@pytest.mark.parametrize(("path", "key"), [("/user/creditChanges", "changes"), ("/user/payments", "payments")])
def test_credit_changes_and_payments(api: Api, plain_user: tuple[str, str], path: str, key: str) -> None:
    token = plain_user[1]
    result = api.get(path, token, params={"page_size": 10})
    assert result["code"] == 0
    assert set(result["data"]) == {"pagination", key}
    assert result["data"][key] in ([], None)
    assert result["data"]["pagination"] == {"page": 0, "page_size": 10, "is_cursor": True}
    desc = api.get(path, token, params={"page_size": 50, "order_direction": "desc"})
    assert desc["data"]["pagination"]["page_size"] == 50
    assert api.get(path, token, params={"page_size": 9})["code"] == 40001
    assert api.get(path, token)["code"] == 40001
    assert api.get(path, params={"page_size": 10})["code"] == 401


# --- policies and nodes -------------------------------------------------------------------------------

def test_available_policies(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    email, token = plain_user
    group = group_row(server, user_row(server, email)["group_id"])
    name, kind, max_size = query(server, "SELECT name, type, max_size FROM storage_policies WHERE id = ?",
                                 group["policy_id"])[0]
    result = api.get("/user/setting/policies", token)
    assert result["code"] == 0
    assert len(result["data"]) == 1
    policy = result["data"][0]
    assert decode(server, policy["id"], POLICY) == group["policy_id"]
    assert policy["name"] == name
    assert policy["type"] == kind == "local"
    assert policy["max_size"] == (max_size or 0) == 0
    assert set(policy) <= {"id", "name", "type", "max_size", "allowed_suffix", "relay"}
    assert api.get("/user/setting/policies")["code"] == 401


def test_available_nodes(api: Api, server: Server, plain_user: tuple[str, str]) -> None:
    token = plain_user[1]
    result = api.get("/user/setting/nodes", token)
    assert result["code"] == 0
    rows = {row[0]: row[1:] for row in query(
        server, "SELECT id, name, type, capabilities FROM nodes WHERE status = 'active' AND deleted_at IS NULL")}
    assert len(result["data"]) == len(rows)
    masters = [n for n in result["data"] if n["type"] == "master"]
    assert len(masters) == 1
    for node in result["data"]:
        assert set(node) == {"id", "name", "type", "capabilities"}
        name, kind, capabilities = rows[decode(server, node["id"], NODE)]
        assert (node["name"], node["type"]) == (name, kind)
        assert base64.b64decode(node["capabilities"]) == bytes(capabilities or b"")
    assert api.get("/user/setting/nodes")["code"] == 401


# --- avatar -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tz_server(server_factory: Any) -> Server:
    """A server in UTC+8, so Last-Modified must really be converted from the stored UTC time."""
    return server_factory(env={"TZ": "CST-8"})  # type: ignore[no-any-return]


def image_bytes(fmt: str, size: tuple[int, int], color: tuple[int, int, int] = (255, 0, 0)) -> bytes:
    out = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    image = Image.new("RGB", size, color)
    (image.convert(mode) if mode != "RGB" else image).save(out, format=fmt)
    return out.getvalue()


def put_avatar(api: Api, token: str, body: Any, content_type: str = "image/png") -> dict[str, Any]:
    response = api.client.put(AVATAR, content=body,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def get_avatar(api: Api, uid: str, **params: Any) -> httpx.Response:
    return api.client.get(f"/api/v4/user/avatar/{uid}", params=params)


def avatar_user(api: Api) -> tuple[str, str, str]:
    """(email, token, user hash id)."""
    email, token = api.new_user()
    return email, token, str(api.get("/user/me", token)["data"]["id"])


@pytest.fixture(scope="module")
def uploader(tz_server: Server) -> tuple[str, str, str]:
    return avatar_user(tz_server.api)


def png_bomb(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("fmt", "content_type", "size", "served"), [
    ("PNG", "image/png", (640, 480), (200, 150)),
    ("JPEG", "image/jpeg", (1000, 1000), (200, 200)),
    ("JPEG", "image/jpg", (300, 900), (67, 200)),
    ("GIF", "image/gif", (400, 800), (100, 200)),
    ("PNG", "image/png", (48, 32), (48, 32)),
])
def test_avatar_upload_is_served_as_small_png(tz_server: Server, uploader: tuple[str, str, str], fmt: str,
                                              content_type: str, size: tuple[int, int],
                                              served: tuple[int, int]) -> None:
    api = tz_server.api
    limit = int(setting(tz_server, "avatar_size_l"))
    email, token, uid = uploader
    assert put_avatar(api, token, image_bytes(fmt, size, (200, 30, 10)), content_type) == {"code": 0, "msg": ""}
    assert api.get("/user/me", token)["data"]["avatar"] == "file"
    assert user_row(tz_server, email)["avatar"] == "file"

    response = get_avatar(api, uid)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=86400"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        assert max(image.size) <= limit
        assert abs(image.size[0] - served[0]) <= 1 and abs(image.size[1] - served[1]) <= 1
        red, green, blue = image.convert("RGB").getpixel((image.size[0] // 2, image.size[1] // 2))
        assert red > 150 and green < 90 and blue < 70

    no_cache = get_avatar(api, uid, nocache="true")
    assert no_cache.status_code == 200
    assert "public" not in no_cache.headers.get("cache-control", "")
    assert no_cache.content == response.content


def test_avatar_last_modified_and_conditional_get(tz_server: Server) -> None:
    api = tz_server.api
    _, token, uid = avatar_user(api)
    assert put_avatar(api, token, image_bytes("PNG", (64, 64)))["code"] == 0
    response = get_avatar(api, uid)
    last_modified = parsedate_to_datetime(response.headers["last-modified"])
    assert abs(last_modified - datetime.now(UTC)) < timedelta(minutes=2)

    same = api.client.get(f"/api/v4/user/avatar/{uid}",
                          headers={"If-Modified-Since": response.headers["last-modified"]})
    assert same.status_code == 304
    assert same.content == b""
    earlier = format_datetime(last_modified - timedelta(days=1), usegmt=True)
    old = api.client.get(f"/api/v4/user/avatar/{uid}", headers={"If-Modified-Since": earlier})
    assert old.status_code == 200 and old.content == response.content


def test_avatar_gravatar_mode(tz_server: Server) -> None:
    api = tz_server.api
    email, token, uid = avatar_user(api)
    assert put_avatar(api, token, image_bytes("PNG", (64, 64)))["code"] == 0
    assert put_avatar(api, token, b"") == {"code": 0, "msg": ""}
    assert api.get("/user/me", token)["data"]["avatar"] == "gravatar"
    response = get_avatar(api, uid)
    assert response.status_code == 302
    digest = hashlib.md5(email.lower().encode()).hexdigest()
    assert response.headers["location"] == f"https://www.gravatar.com/avatar/{digest}?d=mm&s=200"
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert "public" not in get_avatar(api, uid, nocache="1").headers.get("cache-control", "")


def test_avatar_none_is_a_bare_404(tz_server: Server) -> None:
    api = tz_server.api
    _, token, uid = avatar_user(api)
    assert "avatar" not in api.get("/user/me", token)["data"]
    response = get_avatar(api, uid)
    assert response.status_code == 404
    assert response.content == b""


def test_avatar_rejections_leave_the_picture_alone(tz_server: Server) -> None:
    api = tz_server.api
    email, token, uid = avatar_user(api)
    assert put_avatar(api, token, image_bytes("PNG", (120, 120), (0, 0, 255)))["code"] == 0
    original = get_avatar(api, uid, nocache="true").content
    updated_at = user_row(tz_server, email)["updated_at"]

    garbage = put_avatar(api, token, b"this is not an image at all" * 10)
    assert garbage["code"] == 40001 and garbage["msg"] == "Invalid image", garbage
    assert put_avatar(api, token, image_bytes("PNG", (64, 64))[:60])["code"] == 40001

    bomb = put_avatar(api, token, png_bomb(50_000, 50_000))
    assert bomb["code"] == 40001, bomb
    assert api.get("/site/ping")["code"] == 0

    limit = int(setting(tz_server, "avatar_size"))
    too_big = put_avatar(api, token, b"\0" * (limit + 1))
    assert too_big["code"] == 40049, too_big
    chunked = put_avatar(api, token, iter([image_bytes("PNG", (32, 32))]))
    assert chunked["code"] == 40049, chunked

    assert api.get("/user/me", token)["data"]["avatar"] == "file"
    assert get_avatar(api, uid, nocache="true").content == original
    assert user_row(tz_server, email)["updated_at"] == updated_at


def test_avatar_garbage_in_gravatar_mode_keeps_gravatar(tz_server: Server) -> None:
    api = tz_server.api
    _, token, uid = avatar_user(api)
    assert put_avatar(api, token, b"")["code"] == 0
    assert put_avatar(api, token, b"GIF89a-but-not-really")["code"] == 40001
    assert api.get("/user/me", token)["data"]["avatar"] == "gravatar"
    assert get_avatar(api, uid).status_code == 302


def test_avatar_ids_and_login(tz_server: Server) -> None:
    api = tz_server.api
    unknown = get_avatar(api, ids(tz_server).encode(60_000_000, USER))
    assert unknown.status_code == 200 and unknown.json()["code"] == 40021
    assert get_avatar(api, "!!!").json()["code"] == 40001
    assert get_avatar(api, ids(tz_server).encode(1, GROUP)).json()["code"] == 40001
    response = api.client.put(AVATAR, content=image_bytes("PNG", (8, 8)), headers={"Content-Type": "image/png"})
    assert response.json()["code"] == 401


def test_avatar_is_per_user(tz_server: Server) -> None:
    api = tz_server.api
    _, token_a, uid_a = avatar_user(api)
    _, token_b, uid_b = avatar_user(api)
    assert put_avatar(api, token_a, image_bytes("PNG", (50, 50), (255, 0, 0)))["code"] == 0
    assert put_avatar(api, token_b, image_bytes("PNG", (50, 50), (0, 255, 0)))["code"] == 0
    with Image.open(io.BytesIO(get_avatar(api, uid_a).content)) as a, \
            Image.open(io.BytesIO(get_avatar(api, uid_b).content)) as b:
        assert a.convert("RGB").getpixel((1, 1)) == (255, 0, 0)
        assert b.convert("RGB").getpixel((1, 1)) == (0, 255, 0)
