"""Listing page 1 of a 100,000-file folder against a 100-file folder (goal: p50 within 2x).

Starts ``pyreve serve`` on a temporary SQLite data directory, creates the two folders through the
API, fills them with rows written straight into the database (the listing reads rows; how they got
there does not matter), then requests the first page of each folder in turn, for every order the
client offers, and reports p50/p99 latency and the ratio.

    .venv/bin/python bench/listing_bench.py --files 100000 --requests 200
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from bench_server import fill, free_port, start

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password-1"


def measure(client: httpx.Client, token: str, uri: str, order: str, requests: int) -> list[float]:
    out = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/api/v4/file", params={"uri": uri, "order_by": order, "page_size": 100},
                              headers={"authorization": f"Bearer {token}"})
        out.append(time.perf_counter() - started)
        assert response.json()["code"] == 0, response.text
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, port = Path(tmp), free_port()
        proc = start(data, port)
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            client.post("/api/v4/user", json={"email": "bench@example.com", "password": PASSWORD})
            token = client.post("/api/v4/session/token", json={"email": "bench@example.com", "password": PASSWORD}
                                ).json()["data"]["token"]["access_token"]
            ids = {}
            for name in ("big", "small"):
                made = client.post("/api/v4/file/create", json={"uri": f"cloudreve://my/{name}", "type": "folder"},
                                   headers={"authorization": f"Bearer {token}"}).json()
                ids[name] = made["data"]["id"]
            db = data / "cloudreve.db"
            with sqlite3.connect(db) as conn:
                rows = dict(conn.execute("SELECT name, id FROM files WHERE name IN ('big', 'small')").fetchall())
                owner = conn.execute("SELECT owner_id FROM files WHERE name = 'big'").fetchone()[0]
            fill(db, rows["big"], owner, args.files)
            fill(db, rows["small"], owner, 100)
            lines = ["| order | 100-file p50 ms | 100k-file p50 ms | p99 ms (small / big) | ratio (p50) |",
                     "|---|---|---|---|---|"]
            for order in ("", "name", "size", "updated_at", "created_at"):
                small: list[float] = []
                big: list[float] = []
                for _ in range(4):  # interleaved, so drift hits both alike
                    small += measure(client, token, "cloudreve://my/small", order, args.requests // 4)
                    big += measure(client, token, "cloudreve://my/big", order, args.requests // 4)
                p50s, p50b = statistics.median(small) * 1000, statistics.median(big) * 1000
                p99s = statistics.quantiles(small, n=100)[98] * 1000
                p99b = statistics.quantiles(big, n=100)[98] * 1000
                lines.append(f"| {order or '(default)'} | {p50s:.2f} | {p50b:.2f} | {p99s:.1f} / {p99b:.1f} |"
                             f" {p50b / p50s:.2f}x |")
        finally:
            proc.terminate()
            proc.wait(15)
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "listing.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
