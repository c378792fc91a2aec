"""`pyreve serve` with two workers on PostgreSQL and MariaDB, with the database or Redis as the KV store.

Every request goes over a new connection, so requests land on either worker; a 2FA sign-in started
on one and finished on another only works when the stores are shared.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from pyreve.db.models import KVEntry, Setting, User
from tests.conftest import Server, unique_email
from tests.integration.conftest import REDIS_SERVER, Database, require, run_async

STEP = 30
CASES = [
    pytest.param("postgres", "database", id="postgres-dbkv"),
    pytest.param("mysql", "database", id="mariadb-dbkv"),
    pytest.param("postgres", "redis", id="postgres-redis"),
    pytest.param("mysql", "redis", id="mariadb-redis"),
]


class Client:
    """One new connection per request, so the kernel spreads them over the server's workers."""

    def __init__(self, base: str):
        self._http = httpx.Client(base_url=base + "/api/v4", timeout=30,
                                  limits=httpx.Limits(max_keepalive_connections=0))

    def call(self, method: str, path: str, token: str | None = None, body: Any = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._http.request(method, path, json=body, headers=headers)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        self._http.close()


class Codes:
    """TOTP codes for time steps not used before (the server refuses a step's code twice)."""

    def __init__(self, secret: str):
        self.totp = pyotp.TOTP(secret)
        self.used: set[int] = set()

    def fresh(self) -> str:
        left = STEP - time.time() % STEP
        if left < 3:  # stay clear of a step boundary between choosing a code and the server checking it
            time.sleep(left + 0.2)
        now_step = int(time.time() // STEP)
        for step in (now_step + 1, now_step, now_step - 1):
            if step not in self.used:
                self.used.add(step)
                return self.totp.at(step * STEP)
        raise AssertionError("no unused TOTP step")


def kv_value(database: Database, kv: str, key: str) -> str | None:
    """Read a KV entry straight from where the server keeps it."""
    if kv == "redis":
        site_id = read_db(database, sa.select(Setting.value).where(Setting.name == "siteID"))

        async def read_redis() -> str | None:
            client = Redis.from_url(f"redis://{REDIS_SERVER}/0", decode_responses=True)
            try:
                value = await client.get(f"pyreve:{site_id}:{key}")
                return None if value is None else str(value)
            finally:
                await client.aclose()

        return run_async(read_redis)  # type: ignore[no-any-return]
    return read_db(database, sa.select(KVEntry.value).where(KVEntry.key == key))  # type: ignore[no-any-return]


def forget_site(database: Database) -> None:
    """Delete the site's Redis keys (revocations would otherwise stay for two weeks)."""
    site_id = read_db(database, sa.select(Setting.value).where(Setting.name == "siteID"))

    async def clean() -> None:
        client = Redis.from_url(f"redis://{REDIS_SERVER}/0")
        try:
            keys = [key async for key in client.scan_iter(match=f"pyreve:{site_id}:*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    if site_id:
        run_async(clean)


def read_db(database: Database, stmt: sa.Select[Any]) -> Any:
    async def read() -> Any:
        engine = database.engine()
        try:
            async with engine.connect() as conn:
                return await conn.scalar(stmt)
        finally:
            await engine.dispose()

    return run_async(read)


@pytest.mark.external
@pytest.mark.parametrize(("kind", "kv"), CASES)
def test_accounts_and_sessions_on_a_shared_database(
    kind: str, kv: str, fresh_database: Callable[[str], Database], server_factory: Any,
) -> None:
    database = fresh_database(kind)
    env = dict(database.env)
    if kv == "redis":
        require("redis")
        env["CR_CONF_Redis.Server"] = REDIS_SERVER
    server: Server = server_factory(env=env, workers=2, fresh=True)
    client = Client(server.base)
    try:
        _flow(client, database, kv)
    finally:
        client.close()
        server.stop()
        if kv == "redis":
            forget_site(database)


def _flow(client: Client, database: Database, kv: str) -> None:
    email, password = unique_email("Mixed.Case"), "password123"

    # sign up and sign in; the account lives in this database
    assert client.call("POST", "/user", body={"email": email, "password": password})["code"] == 0
    assert read_db(database, sa.select(User.email).where(User.email == email.lower())) == email.lower()
    signed_in = client.call("POST", "/session/token", body={"email": email.upper(), "password": password})
    assert signed_in["code"] == 0, signed_in
    tokens = signed_in["data"]["token"]
    me = client.call("GET", "/user/me", tokens["access_token"])
    assert me["code"] == 0 and me["data"]["email"] == email.lower()
    assert client.call("POST", "/session/token", body={"email": email, "password": "wrong-password"})[
        "code"] == 40080

    # refresh, then sign out: the refresh tokens of that sign-in stop working on every worker
    refreshed = client.call("POST", "/session/token/refresh", body={"refresh_token": tokens["refresh_token"]})
    assert refreshed["code"] == 0, refreshed
    assert client.call("GET", "/user/me", refreshed["data"]["access_token"])["data"]["email"] == email.lower()
    out = client.call("DELETE", "/session/token", body={"refresh_token": refreshed["data"]["refresh_token"]})
    assert out["code"] == 0, out
    for token in (tokens["refresh_token"], refreshed["data"]["refresh_token"]):
        for _ in range(3):
            again = client.call("POST", "/session/token/refresh", body={"refresh_token": token})
            assert again["code"] == 40020, again

    # enable 2FA: the pending secret is kept in the KV store between two requests
    access = client.call("POST", "/session/token", body={"email": email, "password": password})[
        "data"]["token"]["access_token"]
    secret = client.call("GET", "/user/setting/2fa", access)["data"]
    codes = Codes(secret)
    enabled = client.call("PATCH", "/user/setting", access, {"two_fa_enabled": True, "two_fa_code": codes.fresh()})
    assert enabled["code"] == 0, enabled

    # a 2FA sign-in: the session is stored in the shared store and finished by another request
    started = client.call("POST", "/session/token", body={"email": email, "password": password})
    assert started["code"] == 203, started
    session_id = started["data"]
    assert kv_value(database, kv, f"user_2fa_{session_id}") is not None
    code = codes.fresh()
    finished = client.call("POST", "/session/token/2fa", body={"session_id": session_id, "otp": code})
    assert finished["code"] == 0, finished
    assert finished["data"]["user"]["email"] == email.lower()
    assert kv_value(database, kv, f"user_2fa_{session_id}") is None
    reused = client.call("POST", "/session/token/2fa", body={"session_id": session_id, "otp": code})
    assert reused["code"] == 404, reused

    # a code accepted once is refused when replayed, whichever worker sees it
    second = client.call("POST", "/session/token", body={"email": email, "password": password})["data"]
    replayed = client.call("POST", "/session/token/2fa", body={"session_id": second, "otp": code})
    assert replayed["code"] == 40022, replayed
    accepted = client.call("POST", "/session/token/2fa", body={"session_id": second, "otp": codes.fresh()})
    assert accepted["code"] == 0, accepted
