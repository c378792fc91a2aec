"""Shared fixtures: a real `pyreve serve` process, a real SMTP server, and an HTTP client for the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

EXTERNAL = os.environ.get("CI", "").lower() == "true"
PG_URL_ENV = {"CR_CONF_Database.Type": "postgres", "CR_CONF_Database.Host": "127.0.0.1",
              "CR_CONF_Database.Port": "5432", "CR_CONF_Database.User": "postgres"}
MYSQL_URL_ENV = {"CR_CONF_Database.Type": "mysql", "CR_CONF_Database.Host": "127.0.0.1",
                 "CR_CONF_Database.Port": "3306", "CR_CONF_Database.User": "root"}
REDIS_ENV = {"CR_CONF_Redis.Server": "127.0.0.1:6379"}
# Servers start as `make run` starts them: one worker per core, at least two.
DEFAULT_WORKERS = max(2, os.cpu_count() or 1)
# What the end-to-end servers run on: "sqlite" (the default, as `make run`), "postgres" (with Redis) or
# "mysql" (MariaDB, with the database as the KV store). CI runs the end-to-end suite on all three.
SERVER_DATABASE = os.environ.get("PYREVE_TEST_DATABASE", "sqlite")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- SMTP -----------------------------------------------------------------------------------------

class Mailbox:
    """Collects every message the real SMTP server (aiosmtpd) receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        with self._cond:
            self.messages.append(message_from_bytes(envelope.content))
            self._cond.notify_all()
        return "250 OK"

    def wait_for(self, to: str, timeout: float = 10) -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.messages:
                    if to.lower() in str(msg["To"]).lower():
                        self.messages.remove(msg)
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {to} within {timeout}s")
                self._cond.wait(left)

    @staticmethod
    def html(msg: Message) -> str:
        for part in msg.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        raise AssertionError("message has no HTML part")


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


# --- the server process ---------------------------------------------------------------------------

@dataclass
class Api:
    """A thin client: every call returns the parsed envelope."""

    base: str
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base, timeout=30)

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.request(method, "/api/v4" + path, headers=headers, **kwargs)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()  # type: ignore[no-any-return]

    def get(self, path: str, token: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("GET", path, token, **kw)

    def post(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("POST", path, token, json=body, **kw)

    def put(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("PUT", path, token, json=body, **kw)

    def patch(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("PATCH", path, token, json=body, **kw)

    def delete(self, path: str, body: Any = None, token: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("DELETE", path, token, json=body, **kw)

    def sign_up(self, email: str | None = None, password: str = "password123") -> tuple[str, str]:
        email = email or unique_email()
        result = self.post("/user", {"email": email, "password": password})
        assert result["code"] == 0, result
        return email, password

    def sign_in(self, email: str, password: str = "password123") -> dict[str, Any]:
        result = self.post("/session/token", {"email": email, "password": password})
        assert result["code"] == 0, result
        return result["data"]  # type: ignore[no-any-return]

    def new_user(self) -> tuple[str, str]:
        """A fresh account: (email, access token)."""
        email, password = self.sign_up()
        return email, self.sign_in(email, password)["token"]["access_token"]


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


class Server:
    """`pyreve serve` as a real process on a free port, with its own data directory."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, workers: int = DEFAULT_WORKERS):
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CR_CONF_", "CR_SETTING_"))}
        # Generous attempt limits unless a test sets its own; the rate-limit tests lower them.
        defaults = {"CR_SETTING_login_rate_ip": "10000/60", "CR_SETTING_login_rate_account": "1000/60",
                    "CR_SETTING_reset_rate_ip": "10000/60", "CR_SETTING_reset_rate_account": "1000/60",
                    "CR_SETTING_signup_rate_ip": "10000/60"}
        self.env = {**base_env, **defaults, **(env or {})}
        self.workers = workers
        self.database_kind = self.env.get("CR_CONF_Database.Type", "sqlite")
        self.log_path = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the child writes to its own copy of the handle
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyreve.cli", "--data-dir", str(self.data_dir), "serve",
                 "--listen", f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(self.base + "/api/v4/site/ping", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    @property
    def api(self) -> Api:
        return Api(self.base)


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Mailbox, int]) -> Iterator[Any]:
    """Start servers with given settings; each distinct settings set is started once per session."""
    started: dict[tuple[tuple[str, str], ...], Server] = {}
    databases: list[tuple[str, str]] = []
    _, smtp_port = smtp

    def make(settings: dict[str, str] | None = None, env: dict[str, str] | None = None,
             fresh: bool = False, workers: int = DEFAULT_WORKERS) -> Server:
        merged = {"CR_SETTING_smtpHost": "127.0.0.1", "CR_SETTING_smtpPort": str(smtp_port),
                  "CR_SETTING_smtpEncryption": "0",
                  **{f"CR_SETTING_{k}": v for k, v in (settings or {}).items()}, **(env or {})}
        key = tuple(sorted(merged.items())) + (("workers", str(workers)),)
        if not fresh and key in started:
            return started[key]
        if SERVER_DATABASE != "sqlite" and "CR_CONF_Database.Type" not in merged:
            merged.update(server_database_env(databases))
        server = Server(tmp_path_factory.mktemp("server"), merged, workers=workers).start()
        started[key if not fresh else key + (("fresh", uuid.uuid4().hex),)] = server
        return server

    yield make
    for server in started.values():
        server.stop()
    if databases:
        from tests.integration.conftest import drop_database

        for kind, name in databases:
            drop_database(kind, name)


def server_database_env(created: list[tuple[str, str]]) -> dict[str, str]:
    """A new, empty database of the kind ``PYREVE_TEST_DATABASE`` names (and Redis with PostgreSQL)."""
    from tests.integration.conftest import create_database, require, unique_name

    kind = SERVER_DATABASE
    require(kind)
    name = unique_name()
    create_database(kind, name)
    created.append((kind, name))
    if kind == "postgres":
        require("redis")
        return {**PG_URL_ENV, **REDIS_ENV, "CR_CONF_Database.Name": name}
    return {**MYSQL_URL_ENV, "CR_CONF_Database.Name": name}


@pytest.fixture(scope="session")
def server(server_factory: Any) -> Server:
    """The default server: SQLite, defaults for every setting."""
    return server_factory()  # type: ignore[no-any-return]


@pytest.fixture
def api(server: Server) -> Api:
    return server.api


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, int]) -> Mailbox:
    return smtp[0]
