"""The storage accounting invariant (data-model.md §15), read from the server's SQLite database."""

from __future__ import annotations

from tests.conftest import Server
from tests.e2e.helpers import database

_CHARGED = """
SELECT u.id, u.storage,
       COALESCE((SELECT SUM(e.size) FROM files f
                 JOIN file_entities fe ON fe.file_id = f.id
                 JOIN entities e ON e.id = fe.entity_id
                 WHERE f.owner_id = u.id), 0) AS linked
FROM users u
"""


def assert_capacity_invariant(server: Server) -> None:
    """For every user: ``users.storage`` == Σ over their files of Σ sizes of linked entities."""
    with database(server) as conn:
        rows = conn.execute(_CHARGED).fetchall()
    wrong = [(row["id"], row["storage"], row["linked"]) for row in rows if row["storage"] != row["linked"]]
    assert not wrong, f"(user, storage, linked entity sizes) out of balance: {wrong}"


def storage_of(server: Server, email: str) -> int:
    with database(server) as conn:
        return int(conn.execute("SELECT storage FROM users WHERE email = ?", (email,)).fetchone()[0])
