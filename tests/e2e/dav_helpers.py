"""Helpers for the WebDAV end-to-end tests: users in a group with WebDAV, their accounts, a DAV client."""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from pyreve.db.seed import GroupPermission as P
from tests.conftest import Server
from tests.e2e.file_helpers import Drive, join_group, make_group
from tests.e2e.helpers import database

PROPFIND_ALL = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
DAV_GROUP = 4  # new users of a DAV server start in it, so tests need not move them (and wait for caches)


def dav_group(server: Server, name: str = "dav", **kw: Any) -> int:
    permissions = kw.pop("permissions", [P.WEBDAV, P.WEBDAV_PROXY, P.SHARE, P.SHARE_DOWNLOAD])
    return make_group(server, name, permissions=permissions, **kw)


def dav_server(server_factory: Any, **settings: str) -> Server:
    """A server whose new users land in a group with WebDAV (1 GiB quota)."""
    server: Server = server_factory(settings={"default_group": str(DAV_GROUP), **settings})
    with database(server) as conn:
        present = conn.execute("SELECT id FROM groups WHERE id = ?", (DAV_GROUP,)).fetchone()
    if present is None:
        assert dav_group(server, "dav", max_storage=1 << 30) == DAV_GROUP
    return server


@dataclass
class DavClient:
    """One WebDAV account of one user, speaking HTTP to /dav."""

    server: Server
    drive: Drive
    email: str
    password: str
    http: httpx.Client

    @classmethod
    def new(cls, server: Server, group_id: int, uri: str = "cloudreve://my", drive: Drive | None = None,
            **options: Any) -> DavClient:
        if drive is None:
            drive = Drive.new(server)
            if group_id != DAV_GROUP:
                join_group(drive, group_id)
        result = drive.call("PUT", "/devices/dav", {"uri": uri, "name": "test", **options})
        assert result["code"] == 0, result
        password = result["data"]["password"]
        http = httpx.Client(base_url=server.base, auth=(drive.email, password), timeout=30)
        return cls(server, drive, drive.email, password, http)

    def url(self, path: str) -> str:
        return self.server.base + "/dav/" + path.lstrip("/")

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, "/dav/" + path.lstrip("/"), **kw)

    def put(self, path: str, data: bytes, **headers: str) -> httpx.Response:
        return self.request("PUT", path, content=data, headers=headers)

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self.request("GET", path, headers=headers)

    def mkcol(self, path: str) -> httpx.Response:
        return self.request("MKCOL", path)

    def propfind(self, path: str, depth: str = "1", body: bytes = b"") -> httpx.Response:
        return self.request("PROPFIND", path, content=body, headers={"Depth": depth})

    def names(self, path: str) -> list[str]:
        response = self.propfind(path)
        assert response.status_code == 207, response.text
        hrefs = re.findall(r"<D:href>([^<]*)</D:href>", response.text)
        return sorted(h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs[1:])

    def lock(self, path: str, depth: str = "infinity", timeout: str = "Second-600", scope: str = "exclusive",
             owner: str = "tester", **headers: str) -> httpx.Response:
        body = (f'<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:{scope}/></D:lockscope>'
                f"<D:locktype><D:write/></D:locktype><D:owner>{owner}</D:owner></D:lockinfo>").encode()
        return self.request("LOCK", path, content=body, headers={"Depth": depth, "Timeout": timeout, **headers})

    def move(self, src: str, dst: str, copy: bool = False, **headers: str) -> httpx.Response:
        return self.request("COPY" if copy else "MOVE", src, headers={"Destination": self.url(dst), **headers})


def raw_request(server: Server, method: str, target: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> tuple[int, bytes]:
    """A request whose target goes on the wire exactly as given (no client-side path clean-up)."""
    parts = urlsplit(server.base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
