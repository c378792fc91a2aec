"""Share links end to end (spec: share.md): creating, editing, listing and deleting them, what their info
shows to owners and visitors, when they stop working, and the public list on a user's profile.

Browsing and downloading through share URIs: test_share_visit.py (same server).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest
from referencing import Registry, Resource

from pyreve.db.seed import GroupPermission
from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.file_helpers import make_group
from tests.e2e.helpers import database, hash_ids, parse_time, update_user
from tests.e2e.transfers import SETTINGS, Client

# Low password-guessing limits (their own tests: test_ratelimit.py); every visitor below comes from an
# address of its own (X-Forwarded-For), so one test's guesses never count against another's.
SHARE_SETTINGS = {**SETTINGS, "share_password_rate_ip": "5/60", "share_password_rate_share": "12/60"}
P = GroupPermission


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    server: Server = server_factory(settings=SHARE_SETTINGS)
    with database(server) as conn:
        users = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    if users == 0:
        Client.new(server)  # the first account becomes the administrator: keep it out of the way
    return server


def random_ip() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@dataclass
class Visitor:
    """Someone opening share links: a guest (no token) or a signed-in user, from an address of their own."""

    server: Server
    token: str | None = None
    ip: str = field(default_factory=random_ip)

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        if body is not None:
            kw["json"] = body
        headers = {"x-forwarded-for": self.ip, **(kw.pop("headers", None) or {})}
        return self.server.api.call(method, path, self.token, headers=headers, **kw)

    def info(self, share_id: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", f"/share/info/{share_id}", params=params)

    def list(self, uri: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", "/file", params={"uri": uri, **params})

    def names(self, uri: str, **params: Any) -> list[str]:
        result = self.list(uri, **params)
        assert result["code"] == 0, result
        return [f["name"] for f in result["data"]["files"]]

    def urls(self, uris: list[str], **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/file/url", {"uris": uris, **extra})


@dataclass
class Owner:
    """A user who shares files: a transfer client plus the share routes."""

    client: Client

    @classmethod
    def new(cls, server: Server) -> Owner:
        return cls(Client.new(server))

    @property
    def server(self) -> Server:
        return self.client.server

    @property
    def token(self) -> str:
        return self.client.token

    @property
    def user_id(self) -> int:
        with database(self.server) as conn:
            return int(conn.execute("SELECT id FROM users WHERE email = ?", (self.client.email,)).fetchone()[0])

    @property
    def hash_id(self) -> str:
        return str(hash_ids(self.server).encode(self.user_id, IdType.USER))

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        return self.client.call(method, path, body, **kw)

    def visitor(self) -> Visitor:
        return Visitor(self.server, self.token)

    def folder(self, uri: str) -> dict[str, Any]:
        result = self.call("POST", "/file/create", {"uri": uri, "type": "folder"})
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    def file(self, uri: str, data: bytes = b"") -> None:
        if data:
            self.client.upload(uri, data)
        else:
            result = self.call("POST", "/file/create", {"uri": uri, "type": "file"})
            assert result["code"] == 0, result

    def share(self, uri: str, **settings: Any) -> Link:
        result = self.call("PUT", "/share", {"uri": uri, **settings})
        assert result["code"] == 0, result
        return Link.from_url(result["data"])


@dataclass(frozen=True)
class Link:
    id: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Link:
        parts = urlsplit(url).path.split("/")
        assert parts[1] == "s", url
        return cls(parts[2], parts[3] if len(parts) > 3 else "")

    def uri(self, path: str = "", password: str | None = None) -> str:
        secret = self.password if password is None else password
        user = f"{self.id}:{secret}" if secret else self.id
        return f"cloudreve://{user}@share" + (f"/{path}" if path else "")


def share_row(server: Server, link: Link) -> Any:
    share_id = hash_ids(server).decode(link.id, IdType.SHARE)
    with database(server) as conn:
        return conn.execute("SELECT * FROM shares WHERE id = ?", (share_id,)).fetchone()


@pytest.fixture
def owner(server: Server) -> Owner:
    return Owner.new(server)


@pytest.fixture
def guest(server: Server) -> Visitor:
    return Visitor(server)


@pytest.fixture
def member(server: Server) -> Iterator[Visitor]:
    """A signed-in visitor (another account in the default group)."""
    _, token = server.api.new_user()
    yield Visitor(server, token)


@pytest.fixture(scope="module")
def openapi(server: Server) -> dict[str, Any]:
    return httpx.get(server.base + "/api/v4/openapi.json").json()  # type: ignore[no-any-return]


def conforms(document: dict[str, Any], method: str, template: str, payload: Any) -> None:
    operation = document["paths"]["/api/v4" + template][method]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.opaque(document))
    jsonschema.Draft202012Validator({"$ref": "urn:openapi#" + schema["$ref"][1:]}, registry=registry).validate(payload)


# --- creating and reading ------------------------------------------------------------------------

def test_create_returns_the_link_and_the_owner_sees_every_field(owner: Owner, server: Server,
                                                                 openapi: dict[str, Any]) -> None:
    owner.folder("cloudreve://my/Trips/Alps")
    before = time.time()
    result = owner.call("PUT", "/share", {"uri": "cloudreve://my/Trips/Alps", "is_private": True, "downloads": 4,
                                          "expire": 3600, "share_view": True, "show_readme": True})
    assert result["code"] == 0, result
    conforms(openapi, "put", "/share", result)
    url = result["data"]
    link = Link.from_url(url)
    assert url == f"http://localhost:5212/s/{link.id}/{link.password}"  # the configured site URL
    assert len(link.password) == 8 and link.password.isalnum() and link.password == link.password.lower()
    assert hash_ids(server).decode(link.id, IdType.SHARE) > 0

    info = owner.visitor().info(link.id, owner_extended="true")
    assert info["code"] == 0, info
    conforms(openapi, "get", "/share/info/{share_id}", info)
    data = info["data"]
    assert data["id"] == link.id and data["name"] == "Alps" and data["source_type"] == 1
    assert data["unlocked"] is True and data["expired"] is False
    assert data["visited"] == 0 and data["downloaded"] == 0 and data["remain_downloads"] == 4
    assert data["password"] == link.password and data["url"] == url
    assert data["is_private"] is True and data["password_protected"] is True
    assert data["share_view"] is True and data["show_readme"] is True
    assert data["source_uri"] == "cloudreve://my/Trips/Alps"
    assert abs(parse_time(data["expires"]).timestamp() - (before + 3600)) < 30
    assert data["owner"]["id"] == owner.hash_id and data["owner"]["email"] == owner.client.email
    assert abs(parse_time(data["created_at"]).timestamp() - before) < 30

    # Every call makes a new link; without a password nothing password-like is shown.
    public = owner.share("cloudreve://my/Trips/Alps")
    assert public.id != link.id and public.password == ""
    data = owner.visitor().info(public.id)["data"]
    assert data["password_protected"] is False and "password" not in data and "is_private" not in data
    assert "remain_downloads" not in data and "expires" not in data and data["downloaded"] == 0


def test_an_explicit_password_and_its_rules(owner: Owner) -> None:
    owner.file("cloudreve://my/plan.txt")
    link = owner.share("cloudreve://my/plan.txt", is_private=True, password="Secret42")
    assert link.password == "Secret42"
    for bad in ("with space", "a" * 33, "ünï"):
        result = owner.call("PUT", "/share", {"uri": "cloudreve://my/plan.txt", "is_private": True, "password": bad})
        assert result["code"] == 40001, (bad, result)
    # A password without is_private is ignored: the link is public.
    assert owner.share("cloudreve://my/plan.txt", password="Ignored1").password == ""


def test_visitors_see_a_locked_share_until_they_give_the_password(owner: Owner, guest: Visitor,
                                                                   member: Visitor) -> None:
    owner.folder("cloudreve://my/Locked")
    link = owner.share("cloudreve://my/Locked", is_private=True, downloads=9, expire=600)
    locked = guest.info(link.id)
    assert locked["code"] == 0, locked
    data = locked["data"]
    assert data["unlocked"] is False and data["password_protected"] is True and data["name"] == "Locked"
    for hidden in ("password", "downloaded", "remain_downloads", "expires", "is_private", "share_view",
                   "source_uri"):
        assert hidden not in data, hidden
    assert data["url"].endswith(f"/s/{link.id}")  # never the password
    assert "email" not in data["owner"] and data["owner"]["id"] == owner.hash_id

    wrong = guest.info(link.id, password="nope")
    assert wrong["code"] == 0 and wrong["data"]["unlocked"] is False
    right = guest.info(link.id, password=link.password, owner_extended="true")
    assert right["data"]["unlocked"] is True and right["data"]["password"] == link.password
    assert right["data"]["remain_downloads"] == 9 and "source_uri" not in right["data"]
    assert "is_private" not in right["data"]  # owner-only
    # A signed-in visitor sees the owner's email.
    assert member.info(link.id)["data"]["owner"]["email"] == owner.client.email


def test_views_are_counted_when_asked(owner: Owner, guest: Visitor, server: Server) -> None:
    owner.folder("cloudreve://my/Counted")
    link = owner.share("cloudreve://my/Counted")
    assert guest.info(link.id, count_views="true")["data"]["visited"] == 1
    assert guest.info(link.id, count_views="true")["data"]["visited"] == 2
    assert guest.info(link.id)["data"]["visited"] == 2
    assert share_row(server, link)["views"] == 2


def test_unknown_and_malformed_share_ids(owner: Owner, guest: Visitor, server: Server) -> None:
    owner.folder("cloudreve://my/Ids")
    link = owner.share("cloudreve://my/Ids")
    ids = hash_ids(server)
    share_id = ids.decode(link.id, IdType.SHARE)
    assert guest.info(ids.encode(share_id + 10_000, IdType.SHARE))["code"] == 404
    # The id of another kind of object, or no valid id at all: a parameter error.
    assert guest.info(ids.encode(share_id, IdType.FILE))["code"] == 40001
    assert guest.info("not-an-id")["code"] == 40001
    for method, path in (("POST", "/share/{}"), ("DELETE", "/share/{}")):
        body = {"uri": "cloudreve://my/Ids"} if method == "POST" else None
        assert owner.call(method, path.format(ids.encode(share_id, IdType.USER)), body)["code"] == 40001


# --- editing and deleting ------------------------------------------------------------------------

def test_edit_changes_limits_and_sets_changes_or_removes_the_password(owner: Owner, guest: Visitor,
                                                                     server: Server) -> None:
    owner.folder("cloudreve://my/Edited")
    link = owner.share("cloudreve://my/Edited", downloads=2, expire=60)

    def edit(**settings: Any) -> Link:
        result = owner.call("POST", f"/share/{link.id}", {"uri": "cloudreve://my/Edited", **settings})
        assert result["code"] == 0, result
        return Link.from_url(result["data"])

    added = edit(is_private=True, password="first1", downloads=5, share_view=True)
    assert added == Link(link.id, "first1")
    row = share_row(server, link)
    assert row["password"] == "first1" and row["remain_downloads"] == 5 and row["expires"] is None
    assert guest.list(link.uri())["code"] == 40069
    assert guest.list(link.uri(password="first1"))["code"] == 0

    assert edit(is_private=True, password="second2").password == "second2"
    assert guest.list(link.uri(password="first1"))["code"] == 40069
    assert guest.list(link.uri(password="second2"))["code"] == 0
    assert share_row(server, link)["remain_downloads"] is None  # downloads left out: unlimited again

    assert edit(is_private=True).password == "second2"  # private without a new one keeps it
    assert edit(is_private=False).password == ""
    assert share_row(server, link)["password"] is None
    assert guest.list(link.uri())["code"] == 0
    assert guest.info(link.id)["data"]["password_protected"] is False
    assert share_row(server, link)["id"] == hash_ids(server).decode(link.id, IdType.SHARE)  # the same link


def test_only_the_owner_edits_and_only_for_the_same_source(owner: Owner, server: Server) -> None:
    owner.folder("cloudreve://my/One")
    owner.folder("cloudreve://my/Two")
    link = owner.share("cloudreve://my/One")
    assert owner.call("POST", f"/share/{link.id}", {"uri": "cloudreve://my/Two"})["code"] == 404
    other = Owner.new(server)
    other.folder("cloudreve://my/One")
    assert other.call("POST", f"/share/{link.id}", {"uri": "cloudreve://my/One", "downloads": 1})["code"] == 404
    assert other.call("POST", f"/share/{link.id}",
                      {"uri": f"cloudreve://{owner.hash_id}@my/One", "downloads": 1})["code"] == 404
    assert share_row(server, link)["remain_downloads"] is None
    assert server.api.post(f"/share/{link.id}", {"uri": "cloudreve://my/One"})["code"] == 401


def test_delete_by_owner_or_administrator_only(owner: Owner, server: Server, guest: Visitor) -> None:
    owner.folder("cloudreve://my/Gone")
    first, second = owner.share("cloudreve://my/Gone"), owner.share("cloudreve://my/Gone")
    stranger = Owner.new(server)
    assert stranger.call("DELETE", f"/share/{first.id}")["code"] == 404
    assert server.api.delete(f"/share/{first.id}")["code"] == 401
    assert guest.info(first.id)["code"] == 0

    assert owner.call("DELETE", f"/share/{first.id}")["code"] == 0
    assert guest.info(first.id)["code"] == 404
    assert guest.list(first.uri())["code"] == 404
    assert owner.call("DELETE", f"/share/{first.id}")["code"] == 404
    assert share_row(server, first)["deleted_at"] is not None  # kept, marked deleted
    listed = owner.call("GET", "/share", params={"page_size": 100})["data"]["shares"]
    assert [s["id"] for s in listed] == [second.id]

    admin_group = 1
    update_user(server, stranger.client.email, group_users=admin_group)
    assert stranger.call("DELETE", f"/share/{second.id}")["code"] == 0
    assert guest.info(second.id)["code"] == 404


# --- what may be shared --------------------------------------------------------------------------

def test_what_cannot_be_shared(owner: Owner, server: Server) -> None:
    owner.folder("cloudreve://my/Mine")
    other = Owner.new(server)

    def create(who: Owner, uri: str) -> int:
        return int(who.call("PUT", "/share", {"uri": uri})["code"])

    assert create(other, f"cloudreve://{owner.hash_id}@my/Mine") == 403  # another user's file
    assert create(owner, "cloudreve://my") == 403  # the root
    assert create(owner, "cloudreve://my/Missing") == 404
    assert create(owner, "cloudreve://trash") == 403
    assert create(owner, "not a uri") == 40001
    link = owner.share("cloudreve://my/Mine")
    assert create(other, link.uri()) == 403  # re-sharing through a share URI
    shortcut = {"sys:shared_redirect": link.uri(), "sys:shared_owner": owner.hash_id}
    assert other.call("POST", "/file/create", {"uri": "cloudreve://my/Saved", "type": "folder",
                                               "metadata": shortcut})["code"] == 0
    assert create(other, "cloudreve://my/Saved") == 403  # symbolic shortcuts
    assert server.api.put("/share", {"uri": "cloudreve://my/Mine"})["code"] == 401

    no_sharing = make_group(server, "No sharing", permissions=[P.SHARE_DOWNLOAD])
    update_user(server, other.client.email, group_users=no_sharing)
    other.folder("cloudreve://my/Own")
    assert create(other, "cloudreve://my/Own") == 40007
    assert other.call("POST", f"/share/{link.id}", {"uri": "cloudreve://my/Own"})["code"] == 40007
    with database(server) as conn:
        assert conn.execute("SELECT COUNT(*) FROM shares WHERE user_shares = ?",
                            (other.user_id,)).fetchone()[0] == 0


# --- listing -------------------------------------------------------------------------------------

def test_my_shares_are_paged_and_ordered(owner: Owner, guest: Visitor, server: Server,
                                         openapi: dict[str, Any]) -> None:
    owner.folder("cloudreve://my/Many")
    links = [owner.share("cloudreve://my/Many", is_private=i % 2 == 0, downloads=i + 1) for i in range(12)]
    for index, link in enumerate(links):
        for _ in range(index % 4):
            guest.info(link.id, count_views="true", password=link.password)

    def page(**params: Any) -> dict[str, Any]:
        result = owner.call("GET", "/share", params={"page_size": 10, **params})
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    first = page()
    conforms(openapi, "get", "/share", {"code": 0, "data": first, "msg": ""})
    assert [s["id"] for s in first["shares"]] == [link.id for link in links[:10]]
    assert first["pagination"]["is_cursor"] is True and first["pagination"]["page_size"] == 10
    second = page(next_page_token=first["pagination"]["next_token"])
    assert [s["id"] for s in second["shares"]] == [link.id for link in links[10:]]
    assert "next_token" not in second["pagination"]
    for item in first["shares"]:
        assert item["unlocked"] is True and item["expired"] is False and "remain_downloads" in item
        assert item["password_protected"] == bool(item.get("password")) and "url" in item

    # By views, most first, across two pages: every link once, in order (ties by id, newest first).
    by_views = page(order_by="views", order_direction="desc")
    rest = page(order_by="views", order_direction="desc", next_page_token=by_views["pagination"]["next_token"])
    got = [(s["visited"], s["id"]) for s in by_views["shares"] + rest["shares"]]
    ids = hash_ids(server)
    assert got == sorted(got, key=lambda t: (t[0], ids.decode(t[1], IdType.SHARE)), reverse=True)
    assert len({i for _, i in got}) == 12
    remaining = [s["remain_downloads"] for s in page(order_by="remain_downloads")["shares"]]
    assert remaining == sorted(remaining)

    assert owner.call("GET", "/share", params={"page_size": 5})["code"] == 40001
    assert owner.call("GET", "/share", params={"page_size": 10, "next_page_token": "%%%"})["code"] == 40001
    assert server.api.get("/share", params={"page_size": 10})["code"] == 401


def test_profile_lists_public_shares_by_the_owners_choice(owner: Owner, guest: Visitor, server: Server) -> None:
    owner.folder("cloudreve://my/Public")
    public = owner.share("cloudreve://my/Public")
    private = owner.share("cloudreve://my/Public", is_private=True)
    spent = owner.share("cloudreve://my/Public", downloads=1)
    with database(server) as conn:
        conn.execute("UPDATE shares SET remain_downloads = 0 WHERE id = ?",
                     (hash_ids(server).decode(spent.id, IdType.SHARE),))

    def listed() -> list[dict[str, Any]]:
        result = guest.call("GET", f"/user/shares/{owner.hash_id}", params={"page_size": 10})
        assert result["code"] == 0, result
        return result["data"]["shares"]  # type: ignore[no-any-return]

    shares = listed()
    assert [s["id"] for s in shares] == [public.id]
    assert shares[0]["unlocked"] is False and "downloaded" not in shares[0] and "email" not in shares[0]["owner"]

    assert owner.call("PATCH", "/user/setting", {"share_links_in_profile": "all_share"})["code"] == 0
    time.sleep(1.2)  # cached user rows
    shares = listed()
    assert [s["id"] for s in shares] == [public.id, private.id]
    assert "password" not in shares[1] and shares[1]["url"].endswith(f"/s/{private.id}")
    assert shares[1]["password_protected"] is True

    assert owner.call("PATCH", "/user/setting", {"share_links_in_profile": "hide_share"})["code"] == 0
    time.sleep(1.2)
    assert listed() == []
    assert guest.call("GET", "/user/shares/nope", params={"page_size": 10})["code"] == 40001


# --- validity ------------------------------------------------------------------------------------

def test_expired_links_are_gone_for_visitors_and_marked_for_the_owner(owner: Owner, guest: Visitor) -> None:
    owner.file("cloudreve://my/soon.txt")
    link = owner.share("cloudreve://my/soon.txt", expire=1)
    assert guest.info(link.id)["code"] == 0
    time.sleep(1.3)
    assert guest.info(link.id)["code"] == 404
    assert guest.list(link.uri())["code"] == 404
    mine = owner.visitor().info(link.id)
    assert mine["code"] == 0 and mine["data"]["expired"] is True
    listed = owner.call("GET", "/share", params={"page_size": 10})["data"]["shares"]
    assert [s["expired"] for s in listed] == [True]


def test_a_trashed_source_hides_the_share_until_it_is_restored(owner: Owner, guest: Visitor, server: Server
                                                               ) -> None:
    owner.folder("cloudreve://my/Outer/Inner")
    direct, nested = owner.share("cloudreve://my/Outer"), owner.share("cloudreve://my/Outer/Inner")
    assert owner.call("DELETE", "/file", {"uris": ["cloudreve://my/Outer"]})["code"] == 0
    for link in (direct, nested):
        assert guest.info(link.id)["code"] == 404
        assert guest.list(link.uri())["code"] == 404
    listed = {s["id"]: s for s in owner.call("GET", "/share", params={"page_size": 10})["data"]["shares"]}
    assert listed[direct.id]["expired"] is True and listed[direct.id]["name"] == "Outer"  # not the trash name
    assert listed[nested.id]["expired"] is True and listed[nested.id]["name"] == "Inner"
    trashed = owner.call("GET", "/file", params={"uri": "cloudreve://trash"})["data"]["files"][0]["path"]
    assert owner.call("POST", "/file/restore", {"uris": [trashed]})["code"] == 0
    assert guest.names(nested.uri()) == [] and guest.names(direct.uri()) == ["Inner"]

    # Deleting for good removes the links.
    assert owner.call("DELETE", "/file", {"uris": ["cloudreve://my/Outer"], "skip_soft_delete": True})["code"] == 0
    assert share_row(server, direct) is None and share_row(server, nested) is None
    assert guest.info(direct.id)["code"] == 404
    assert owner.visitor().info(direct.id)["code"] == 404
    assert owner.call("GET", "/share", params={"page_size": 10})["data"]["shares"] in (None, [])


def test_an_inactive_owner_takes_the_links_down(owner: Owner, guest: Visitor, server: Server) -> None:
    owner.folder("cloudreve://my/Banned")
    link = owner.share("cloudreve://my/Banned")
    update_user(server, owner.client.email, status="manual_banned")
    assert guest.info(link.id)["code"] == 404
    assert guest.list(link.uri())["code"] == 404
    assert guest.call("GET", f"/user/shares/{owner.hash_id}", params={"page_size": 10})["data"]["shares"] in (None,
                                                                                                              [])
    update_user(server, owner.client.email, status="active")
    assert guest.info(link.id)["code"] == 0


# --- short links, files of the owner -------------------------------------------------------------

def test_short_links_redirect_into_the_web_client(server: Server) -> None:
    for path, uri in (("/s/AbCd", "cloudreve://AbCd@share"), ("/s/AbCd/pw12", "cloudreve://AbCd:pw12@share")):
        response = httpx.get(server.base + path, follow_redirects=False)
        assert response.status_code == 302
        location = urlsplit(response.headers["location"])
        assert location.path == "/home" and not location.netloc
        assert parse_qs(location.query) == {"path": [uri]}


def test_owners_files_show_they_are_shared(owner: Owner, member: Visitor) -> None:
    owner.folder("cloudreve://my/Shown")
    owner.folder("cloudreve://my/Plain")
    link = owner.share("cloudreve://my/Shown", is_private=True)
    files = {f["name"]: f for f in owner.call("GET", "/file", params={"uri": "cloudreve://my"})["data"]["files"]}
    assert files["Shown"]["shared"] is True and "shared" not in files["Plain"]

    info = owner.call("GET", "/file/info", params={"uri": "cloudreve://my/Shown", "extended": "true"})["data"]
    assert info["shared"] is True
    [share] = info["extended_info"]["shares"]
    assert share["id"] == link.id and share["password"] == link.password and share["unlocked"] is True
    assert share["is_private"] is True and share["name"] == "Shown"

    seen = member.call("GET", "/file/info", params={"uri": link.uri(), "extended": "true"})
    assert seen["code"] == 0, seen
    assert "shared" not in seen["data"] and "shares" not in seen["data"]["extended_info"]
    assert "owned" not in seen["data"]  # false, so left out
