"""WebDAV side by side: pyreve's /dav, `rclone serve webdav` and copyparty, on the same machine and tree.

Rows: PUT and GET of one 1 GiB file (curl), PROPFIND Depth 1 of a 10,000-entry folder (1 client, and
8 clients), 1,000 × 4 KiB PUTs from 8 clients, 4 KiB GETs at 64 connections (wrk: req/s and p99).
Every workload runs on every target before the next starts; the target order rotates per round;
cells are medians over rounds. copyparty is installed into the running Python when missing.

    .venv/bin/python bench/dav_bench.py [--rounds 3] [--big-mib 1024] [--out bench/results/dav.md]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SMALL = 4096
LISTING = 10_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 60) -> None:
    host, port = url.split("//")[1].split("/")[0].split(":")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


@dataclass
class Target:
    name: str
    base: str  # http://127.0.0.1:port/prefix (no trailing slash)
    auth: str = ""  # Authorization header value
    proc: subprocess.Popen[bytes] | None = None
    pid_to_watch: int = 0
    results: dict[str, list[float]] = field(default_factory=dict)

    @property
    def host(self) -> tuple[str, int]:
        hostport = self.base.split("//")[1].split("/")[0]
        host, port = hostport.split(":")
        return host, int(port)

    @property
    def prefix(self) -> str:
        rest = self.base.split("//")[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else ""

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {"Authorization": self.auth} if self.auth else {}
        out.update(extra or {})
        return out

    def record(self, row: str, value: float) -> None:
        self.results.setdefault(row, []).append(value)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def connection(target: Target) -> http.client.HTTPConnection:
    host, port = target.host
    return http.client.HTTPConnection(host, port, timeout=300)


def request(conn: http.client.HTTPConnection, target: Target, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn.request(method, target.prefix + path, body=body, headers=target.headers(headers))
    response = conn.getresponse()
    return response.status, response.read()


# --- starting the targets --------------------------------------------------------------------------

def start_pyreve(work: Path, workers: int) -> Target:
    data = work / "pyreve"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CR_CONF_", "CR_SETTING_"))}
    log = open(work / "pyreve.log", "wb")  # noqa: SIM115 - kept open for the child
    proc = subprocess.Popen([sys.executable, "-m", "pyreve.cli", "--data-dir", str(data), "serve", "--listen",
                             f"127.0.0.1:{port}", "--workers", str(workers)], stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v4/site/ping")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("pyreve did not start: " + (work / "pyreve.log").read_text()[-2000:])
        time.sleep(0.2)
    email, password = "bench@example.com", "benchpassword"

    def api(method: str, path: str, body: Any, token: str = "") -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, "/api/v4" + path, body=json.dumps(body), headers=headers)
        return json.loads(conn.getresponse().read())

    api("POST", "/user", {"email": email, "password": password})  # the first user is the administrator
    token = api("POST", "/session/token", {"email": email, "password": password})["data"]["token"]["access_token"]
    account = api("PUT", "/devices/dav", {"uri": "cloudreve://my", "name": "bench"}, token)
    assert account["code"] == 0, account
    auth = "Basic " + base64.b64encode(f"{email}:{account['data']['password']}".encode()).decode()
    return Target(f"pyreve-w{workers}", base + "/dav", auth, proc)


def start_rclone(work: Path) -> Target:
    root = work / "rclone"
    root.mkdir()
    port = free_port()
    proc = subprocess.Popen(["rclone", "serve", "webdav", str(root), "--addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base)
    return Target("rclone", base, "", proc)


def start_copyparty(work: Path) -> Target:
    try:
        import copyparty  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "copyparty"], check=True)
    root = work / "copyparty"
    root.mkdir()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "copyparty", "-q", "-i", "127.0.0.1", "-p", str(port),
                             "-v", f"{root}::rwd", "--no-robots"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base)
    time.sleep(1)
    return Target("copyparty", base, "", proc)


# --- workloads -------------------------------------------------------------------------------------

def curl(args: list[str]) -> float:
    done = subprocess.run(["curl", "-s", "-S", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", *args],
                          capture_output=True, text=True, check=True)
    status, seconds = done.stdout.split()
    if not status.startswith("2"):
        raise RuntimeError(f"curl {args[-1]}: HTTP {status}")
    return float(seconds)


def auth_args(target: Target) -> list[str]:
    return ["-H", f"Authorization: {target.auth}"] if target.auth else []


def big_put(target: Target, big: Path) -> None:
    os.sync()
    seconds = curl([*auth_args(target), "-T", str(big), f"{target.base}/big.bin"])
    target.record("PUT 1 GiB (MB/s)", big.stat().st_size / seconds / 1e6)


def big_get(target: Target, big: Path) -> None:
    seconds = curl([*auth_args(target), f"{target.base}/big.bin"])
    target.record("GET 1 GiB (MB/s)", big.stat().st_size / seconds / 1e6)


def parallel(count: int, work: Callable[[int], None]) -> float:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def small_puts(target: Target, round_no: int) -> None:
    conn = connection(target)
    folder = f"/small{round_no}"
    status, _ = request(conn, target, "MKCOL", folder + "/")
    assert status in (201, 405), status
    payload = os.urandom(SMALL)

    def work(worker: int) -> None:
        c = connection(target)
        for i in range(worker, 1000, 8):
            code, _ = request(c, target, "PUT", f"{folder}/f{i:04d}.bin", payload)
            if code not in (200, 201, 204):
                raise RuntimeError(f"PUT {code}")

    seconds = parallel(8, work)
    target.record("PUT 1,000 × 4 KiB, 8 clients (files/s)", 1000 / seconds)


def prepare_listing(target: Target, work: Path) -> None:
    """A folder of 10,000 small files: on disk for the plain-directory peers, through PUTs for pyreve."""
    if target.name == "rclone" or target.name == "copyparty":
        folder = work / target.name / "list"
        folder.mkdir()
        for i in range(LISTING):
            (folder / f"entry{i:05d}.txt").write_bytes(b"x")
        return
    conn = connection(target)
    request(conn, target, "MKCOL", "/list/")

    def fill(worker: int) -> None:
        c = connection(target)
        for i in range(worker, LISTING, 8):
            code, _ = request(c, target, "PUT", f"/list/entry{i:05d}.txt", b"x")
            if code not in (201, 204):
                raise RuntimeError(f"PUT {code}")

    parallel(8, fill)


PROPFIND_BODY = (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/>'
                 b"<D:getlastmodified/><D:getetag/><D:displayname/></D:prop></D:propfind>")


def listing(target: Target) -> None:
    def one(conn: http.client.HTTPConnection) -> None:
        code, body = request(conn, target, "PROPFIND", "/list/", PROPFIND_BODY, {"Depth": "1"})
        if code != 207 or body.count(b"response>") < 2 * LISTING:
            raise RuntimeError(f"PROPFIND {code}, {body.count(b'response>') // 2} entries")

    conn = connection(target)
    one(conn)  # warm-up
    times = []
    for _ in range(5):
        started = time.perf_counter()
        one(conn)
        times.append(time.perf_counter() - started)
    target.record("PROPFIND D1 10k, 1 client (s/listing)", statistics.median(times))

    def work(_: int) -> None:
        c = connection(target)
        for _ in range(3):
            one(c)

    seconds = parallel(8, work)
    target.record("PROPFIND D1 10k, 8 clients (listings/s)", 24 / seconds)


def small_gets(target: Target, seconds: int) -> None:
    path = f"{target.prefix}/small0/f0000.bin"
    host, port = target.host
    args = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    if target.auth:
        args += ["-H", f"Authorization: {target.auth}"]
    done = subprocess.run([*args, f"http://{host}:{port}{path}"], capture_output=True, text=True, check=True)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", done.stdout)
    assert p99 is not None, done.stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if non2xx:
        raise RuntimeError(f"wrk: {non2xx.group(1)} failed responses")
    target.record("GET 4 KiB, 64 conns (req/s)", rate)
    target.record("GET 4 KiB, 64 conns p99 (ms)", float(p99.group(1)) * scale)


# --- the run ---------------------------------------------------------------------------------------

HIGHER_IS_BETTER = {"PUT 1 GiB (MB/s)": True, "GET 1 GiB (MB/s)": True,
                    "PROPFIND D1 10k, 1 client (s/listing)": False, "PROPFIND D1 10k, 8 clients (listings/s)": True,
                    "PUT 1,000 × 4 KiB, 8 clients (files/s)": True, "GET 4 KiB, 64 conns (req/s)": True,
                    "GET 4 KiB, 64 conns p99 (ms)": False}


def table(targets: list[Target]) -> str:
    lines = ["| workload | " + " | ".join(t.name for t in targets) + " | pyreve ÷ better peer |",
             "|---|" + "---|" * len(targets) + "---|"]
    for row, higher in HIGHER_IS_BETTER.items():
        cells, medians = [], {}
        for t in targets:
            values = t.results.get(row, [])
            if not values:
                cells.append("–")
                continue
            median = statistics.median(values)
            medians[t.name] = median
            spread = f" ({min(values):.3g}–{max(values):.3g})" if len(values) > 1 else ""
            cells.append(f"{median:.3g}{spread}")
        ours = next((v for k, v in medians.items() if k.startswith("pyreve")), None)
        peers = [v for k, v in medians.items() if not k.startswith("pyreve")]
        ratio = "–"
        if ours and peers:
            best = max(peers) if higher else min(peers)
            ratio = f"{(ours / best if higher else best / ours):.2f}×"
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--wrk-seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tmp", default=None, help="folder for the servers' data (default: the system temp)")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    for tool in ("curl", "wrk", "rclone"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required")
    work = Path(tempfile.mkdtemp(prefix="davbench-", dir=args.tmp))
    targets: list[Target] = []
    try:
        big = work / "big.bin"
        with open(big, "wb") as handle:
            block = os.urandom(1 << 20)
            for _ in range(args.big_mib):
                handle.write(block)
        targets = [start_pyreve(work, args.workers), start_rclone(work), start_copyparty(work)]
        for target in targets:
            prepare_listing(target, work)
        for round_no in range(args.rounds):
            order = targets[round_no % len(targets):] + targets[:round_no % len(targets)]
            workloads: list[Callable[[Target], None]] = [
                lambda t: big_put(t, big), lambda t: big_get(t, big), listing,
                lambda t, n=round_no: small_puts(t, n),  # type: ignore[misc]
                lambda t: small_gets(t, args.wrk_seconds)]
            for workload in workloads:
                for target in order:
                    workload(target)
            print(f"round {round_no + 1} done", file=sys.stderr, flush=True)
        report = table(targets)
        print(report)
        if args.out:
            Path(args.out).write_text(f"{time.strftime('%Y-%m-%d %H:%M')} rounds={args.rounds} "
                                      f"big={args.big_mib} MiB workers={args.workers}\n\n{report}\n")
    finally:
        for target in targets:
            target.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
