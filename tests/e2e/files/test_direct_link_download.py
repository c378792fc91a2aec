"""``/f/d/{id}/{name}``: a direct link whose content downloads as an attachment (files.md §12)."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from tests.conftest import Server
from tests.e2e.transfers import Client


def follow(url: str, method: str = "GET") -> httpx.Response:
    return httpx.request(method, url, follow_redirects=False, timeout=30)


def test_the_download_form_forces_an_attachment(client: Client, server: Server) -> None:
    client.upload("cloudreve://my/d/caf\u00e9.txt", b"espresso")
    result = client.call("PUT", "/file/source", {"uris": ["cloudreve://my/d/caf\u00e9.txt"]})
    assert result["code"] == 0, result
    link = result["data"][0]["link"]
    link_id, name = link.split("/")[-2:]
    assert name == quote("caf\u00e9.txt", safe="")

    inline = follow(link)
    assert inline.status_code == 302
    served = httpx.get(inline.headers["location"], timeout=30)
    assert served.content == b"espresso"
    assert served.headers["content-disposition"].startswith("inline")

    forced = follow(f"{server.base}/f/d/{link_id}/{name}")
    assert forced.status_code == 302
    assert forced.headers["cache-control"].startswith("public, max-age=")
    served = httpx.get(forced.headers["location"], timeout=30)
    assert served.status_code == 200 and served.content == b"espresso"
    assert served.headers["content-disposition"].startswith("attachment")
    assert "caf%C3%A9.txt" in served.headers["content-disposition"]
    assert follow(f"{server.base}/f/d/{link_id}/{name}", "HEAD").status_code == 302

    # Both forms count as downloads of the one link.
    [listed] = client.info("cloudreve://my/d/caf\u00e9.txt", extended=True)["extended_info"]["direct_links"]
    assert listed["downloaded"] == 3

    # A link that does not work answers 404 with an envelope, as the inline form does.
    wrong = follow(f"{server.base}/f/d/{link_id}/other.txt")
    assert wrong.status_code == 404 and wrong.json()["code"] == 404
    assert follow(f"{server.base}/f/d/notanid/{name}").status_code == 404
