from collections.abc import Iterator

import httpx

from tests.conftest import Server


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 1024):
        yield b"x" * 1024


def test_chunked_body_over_one_mib_is_refused_in_the_envelope(server: Server) -> None:
    response = httpx.post(server.base + "/api/v4/session/token", content=_chunks(2 << 20))
    assert response.status_code == 200
    assert response.json()["code"] == 40001
    assert response.json()["msg"] == "Request body too large"


def test_declared_length_over_one_mib_is_refused_before_reading(server: Server) -> None:
    response = httpx.post(server.base + "/api/v4/user", content=b"{" + b" " * (1 << 20) + b"}",
                          headers={"content-type": "application/json"})
    assert response.json()["code"] == 40001


def test_server_still_answers_after_refusals(server: Server) -> None:
    httpx.post(server.base + "/api/v4/session/token", content=_chunks(2 << 20))
    assert httpx.get(server.base + "/api/v4/site/ping").json()["code"] == 0
