"""Share links on PostgreSQL and MariaDB with two workers: the queries behind a visit (the source's chain
of parents, the conditional download counter) on the databases a larger install runs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.e2e.test_share import Link, Owner


def call(server: Server, method: str, path: str, body: Any = None, token: str | None = None,
         **kw: Any) -> dict[str, Any]:
    """Over a new connection each time, so requests land on either worker."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=server.base, timeout=60) as http:
        response = http.request(method, "/api/v4" + path, json=body, headers=headers, **kw)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.external
@pytest.mark.parametrize("kind", [pytest.param("postgres", id="postgres"), pytest.param("mysql", id="mariadb")])
def test_visits_and_download_limits_on_a_shared_database(kind: str, database_env: Callable[[str], dict[str, str]],
                                                          server_factory: Any) -> None:
    server: Server = server_factory(env=database_env(kind), workers=2, fresh=True)
    try:
        owner = Owner.new(server)  # the first account: an administrator, whose group may build archives
        for uri, data in (("cloudreve://my/Album/2024/photo.jpg", b"jpeg bytes"),
                          ("cloudreve://my/Album/single.txt", b"just this one")):
            assert owner.client.put_content(uri, data)["code"] == 0
        folder = owner.share("cloudreve://my/Album", is_private=True)
        single = Link.from_url(call(server, "PUT", "/share", {"uri": "cloudreve://my/Album/single.txt",
                                                              "downloads": 3}, owner.token)["data"])

        listed = call(server, "GET", "/file", params={"uri": folder.uri("2024")})
        assert [f["path"] for f in listed["data"]["files"]] == [folder.uri("2024/photo.jpg")]
        assert call(server, "GET", "/file", params={"uri": folder.uri(password="x")})["code"] == 40069
        for _ in range(3):
            call(server, "GET", f"/share/info/{folder.id}", params={"count_views": "true"})
        assert call(server, "GET", f"/share/info/{folder.id}")["data"]["visited"] == 3

        uri = single.uri("single.txt")
        with ThreadPoolExecutor(30) as pool:
            results = list(pool.map(lambda _: call(server, "POST", "/file/url", {"uris": [uri]}), range(30)))
        granted = [r for r in results if r["code"] == 0]
        assert len(granted) == 3, [r["code"] for r in results]
        assert httpx.get(granted[0]["data"]["urls"][0]["url"]).content == b"just this one"
        mine = call(server, "GET", f"/share/info/{single.id}", token=owner.token)["data"]
        assert (mine["downloaded"], mine["remain_downloads"], mine["expired"]) == (3, 0, True)
        assert call(server, "GET", f"/share/info/{single.id}")["code"] == 404

        _, token = server.api.new_user()
        archive = call(server, "POST", "/file/url", {"uris": [folder.uri("2024")], "archive": True}, owner.token)
        zipped = zipfile.ZipFile(io.BytesIO(httpx.get(archive["data"]["urls"][0]["url"]).content))
        assert zipped.read("2024/photo.jpg") == b"jpeg bytes"

        # A source in the trash (below a trashed folder too) takes its links down; back, they work again.
        assert call(server, "DELETE", "/file", {"uris": ["cloudreve://my/Album"]}, owner.token)["code"] == 0
        assert call(server, "GET", "/file", params={"uri": folder.uri()}, token=token)["code"] == 404
        shares = call(server, "GET", "/share", params={"page_size": 10}, token=owner.token)["data"]["shares"]
        assert {s["name"]: s["expired"] for s in shares} == {"Album": True, "single.txt": True}
        trashed = call(server, "GET", "/file", params={"uri": "cloudreve://trash"}, token=owner.token)
        entry = trashed["data"]["files"][0]["path"]
        assert call(server, "POST", "/file/restore", {"uris": [entry]}, owner.token)["code"] == 0
        assert call(server, "GET", "/file", params={"uri": folder.uri()}, token=token)["code"] == 0
        # Deleted for good: the links go with it.
        assert call(server, "DELETE", "/file", {"uris": ["cloudreve://my/Album"], "skip_soft_delete": True},
                    owner.token)["code"] == 0
        assert call(server, "GET", "/share", params={"page_size": 10}, token=owner.token)["data"]["shares"] in (None,
                                                                                                                [])
    finally:
        server.stop()
