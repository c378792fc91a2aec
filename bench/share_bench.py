"""Opening a share page against listing the same folder as its owner (goal: p50 within 1.5x).

Starts ``pyreve serve`` (one worker) on a temporary SQLite data directory, creates a folder through the
API and fills it with 10,000 file rows written straight into the database, shares it (once without a
password, once with one), then measures, interleaved so drift hits all alike:

* owner: ``GET /api/v4/file?uri=cloudreve://my/big`` — the first page, as the owner's explorer asks;
* share page: what the web client asks when a guest opens the link — ``GET /api/v4/share/info/{id}``
  with ``count_views=true``, then ``GET /api/v4/file?uri=cloudreve://{id}[:{password}]@share`` —
  timed together, as the page waits for both.

Reports p50/p99 in milliseconds and the ratio of the share page's p50 to the owner's.

    .venv/bin/python bench/share_bench.py --files 10000 --requests 400
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from bench_server import fill, free_port, start

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password-1"
PAGE = 100


def ok(response: httpx.Response) -> None:
    body = response.json()
    assert body["code"] == 0, body
    files = body["data"].get("files")
    assert files is None or len(files) == PAGE, len(files)


def timed(calls: Callable[[], None], requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        calls()
        out.append(time.perf_counter() - started)
    return out


def stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples) * 1000, statistics.quantiles(samples, n=100)[98] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp), free_port()
        proc = start(data, port)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            client.post("/api/v4/user", json={"email": "bench@example.com", "password": PASSWORD})
            token = client.post("/api/v4/session/token", json={"email": "bench@example.com", "password": PASSWORD}
                                ).json()["data"]["token"]["access_token"]
            auth = {"authorization": f"Bearer {token}"}
            made = client.post("/api/v4/file/create", json={"uri": "cloudreve://my/big", "type": "folder"},
                               headers=auth).json()
            assert made["code"] == 0, made
            db = data / "cloudreve.db"
            with sqlite3.connect(db) as conn:
                folder, owner = conn.execute("SELECT id, owner_id FROM files WHERE name = 'big'").fetchone()
            fill(db, folder, owner, args.files)
            links = {}
            for kind, private in (("public", False), ("password", True)):
                url = client.put("/api/v4/share", json={"uri": "cloudreve://my/big", "is_private": private},
                                 headers=auth).json()["data"]
                links[kind] = urlsplit(url).path.split("/")[2:]

            def owner_list() -> None:
                ok(client.get("/api/v4/file", params={"uri": "cloudreve://my/big", "page_size": PAGE}, headers=auth))

            def share_page(kind: str) -> Callable[[], None]:
                share_id, *secret = links[kind]
                password = secret[0] if secret else ""
                uri = f"cloudreve://{share_id}:{password}@share" if password else f"cloudreve://{share_id}@share"

                def visit() -> None:
                    ok(client.get(f"/api/v4/share/info/{share_id}",
                                  params={"password": password, "count_views": "true"}))
                    ok(client.get("/api/v4/file", params={"uri": uri, "page_size": PAGE}))
                return visit

            samples: dict[str, list[float]] = {"owner": [], "public": [], "password": []}
            for call in (owner_list, share_page("public"), share_page("password")):  # warm up
                timed(call, 20)
            for _ in range(8):  # interleaved, so drift hits all alike
                samples["owner"] += timed(owner_list, args.requests // 8)
                samples["public"] += timed(share_page("public"), args.requests // 8)
                samples["password"] += timed(share_page("password"), args.requests // 8)
        finally:
            proc.terminate()
            proc.wait(15)
    owner_p50, owner_p99 = stats(samples["owner"])
    lines = [f"{args.files:,} files in the folder, first page of {PAGE}, {args.requests} requests each, "
             "one worker, SQLite.", "",
             "| request | p50 ms | p99 ms | ratio (p50) |", "|---|---|---|---|",
             f"| owner lists `cloudreve://my/big` | {owner_p50:.2f} | {owner_p99:.1f} | 1.00x |"]
    for kind, label in (("public", "guest opens the share page (info + list)"),
                        ("password", "guest opens a password share page (info + list)")):
        p50, p99 = stats(samples[kind])
        lines.append(f"| {label} | {p50:.2f} | {p99:.1f} | {p50 / owner_p50:.2f}x |")
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "share.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
