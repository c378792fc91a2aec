"""A bounded, schema-driven fuzz run over the whole documented API, signed in, on the default
configuration (SQLite, a worker per core, the database as the KV store).

Whatever a request carries, the answer must be Cloudreve's envelope with a real code: never -1
(an internal error), never an HTTP 5xx, and never slower than two seconds (a request that waits on
itself, or on another's transaction, shows up here as a slow one).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import SERVER_DATABASE, Server

pytestmark = pytest.mark.skipif(SERVER_DATABASE != "sqlite", reason="fuzzed on the default configuration")

SLOW_SECONDS = 2.0
EXAMPLES = 12  # per operation; derandomized, so every run sends the same requests


@pytest.fixture(scope="module")
def fuzzed(server_factory: Any) -> Server:
    return server_factory(fresh=True)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def fuzz_token(fuzzed: Server) -> str:
    return fuzzed.api.new_user()[1]


def test_no_request_fails_inside_or_hangs(fuzzed: Server, fuzz_token: str) -> None:
    schema = schemathesis.openapi.from_url(fuzzed.base + "/api/v4/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def send(case: Any) -> None:
            started = time.monotonic()
            response = case.call(base_url=fuzzed.base, headers=headers, timeout=30)
            elapsed = time.monotonic() - started
            request = f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r:.200}"
            if response.status_code >= 500:
                problems.append(f"{request} -> HTTP {response.status_code} {response.text[:200]}")
            elif elapsed >= SLOW_SECONDS:
                problems.append(f"{request} -> {elapsed:.1f} s")
            elif "application/json" in str(response.headers.get("content-type")):
                body = response.json()
                if isinstance(body, dict) and body.get("code") == -1:
                    problems.append(f"{request} -> {body}")

        send()
    assert operations > 50
    assert not problems, "\n".join(problems)
