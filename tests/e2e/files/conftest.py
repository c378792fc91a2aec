"""File-feature tests share one transfer server per module; storage accounting is checked after each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.capacity import assert_capacity_invariant
from tests.e2e.transfers import Client, transfer_server


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Iterator[Server]:
    server = transfer_server(server_factory)
    yield server
    assert_capacity_invariant(server)


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    client = Client.new(server)
    yield client
    assert_capacity_invariant(server)
