"""What the benchmark scripts share: a `pyreve serve` process on a free port, and big folders made
by writing file rows straight into its SQLite database (creating them one by one through the API
would take longer than the measurement)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path, port: int) -> subprocess.Popen[bytes]:
    """`pyreve serve` with one worker and SQLite in `data`, once it answers pings."""
    proc = subprocess.Popen([sys.executable, "-m", "pyreve.cli", "--data-dir", str(data), "serve", "--listen",
                             f"127.0.0.1:{port}", "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v4/site/ping", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def fill(db: Path, parent_id: int, owner_id: int, count: int, name: str = "file-{:06d}.bin") -> None:
    """Add `count` empty file rows named `name.format(i)` to the folder `parent_id`."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(db, timeout=60) as conn:
        conn.executemany(
            "INSERT INTO files (type, name, owner_id, size, file_children, is_symbolic, created_at, updated_at)"
            " VALUES (0, ?, ?, ?, ?, 0, ?, ?)",
            ((name.format(i), owner_id, (i * 7919) % 100_000, parent_id, now, now) for i in range(count)))
