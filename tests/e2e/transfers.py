"""Helpers for the upload and download end-to-end tests: one server with small chunks, and a client."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import dataclass
from typing import Any

import httpx

from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.helpers import database, hash_ids, update_user

CHUNK = 64 * 1024
# Clean-up jobs every second, so tests can watch them work.
SETTINGS = {"cron_entity_collect": "@every 1s", "cron_garbage_collect": "@every 1s"}


def transfer_server(server_factory: Any, fresh: bool = False) -> Server:
    """The server these tests share (or a fresh one), its default policy cut into CHUNK-byte chunks."""
    server: Server = server_factory(settings=SETTINGS, fresh=fresh)
    set_policy(server, chunk_size=CHUNK)
    with database(server) as conn:
        empty = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    if empty:  # the first account becomes the administrator: keep test clients in the User group
        server.api.sign_up()
    return server


def set_policy(server: Server, **settings: Any) -> None:
    """Change the default policy's settings (``max_size`` is a column, the rest live in JSON)."""
    with database(server) as conn:
        if "max_size" in settings:
            conn.execute("UPDATE storage_policies SET max_size = ? WHERE id = 1", (settings.pop("max_size"),))
        row = conn.execute("SELECT settings FROM storage_policies WHERE id = 1").fetchone()
        current = json.loads(row["settings"] or "{}")
        current.update(settings)
        conn.execute("UPDATE storage_policies SET settings = ? WHERE id = 1", (json.dumps(current),))


@dataclass
class Client:
    """One signed-in user of a server, speaking the upload and download routes."""

    server: Server
    email: str
    token: str

    @classmethod
    def new(cls, server: Server) -> Client:
        email, token = server.api.new_user()
        return cls(server, email, token)

    @property
    def http(self) -> httpx.Client:
        return self.server.api.client

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        if body is not None:
            kw["json"] = body
        return self.server.api.call(method, path, self.token, **kw)

    @property
    def policy_id(self) -> str:
        return hash_ids(self.server).encode(1, IdType.POLICY)

    def start(self, uri: str, size: int, **extra: Any) -> dict[str, Any]:
        return self.call("PUT", "/file/upload", {"uri": uri, "size": size, "policy_id": self.policy_id, **extra})

    def session(self, uri: str, size: int, **extra: Any) -> dict[str, Any]:
        result = self.start(uri, size, **extra)
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    def chunk(self, sid: str, index: int | str, data: bytes, token: str | None = "", **headers: str) -> dict[str, Any]:
        auth = self.token if token == "" else token
        all_headers = {"content-type": "application/octet-stream", **headers}
        if auth:
            all_headers["authorization"] = f"Bearer {auth}"
        response = self.http.post(f"/api/v4/file/upload/{sid}/{index}", content=data, headers=all_headers)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()  # type: ignore[no-any-return]

    def send_chunks(self, sid: str, data: bytes, chunk_size: int, start: int = 0) -> None:
        count = max(1, -(-len(data) // chunk_size)) if chunk_size else 1
        for index in range(start, count):
            piece = data[index * chunk_size:(index + 1) * chunk_size] if chunk_size else data
            result = self.chunk(sid, index, piece)
            assert result == {"code": 0, "msg": ""}, (index, result)

    def upload(self, uri: str, data: bytes, **extra: Any) -> dict[str, Any]:
        credential = self.session(uri, len(data), **extra)
        self.send_chunks(credential["session_id"], data, credential["chunk_size"])
        return credential

    def cancel(self, sid: str, uri: str) -> dict[str, Any]:
        return self.call("DELETE", "/file/upload", {"id": sid, "uri": uri})

    def info(self, uri: str, **params: Any) -> dict[str, Any]:
        result = self.call("GET", "/file/info", params={"uri": uri, **params})
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    def urls(self, uris: list[str], **extra: Any) -> dict[str, Any]:
        return self.call("POST", "/file/url", {"uris": uris, **extra})

    def url(self, uri: str, **extra: Any) -> str:
        result = self.urls([uri], **extra)
        assert result["code"] == 0, result
        return result["data"]["urls"][0]["url"]  # type: ignore[no-any-return]

    def download(self, uri: str, **extra: Any) -> bytes:
        response = httpx.get(self.url(uri, **extra), timeout=30)
        assert response.status_code == 200, (response.status_code, response.text[:200])
        return response.content

    def put_content(self, uri: str, data: bytes, previous: str | None = None) -> dict[str, Any]:
        params = {"uri": uri} | ({"previous": previous} if previous is not None else {})
        return self.call("PUT", "/file/content", params=params, content=data,
                         headers={"content-type": "application/octet-stream"})


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def kill_hard(server: Server) -> None:
    """SIGKILL the server and its worker processes, as a power cut would stop them."""
    assert server.proc is not None
    pids = [server.proc.pid]
    for pid in pids:
        pids.extend(_children(pid))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.proc.wait(10)


def member(server: Server, group_id: int) -> Client:
    """A new user placed in a group before its first signed-in call (so no worker has it cached)."""
    client = Client.new(server)
    update_user(server, client.email, group_users=group_id)
    return client
