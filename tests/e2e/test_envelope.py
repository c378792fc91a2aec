"""The response envelope and bad input, end to end (spec: conventions.md §1–§4)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import Api, Server, unique_email
from tests.e2e.helpers import UUID_RE, count_users, group_hash, user_hash, user_row

JSON = {"content-type": "application/json"}


def raw_post(api: Api, path: str, content: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = api.client.post("/api/v4" + path, content=content, headers={**JSON, **(headers or {})})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-cache"
    return response.json()  # type: ignore[no-any-return]


def assert_validation_error(result: dict[str, Any], msg: str | None = None) -> None:
    assert result["code"] == 40001, result
    assert "data" not in result
    assert "correlation_id" not in result
    if msg is not None:
        assert result["msg"] == msg
    else:
        assert result["msg"]


# --- malformed bodies -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/session/token", "/session/token/refresh", "/user"])
@pytest.mark.parametrize("body", [b"{not json", b'{"email": "a@example.com",}', b"[1, 2]", b'"text"', b"null"])
def test_malformed_json(api: Api, path: str, body: bytes) -> None:
    assert_validation_error(raw_post(api, path, body), "JSON marshall error")


@pytest.mark.parametrize("path", ["/session/token", "/session/token/refresh", "/user"])
def test_empty_body(api: Api, path: str) -> None:
    result = raw_post(api, path, b"")
    assert_validation_error(result)
    assert result["msg"] in ("JSON marshall error", "Parameter error")


@pytest.mark.parametrize("path", ["/session/token", "/session/token/refresh", "/user"])
def test_body_that_is_not_utf8(api: Api, path: str) -> None:
    body = b'{"email": "caf\xe9@example.com", "password": "pass\xffword", "refresh_token": "\xfe\xff"}'
    assert_validation_error(raw_post(api, path, body))


def test_sign_up_with_a_body_that_is_not_utf8_creates_nothing(api: Api, server: Server) -> None:
    email = unique_email()
    body = b'{"email": "' + email.encode() + b'", "password": "pass\xffword1"}'
    assert_validation_error(raw_post(api, "/user", body))
    assert count_users(server, email) == 0


@pytest.mark.parametrize("body,msg", [
    ({"password": "password123"}, "Email cannot be empty"),
    ({"email": "someone@example.com"}, "Password cannot be empty"),
    ({}, None),
    ({"email": "not-an-email", "password": "password123"}, "Email format error"),
    ({"email": "someone@example.com", "password": "abc"}, "Password too short"),
    ({"email": "someone@example.com", "password": "p" * 10_000}, "Password too long"),
])
def test_sign_in_field_validation(api: Api, body: dict[str, Any], msg: str | None) -> None:
    assert_validation_error(api.post("/session/token", body), msg)


@pytest.mark.parametrize("body,msg", [
    ({"password": "password123"}, "Email cannot be empty"),
    ({"email": "x@example.com"}, "Password cannot be empty"),
    ({"email": "x@example.com", "password": "12345"}, "Password too short"),
    ({"email": "x@example.com", "password": "p" * 129}, "Password too long"),
    ({"email": "e" * 200 + "@example.com", "password": "password123"}, None),
])
def test_sign_up_field_validation_creates_nothing(api: Api, server: Server, body: dict[str, Any],
                                                  msg: str | None) -> None:
    if body.get("email") == "x@example.com":
        body = {**body, "email": unique_email()}
    assert_validation_error(api.post("/user", body), msg)
    if "email" in body:
        assert count_users(server, body["email"]) == 0


def test_missing_refresh_token(api: Api) -> None:
    assert_validation_error(api.post("/session/token/refresh", {}), "RefreshToken cannot be empty")
    assert_validation_error(api.post("/session/token/refresh", {"refresh_token": "t" * 10_000}))


def test_body_over_one_mebibyte(api: Api, server: Server) -> None:
    email = unique_email()
    big = b'{"email": "' + email.encode() + b'", "password": "' + b"p" * (1 << 20) + b'"}'
    result = raw_post(api, "/user", big)
    assert result["code"] == 40001 and "data" not in result
    assert count_users(server, email) == 0
    assert raw_post(api, "/session/token/refresh", big)["code"] == 40001


def test_streamed_body_over_one_mebibyte(api: Api, server: Server) -> None:
    email = unique_email()

    def chunks() -> Any:
        yield b'{"email": "' + email.encode() + b'", "password": "'
        for _ in range(3):
            yield b"p" * (1 << 19)
        yield b'"}'

    assert raw_post(api, "/user", chunks())["code"] == 40001
    assert count_users(server, email) == 0


# --- routes and ids ---------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/no/such/route"), ("POST", "/no/such/route"), ("DELETE", "/site"), ("GET", "/session"),
    ("PUT", "/site/ping/extra"),
])
def test_unknown_api_routes_answer_404_in_the_envelope(api: Api, method: str, path: str) -> None:
    result = api.call(method, path)
    assert result["code"] == 404 and result["msg"]
    assert "data" not in result


def test_user_info_by_hash_id(api: Api, server: Server) -> None:
    email, token = api.new_user()
    own_id = user_hash(server, user_row(server, email)["id"])
    found = api.get(f"/user/info/{own_id}", token)
    assert found["code"] == 0 and found["data"]["id"] == own_id

    for bad in ("not-an-id", "0", "bPhN1234567890", own_id + "x"):
        result = api.get(f"/user/info/{bad}", token)
        assert result["code"] == 40001, (bad, result)
    # A valid hash id of another type is refused the same way.
    wrong_type = api.get(f"/user/info/{group_hash(server, 1)}", token)
    assert wrong_type["code"] == 40001 and wrong_type["msg"]


# --- correlation ids --------------------------------------------------------------------------

def test_correlation_id_is_echoed_when_it_is_a_uuid(api: Api) -> None:
    given = str(uuid.uuid4())
    result = api.get("/user/me", headers={"X-Cr-Correlation-Id": given})
    assert result["code"] == 401
    assert result["correlation_id"] == given


@pytest.mark.parametrize("header", [None, "not-a-uuid", "1234", "' OR 1=1 --"])
def test_correlation_id_is_generated_otherwise(api: Api, header: str | None) -> None:
    headers = {"X-Cr-Correlation-Id": header} if header is not None else {}
    first = api.get("/user/me", headers=headers)
    second = api.get("/user/me", headers=headers)
    assert first["code"] == second["code"] == 401
    for result in (first, second):
        assert UUID_RE.match(result["correlation_id"]), result
        assert result["correlation_id"] != header
    assert first["correlation_id"] != second["correlation_id"]


def test_correlation_id_is_not_a_response_header(server: Server) -> None:
    given = str(uuid.uuid4())
    response = httpx.get(server.base + "/api/v4/user/me", headers={"X-Cr-Correlation-Id": given})
    assert response.json()["correlation_id"] == given
    assert given not in " ".join(response.headers.values())


def test_success_has_no_correlation_id(api: Api) -> None:
    result = api.get("/site/config/login", headers={"X-Cr-Correlation-Id": str(uuid.uuid4())})
    assert result["code"] == 0
    assert set(result) == {"code", "data", "msg"}


# --- sign-up races ----------------------------------------------------------------------------

def test_repeated_sign_up(api: Api, server: Server) -> None:
    email, _ = api.sign_up()
    again = api.post("/user", {"email": email, "password": "password123"})
    assert again["code"] == 40032 and "data" not in again
    upper = api.post("/user", {"email": email.upper(), "password": "password456"})
    assert upper["code"] == 40032
    assert count_users(server, email) == 1
    # The first password still signs in.
    assert api.sign_in(email, "password123")["user"]["email"] == email


def _racing_sign_up(server: Server, email: str, password: str, barrier: threading.Barrier,
                    codes: list[int]) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        barrier.wait()
        response = client.post("/api/v4/user", json={"email": email, "password": password})
        codes.append(response.json()["code"])


def test_concurrent_sign_ups_make_one_account(server: Server) -> None:
    for _ in range(5):
        email = unique_email("race")
        barrier = threading.Barrier(2)
        codes: list[int] = []
        threads = [threading.Thread(target=_racing_sign_up, args=(server, email, password, barrier, codes))
                   for password in ("password-one", "password-two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes) == [0, 40032], codes
        assert count_users(server, email) == 1
