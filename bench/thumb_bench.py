"""Thumbnails: how fast a large photo renders, how much memory it takes, and whether a crowd of requests
for one new image renders it exactly once.

1. **Pipeline.** A 24-megapixel JPEG (6000×4000) goes through the job the server runs for it: a
   sandboxed child (``python -m pyreve.media.worker``) decoding with Pillow at reduced scale (JPEG
   ``draft``), fitting into 400×300 and encoding PNG. Wall time per render including the child's start;
   peak memory is the child's high-water resident set (``VmHWM``).
2. **Server.** ``pyreve serve`` (SQLite, local storage, ``--workers`` processes) on a fresh data directory:
   the photo is stored with ``PUT /api/v4/file/content``, then ``GET /api/v4/file/thumb`` is timed cold
   (the render happens inside the request) and warm (the stored thumbnail is signed).
3. **Crowd.** For each of ``--crowds`` new photos, ``--clients`` concurrent ``GET /api/v4/file/thumb``
   requests (one connection each) arrive together; afterwards the server's log must show exactly one
   render of that file and its database exactly one thumbnail entity.

    .venv/bin/python bench/thumb_bench.py --renders 5 --crowds 3 --clients 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from pyreve.kit.hashid import HashIds, IdType
from pyreve.media import sandbox
from pyreve.media.thumbnails import ThumbOptions

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PASSWORD = "bench-password-1"


def photo(seed: int, size: tuple[int, int] = (6000, 4000)) -> bytes:
    """A photo-like 24 MP JPEG: smooth gradients, shapes and sensor-like noise (about 9 MB, as a camera writes it)."""
    width, height = size
    small = Image.linear_gradient("L").resize((width // 8, height // 8))
    base = Image.merge("RGB", (small, small.rotate(90 + seed), small.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    base = base.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (seed * 7919 + i * 104729) % width, (seed * 6271 + i * 130363) % height
        draw.ellipse((x, y, x + 400 + i * 10, y + 300 + i * 7), fill=((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
    noise = Image.effect_noise(size, 40).convert("RGB")
    image = Image.blend(base, noise, 0.3)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


# --- 1. the pipeline -------------------------------------------------------------------------------

def bench_pipeline(data: bytes, renders: int, scratch: Path) -> dict[str, Any]:
    src = scratch / "photo.jpg"
    src.write_bytes(data)
    opts = ThumbOptions()
    times, peaks = [], []
    for i in range(renders):
        out = scratch / f"thumb{i}.png"
        job = {"op": "thumb", "src": str(src), "ext": "jpg", "size": len(data), "out": str(out),
               "options": opts.to_dict(), "scratch": str(scratch)}
        started = time.perf_counter()
        result = asyncio.run(sandbox.run(job, sandbox.Limits()))
        times.append(time.perf_counter() - started)
        if not result.get("ok"):
            raise SystemExit(f"render failed: {result}")
        peaks.append(int(result["peak_kib"]))
        size = Image.open(out).size
    return {"times": times, "peaks": peaks, "thumb_size": size}


# --- 2 and 3. the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, workers: int):
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "server.log"
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CR_CONF_", "CR_SETTING_"))}
        env.update({"CR_SETTING_login_rate_ip": "0/1", "CR_SETTING_login_rate_account": "0/1",
                    "CR_SETTING_signup_rate_ip": "0/1"})
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pyreve.cli", "--data-dir", str(self.data_dir), "serve", "--listen",
                 f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited; see {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + "/api/v4/site/ping", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise SystemExit(f"server did not start; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(5)

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.data_dir / "cloudreve.db", timeout=10)

    def file_id(self, hashed: str) -> int:
        with contextlib.closing(self.db()) as conn:
            salt = conn.execute("SELECT value FROM settings WHERE name = 'hash_id_salt'").fetchone()[0]
        return HashIds(salt).decode(hashed, IdType.FILE)

    def thumbnails_of(self, file_id: int) -> int:
        with contextlib.closing(self.db()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM file_entities fe JOIN entities e ON e.id = fe.entity_id "
                                    "WHERE fe.file_id = ? AND e.type = 1", (file_id,)).fetchone()[0])

    def renders_of(self, file_id: int) -> int:
        return self.log_path.read_text(errors="replace").count(f"thumbnail generated for file {file_id} ")


def sign_in(base: str) -> str:
    email = f"bench-{time.time_ns()}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.post("/api/v4/user", json={"email": email, "password": PASSWORD}).json()["code"] == 0
        answer = client.post("/api/v4/session/token", json={"email": email, "password": PASSWORD}).json()
    assert answer["code"] == 0, answer
    return str(answer["data"]["token"]["access_token"])


def upload(base: str, token: str, uri: str, data: bytes) -> str:
    response = httpx.put(base + "/api/v4/file/content", params={"uri": uri}, content=data, timeout=60,
                         headers={"authorization": f"Bearer {token}", "content-type": "application/octet-stream"})
    answer = response.json()
    assert answer["code"] == 0, answer
    return str(answer["data"]["id"])


def ask(base: str, token: str, uri: str, barrier: threading.Barrier | None = None) -> tuple[float, dict[str, Any]]:
    with httpx.Client(timeout=120) as client:
        client.get(base + "/api/v4/site/ping")  # connect first, so the crowd arrives together
        if barrier is not None:
            barrier.wait()
        started = time.perf_counter()
        answer = client.get(base + "/api/v4/file/thumb", params={"uri": uri},
                            headers={"authorization": f"Bearer {token}"}).json()
    return time.perf_counter() - started, answer


def bench_server(server: Server, photos: list[bytes], clients: int) -> dict[str, Any]:
    token = sign_in(server.base)
    upload(server.base, token, "cloudreve://my/bench/single.jpg", photos[0])
    cold, answer = ask(server.base, token, "cloudreve://my/bench/single.jpg")
    assert answer["code"] == 0, answer
    warm = [ask(server.base, token, "cloudreve://my/bench/single.jpg")[0] for _ in range(5)]
    crowds = []
    for index, data in enumerate(photos[1:]):
        uri = f"cloudreve://my/bench/crowd-{index}.jpg"
        file_id = server.file_id(upload(server.base, token, uri, data))
        barrier = threading.Barrier(clients)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(ask, [server.base] * clients, [token] * clients, [uri] * clients,
                                    [barrier] * clients))
        wall = time.perf_counter() - started
        time.sleep(0.5)  # let any stray render reach the log
        latencies = sorted(t for t, _ in results)
        crowds.append({
            "ok": sum(1 for _, a in results if a.get("code") == 0),
            "urls": len({a.get("data", {}).get("url") for _, a in results}),
            "renders": server.renders_of(file_id), "entities": server.thumbnails_of(file_id),
            "p50": statistics.median(latencies), "max": latencies[-1], "wall": wall})
    return {"cold": cold, "warm": statistics.median(warm), "crowds": crowds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=5, help="pipeline renders of the 24 MP photo")
    parser.add_argument("--crowds", type=int, default=3, help="new photos each asked for by a crowd")
    parser.add_argument("--clients", type=int, default=50, help="concurrent requests per crowd")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server worker processes")
    parser.add_argument("--out", type=Path, default=RESULTS / "thumb.md")
    args = parser.parse_args()

    photos = [photo(seed) for seed in range(1 + args.crowds)]
    with tempfile.TemporaryDirectory(prefix="thumb-bench-") as tmp:
        pipeline = bench_pipeline(photos[0], args.renders, Path(tmp))
        server = Server(Path(tmp) / "server", args.workers)
        server.start()
        try:
            served = bench_server(server, photos, args.clients)
        finally:
            server.stop()

    times = pipeline["times"]
    lines = [
        "# Thumbnail benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · Python {platform.python_version()} · server workers: {args.workers}",
        "",
        "`.venv/bin/python bench/thumb_bench.py "
        f"--renders {args.renders} --crowds {args.crowds} --clients {args.clients} --workers {args.workers}`",
        "",
        f"Photo: 6000×4000 JPEG (24 MP), {len(photos[0]) / 1e6:.1f} MB; thumbnail "
        f"{pipeline['thumb_size'][0]}×{pipeline['thumb_size'][1]} PNG (box 400×300).",
        "",
        "| measurement | result |",
        "|---|---|",
        f"| pipeline render (child start + decode + fit + encode), median of {len(times)} | "
        f"{statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) |",
        f"| pipeline peak memory (child's VmHWM), max | {max(pipeline['peaks']) / 1024:.1f} MiB |",
        f"| `GET /file/thumb`, cold (renders in the request) | {served['cold'] * 1000:.0f} ms |",
        f"| `GET /file/thumb`, warm (stored thumbnail), median of 5 | {served['warm'] * 1000:.1f} ms |",
    ]
    for i, crowd in enumerate(served["crowds"]):
        lines.append(
            f"| crowd {i + 1}: {args.clients} concurrent requests for a new photo | {crowd['ok']}/{args.clients} ok, "
            f"{crowd['urls']} distinct URL, **{crowd['renders']} render** logged, {crowd['entities']} thumbnail "
            f"entity; latency p50 {crowd['p50'] * 1000:.0f} ms, max {crowd['max'] * 1000:.0f} ms |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    if any(c["renders"] != 1 or c["entities"] != 1 or c["ok"] != args.clients for c in served["crowds"]):
        raise SystemExit("a crowd did not get exactly one render")


if __name__ == "__main__":
    main()
