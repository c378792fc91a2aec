"""Fixtures the end-to-end tests share."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import MYSQL_URL_ENV, PG_URL_ENV
from tests.integration.conftest import create_database, drop_database, require, unique_name


@pytest.fixture
def database_env() -> Iterator[Callable[[str], dict[str, str]]]:
    """``make(kind)``: the environment of a server on a new, empty PostgreSQL or MariaDB database (dropped
    afterwards); skips the test when that server is not running, outside CI."""
    created: list[tuple[str, str]] = []

    def make(kind: str) -> dict[str, str]:
        require(kind)
        name = unique_name()
        create_database(kind, name)
        created.append((kind, name))
        return {**(PG_URL_ENV if kind == "postgres" else MYSQL_URL_ENV), "CR_CONF_Database.Name": name}

    yield make
    for kind, name in created:
        drop_database(kind, name)
