"""Large transfers: pyreve against copyparty serving the same file, on this machine's loopback.

* download: ``GET`` of a 1 GiB file — pyreve through a signed ``/api/v4/file/content`` URL from
  ``POST /api/v4/file/url``, copyparty by its plain path;
* upload: the same 1 GiB file — pyreve through the chunked upload API the web client uses
  (``PUT /api/v4/file/upload`` for the session, then ``POST /api/v4/file/upload/{id}/{i}`` chunk by
  chunk on one keep-alive connection with the default policy's chunk size, the last one completing
  the upload), copyparty with one ``PUT``.

Both servers run with their defaults (pyreve: SQLite, local storage, one worker per core; copyparty:
anonymous read-write volume, ``-q``). copyparty is installed into this environment with pip when it
is missing. The client is curl for both. Each round runs every workload on both servers, the order
rotated; a ``sync`` comes before every upload. Cells are medians over the rounds (min–max); the
ratio is pyreve's median over copyparty's.

    .venv/bin/python bench/transfer_bench.py --rounds 3 --size-mib 1024
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = "bench-password-1"
MIB = 1 << 20
GIB = 1 << 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    argv: list[str]
    log_path: Path
    ready_url: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.ready_url, timeout=2).status_code < 500:
                    return
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the process group this script started
            self.process.wait(timeout=5)


def ensure_copyparty() -> None:
    if importlib.util.find_spec("copyparty") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "copyparty"], check=True)


def make_file(path: Path, size: int) -> None:
    block = os.urandom(64 * MIB)
    with open(path, "wb") as out:
        left = size
        while left:
            piece = block[:min(left, len(block))]
            out.write(piece)
            left -= len(piece)
    # Into the page cache, so the first round does not pay for the disk.
    with open(path, "rb") as source:
        while source.read(16 * MIB):
            pass


def curl(*args: str) -> str:
    done = subprocess.run(["curl", "-s", "--fail-with-body", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"curl {' '.join(args[:3])}… failed ({done.returncode}): {done.stdout[-500:]}{done.stderr}")
    return done.stdout


def download(url: str, expected: int) -> float:
    out = curl("-o", "/dev/null", "-w", "%{size_download} %{time_total}", url)
    size, seconds = out.split()
    if int(size) != expected:
        raise SystemExit(f"downloaded {size} bytes, expected {expected}")
    return expected / float(seconds) / 1e6


# --- pyreve ----------------------------------------------------------------------------------------

class Pyreve:
    def __init__(self, data_dir: Path, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "pyreve.cli", "--data-dir", str(data_dir), "serve",
                "--listen", f"127.0.0.1:{self.port}"] + (["--workers", str(workers)] if workers else [])
        self.server = Process("pyreve", argv, RESULTS / "transfer-pyreve.log", self.base + "/api/v4/site/ping")
        self.token = ""
        subprocess.run([sys.executable, "-m", "pyreve.cli", "--data-dir", str(data_dir), "admin", "create",
                        "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD], cwd=ROOT, check=True,
                       capture_output=True)
        self.server.start()
        signed_in = self.call("POST", "/session/token", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        self.token = signed_in["token"]["access_token"]
        listing = self.call("GET", "/file", params={"uri": "cloudreve://my"})
        self.policy_id = listing["storage_policy"]["id"]

    def call(self, method: str, path: str, body: object = None, **kwargs: object) -> dict[str, object] | object:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.request(method, self.base + "/api/v4" + path, json=body, headers=headers, timeout=60,
                                 **kwargs)  # type: ignore[arg-type]
        payload = response.json()
        if payload.get("code") != 0:
            raise SystemExit(f"pyreve {method} {path}: {payload}")
        return payload.get("data")

    def upload(self, source: Path, chunks: list[Path], name: str, work: Path) -> float:
        """The web client's chunked upload; returns MB/s from session creation to completion."""
        size = source.stat().st_size
        started = time.perf_counter()
        credential = self.call("PUT", "/file/upload", {"uri": f"cloudreve://my/{name}", "size": size,
                                                        "policy_id": self.policy_id})
        assert isinstance(credential, dict)
        sid = credential["session_id"]
        args: list[str] = []
        for index, chunk in enumerate(chunks):
            if index:
                args.append("--next")
            args += ["-s", "--fail-with-body", "-X", "POST", "-T", str(chunk), "-o", str(work / f"answer-{index}"),
                     "-H", f"Authorization: Bearer {self.token}", "-H", "Content-Type: application/octet-stream",
                     f"{self.base}/api/v4/file/upload/{sid}/{index}"]
        done = subprocess.run(["curl", *args], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        answers = [json.loads((work / f"answer-{i}").read_text()) for i in range(len(chunks))]
        if done.returncode != 0 or any(a.get("code") != 0 for a in answers):
            raise SystemExit(f"pyreve chunk upload failed: {done.stderr} {answers}")
        info = self.call("GET", "/file/info", params={"uri": f"cloudreve://my/{name}"})
        assert isinstance(info, dict) and info["size"] == size, info
        return size / elapsed / 1e6

    def url(self, name: str) -> str:
        data = self.call("POST", "/file/url", {"uris": [f"cloudreve://my/{name}"]})
        assert isinstance(data, dict)
        return str(data["urls"][0]["url"])


# --- copyparty -------------------------------------------------------------------------------------

class Copyparty:
    def __init__(self, share: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "copyparty", "-i", "127.0.0.1", "-p", str(self.port), "-q",
                "-v", f"{share}::rw"]
        self.server = Process("copyparty", argv, RESULTS / "transfer-copyparty.log", self.base + "/")
        self.server.start()

    def upload(self, source: Path, name: str) -> float:
        out = curl("-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-T", str(source), f"{self.base}/{name}")
        code, seconds = out.split()
        if code not in ("200", "201"):
            raise SystemExit(f"copyparty PUT answered {code}")
        return source.stat().st_size / float(seconds) / 1e6


# --- main ------------------------------------------------------------------------------------------

def split(source: Path, chunk_size: int, directory: Path) -> list[Path]:
    chunks = []
    with open(source, "rb") as whole:
        index = 0
        while True:
            data = whole.read(chunk_size)
            if not data and index:
                break
            path = directory / f"chunk-{index:04d}"
            path.write_bytes(data)
            chunks.append(path)
            index += 1
            if len(data) < chunk_size:
                break
    return chunks


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants."""
    pids, total = [pid], 0.0
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as handle:
                stats[int(entry)] = handle.read().rsplit(")", 1)[1].split()
    for current in pids:
        pids.extend(child for child, fields in stats.items() if int(fields[1]) == current)
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / os.sysconf("SC_CLK_TCK")
    return total


def cell(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


@contextlib.contextmanager
def running(*servers: Process) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (default 1024 MiB)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="pyreve workers (default: one per core)")
    parser.add_argument("--out", type=Path, default=RESULTS / "transfer.md")
    parser.add_argument("--tmp", type=Path, default=None, help="where the files go (default: the temp folder)")
    args = parser.parse_args(argv)
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed (apt-get install curl)")
    ensure_copyparty()
    size = args.size_mib * MIB
    samples: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}  # server CPU seconds per GiB moved
    with tempfile.TemporaryDirectory(prefix="transfer-bench-", dir=args.tmp) as tmp:
        work = Path(tmp)
        share, data_dir, pieces = work / "share", work / "pyreve", work / "chunks"
        for folder in (share, data_dir, pieces):
            folder.mkdir()
        source = share / "big.bin"
        print(f"writing a {args.size_mib} MiB file…", flush=True)
        make_file(source, size)
        pyreve = Pyreve(data_dir, args.workers)
        copyparty = Copyparty(share)
        with running(pyreve.server, copyparty.server):
            probe = pyreve.call("PUT", "/file/upload", {"uri": "cloudreve://my/probe.bin", "size": 1,
                                                         "policy_id": pyreve.policy_id})
            assert isinstance(probe, dict)
            chunk_size = int(probe["chunk_size"])
            pyreve.call("DELETE", "/file/upload", {"id": probe["session_id"], "uri": "cloudreve://my/probe.bin"})
            chunks = split(source, chunk_size, pieces)
            pyreve.upload(source, chunks, "big.bin", work)  # the file pyreve serves
            content_url = pyreve.url("big.bin")
            print(f"chunk size {chunk_size // MIB} MiB ({len(chunks)} chunks); measuring…", flush=True)
            assert pyreve.server.process is not None and copyparty.server.process is not None
            servers = {"pyreve": pyreve.server.process.pid, "copyparty": copyparty.server.process.pid}
            for round_index in range(args.rounds):
                order = [("pyreve", "copyparty"), ("copyparty", "pyreve")][round_index % 2]
                for who in order:
                    url = content_url if who == "pyreve" else f"{copyparty.base}/big.bin"
                    before = tree_cpu(servers[who])
                    samples.setdefault(("GET", who), []).append(download(url, size))
                    cpu.setdefault(("GET", who), []).append((tree_cpu(servers[who]) - before) * GIB / size)
                for who in order:
                    os.sync()
                    name = f"up-{round_index}.bin"
                    before = tree_cpu(servers[who])
                    speed = (pyreve.upload(source, chunks, name, work) if who == "pyreve"
                             else copyparty.upload(source, name))
                    samples.setdefault(("PUT", who), []).append(speed)
                    cpu.setdefault(("PUT", who), []).append((tree_cpu(servers[who]) - before) * GIB / size)
                print(f"round {round_index + 1}: " + ", ".join(
                    f"{w} {s} {samples[(w, s)][-1]:.0f} MB/s" for w in ("GET", "PUT") for s in order), flush=True)

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Transfer benchmark",
        "",
        f"Measured {now} by `bench/transfer_bench.py` on {os.cpu_count()} cores ({platform.machine()}, "
        f"Linux {platform.release()}), Python {platform.python_version()}; {args.size_mib} MiB file, "
        f"{args.rounds} rounds, curl as the client, loopback, files in {args.tmp or tempfile.gettempdir()}. "
        "MB/s = 10^6 bytes/s; median (min–max). Server CPU: seconds of CPU (user + system, all of the "
        "server's processes) per GiB moved, median; it depends less on other load than MB/s does.",
        "",
        "| workload | pyreve MB/s | copyparty MB/s | pyreve / copyparty | server CPU s/GiB pyreve | copyparty |",
        "|---|---|---|---|---|---|",
    ]
    for workload, label in (("GET", f"download {args.size_mib} MiB (GET, signed content URL)"),
                            ("PUT", f"upload {args.size_mib} MiB (pyreve: chunked API, {chunk_size // MIB} MiB "
                                    "chunks; copyparty: one PUT)")):
        ours, theirs = samples[(workload, "pyreve")], samples[(workload, "copyparty")]
        ratio = statistics.median(ours) / statistics.median(theirs)
        cpu_ours, cpu_theirs = (statistics.median(cpu[(workload, who)]) for who in ("pyreve", "copyparty"))
        lines.append(f"| {label} | {cell(ours)} | {cell(theirs)} | {ratio:.2f}× | {cpu_ours:.2f} | {cpu_theirs:.2f} |")
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
