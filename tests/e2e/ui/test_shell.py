"""The UI is served by pyreve itself: the first page, its assets, and the client routes."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.conftest import Server
from tests.e2e.ui.conftest import Person


def test_client_routes_serve_the_app_and_assets_are_hashed_and_cached(ui_server: Server) -> None:
    for path in ("/", "/home", "/session", "/session/reset", "/shares", "/settings", "/connect"):
        response = httpx.get(ui_server.base + path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-cache"
        assert '<div id="app"' in response.text
    index = httpx.get(ui_server.base + "/home").text
    app_js = re.search(r'src="(/assets/[0-9a-f]{12}/app\.js)"', index)
    assert app_js, index
    asset = httpx.get(ui_server.base + app_js.group(1), headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["content-encoding"] == "gzip"
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["content-type"].startswith("text/javascript")
    again = httpx.get(ui_server.base + app_js.group(1), headers={"If-None-Match": asset.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(ui_server.base + "/assets/0/../../conftest.py").status_code == 404
    assert httpx.get(ui_server.base + "/no-such-page").status_code == 404


def test_first_visit_transfers_under_300_kb_compressed(ui_server: Server, page: Any) -> None:
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(int(r.headers.get("content-length", "0"))))
    page.goto("/session")
    page.get_by_role("button", name="Sign in", exact=True).wait_for()
    assert sum(sizes) <= 300_000, sum(sizes)


def test_signed_out_visitor_is_sent_to_sign_in_and_back(person: Person) -> None:
    page = person.page
    page.get_by_role("navigation", name="Main navigation").wait_for()
    assert "/home" in page.url
