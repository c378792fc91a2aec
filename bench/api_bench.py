"""Measure pyreve's JSON API against the ceiling of its own server stack.

Starts two servers side by side on loopback:

* pyreve: ``python -m pyreve.cli --data-dir <tmp> serve --listen 127.0.0.1:<port> --workers N``
  (SQLite and local storage in a temporary data directory unless ``CR_CONF_*`` variables say
  otherwise);
* the ceiling: ``ceiling_app.py``, a bare Starlette route returning a constant JSON body, on granian
  with the options ``pyreve serve`` uses (``--interface asgi --loop uvloop --http 1 --no-ws``, no
  access log, the same number of workers).

It signs up a user, signs in, then measures requests/s and p50/p99 latency of

* ``GET /api/v4/site/ping``
* ``GET /api/v4/site/config/basic``
* ``GET /api/v4/user/me`` (with the access token)
* ``POST /api/v4/session/token`` (sign-in; argon2 makes it slow on purpose)
* the ceiling app

at each concurrency, for ``--duration`` seconds each, over ``--rounds`` rounds with the target order
rotated every round. Cells are medians over the rounds; the ratio compares a route's median req/s
with the ceiling's median at the same concurrency in the same run.

The load generator is ``wrk`` when it is installed (``apt-get install wrk``), otherwise a
multi-process asyncio client. Either way client and server share this machine's cores, so absolute
numbers understate what the server does on its own; compare ratios.

Other work on the machine skews everything, so each measurement first waits for a quiet second and
is repeated when other processes used more than ``--max-other-load`` cores while it ran (see
``OtherLoad``); the report counts the repeats and marks cells that never got a quiet window.

    python bench/api_bench.py --workers 1 2 --duration 5 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CEILING = "ceiling"
PASSWORD = "bench-password-1"
# Rate limits off, so the sign-in benchmark measures sign-in and not the limiter.
SERVER_SETTINGS = {
    "CR_SETTING_login_rate_ip": "0/1",
    "CR_SETTING_login_rate_account": "0/1",
    "CR_SETTING_signup_rate_ip": "0/1",
}
GOAL_TARGETS = ("GET /api/v4/site/ping", "GET /api/v4/user/me")
GOAL_RATIO = 0.5


# --- targets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    name: str
    server: str  # "pyreve" or CEILING
    method: str
    path: str
    auth: bool = False
    sign_in: bool = False


TARGETS = (
    Target("ceiling: bare Starlette, constant JSON", CEILING, "GET", "/api/v4/site/ping"),
    Target("GET /api/v4/site/ping", "pyreve", "GET", "/api/v4/site/ping"),
    Target("GET /api/v4/site/config/basic", "pyreve", "GET", "/api/v4/site/config/basic"),
    Target("GET /api/v4/user/me", "pyreve", "GET", "/api/v4/user/me", auth=True),
    Target("POST /api/v4/session/token", "pyreve", "POST", "/api/v4/session/token", sign_in=True),
)


@dataclass(frozen=True)
class Call:
    """One fully specified request."""

    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def raw(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    other_load: float = 0.0  # cores busy with processes other than the servers and the client


# --- servers ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    workers: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child keeps writing to it
        self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/api/v4/site/ping"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s; see {self.log_path}")
        # One worker answering is not all of them: wait until granian reports every worker started.
        while time.monotonic() < deadline:
            log = self.log_path.read_text(errors="replace")
            if all(f"Started worker-{i}" in log for i in range(1, self.workers + 1)):
                return
            time.sleep(0.2)
        print(f"warning: not every {self.name} worker reported start; see {self.log_path}", file=sys.stderr)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            # Workers that do not stop in time: end the whole process group this script started.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def pyreve_server(workers: int, data_dir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "pyreve.cli", "--data-dir", str(data_dir), "serve",
            "--listen", f"127.0.0.1:{port}", "--workers", str(workers)]
    env = {**os.environ, **SERVER_SETTINGS}
    return Server("pyreve", port, argv, env, RESULTS / f"pyreve-w{workers}.log", workers)


def ceiling_server(workers: int) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop", "--http", "1",
            "--no-ws", "--no-access-log", "--workers", str(workers), "--host", "127.0.0.1",
            "--port", str(port), "--workers-kill-timeout", "10", "--working-dir", str(BENCH),
            "ceiling_app:app"]
    return Server(CEILING, port, argv, dict(os.environ), RESULTS / f"ceiling-w{workers}.log", workers)


# --- preparing the calls --------------------------------------------------------------------------

def envelope(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.method} {response.request.url}: HTTP {response.status_code}")
    payload: dict[str, Any] = response.json()
    if payload.get("code") != 0:
        raise SystemExit(f"{response.request.method} {response.request.url}: {payload}")
    return payload


def prepare_calls(pyreve: Server, ceiling: Server) -> dict[Target, Call]:
    base = f"http://127.0.0.1:{pyreve.port}/api/v4"
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    with httpx.Client(base_url=base, timeout=30) as client:
        envelope(client.post("/user", json=credentials))
        token = envelope(client.post("/session/token", json=credentials))["data"]["token"]["access_token"]
    sign_in_body = httpx.Request("POST", base, json=credentials).content

    calls: dict[Target, Call] = {}
    for target in TARGETS:
        server = ceiling if target.server == CEILING else pyreve
        headers = {"Accept": "application/json"}
        body = b""
        if target.auth:
            headers["Authorization"] = f"Bearer {token}"
        if target.sign_in:
            headers["Content-Type"] = "application/json"
            body = sign_in_body
        call = Call("127.0.0.1", server.port, target.method, target.path, headers, body)
        # Every target must answer code 0 before it is measured.
        envelope(httpx.request(call.method, call.url, headers=call.headers, content=call.body or None,
                               timeout=30))
        calls[target] = call
    return calls


# --- load generation: wrk -------------------------------------------------------------------------

_WRK_SCRIPT = """
wrk.method = "{method}"
{headers}
{body}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or string.sub(body, 1, 9) ~= '{{"code":0' then bad = bad + 1 end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format("WRK_RESULT %d %d %.0f %.0f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), b + e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def wrk_script(call: Call, directory: Path) -> Path:
    headers = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in call.headers.items())
    body = f"wrk.body = {_lua_string(call.body.decode())}" if call.body else ""
    path = directory / f"{call.port}-{call.method}-{call.path.strip('/').replace('/', '_')}.lua"
    path.write_text(_WRK_SCRIPT.format(method=call.method, headers=headers, body=body))
    return path


def run_wrk(call: Call, connections: int, duration: float, script: Path) -> Sample:
    threads = min(connections, 2)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
            "-s", str(script), call.url]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    match = re.search(r"WRK_RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{done.stdout}{done.stderr}")
    requests, duration_us, p50_us, p99_us, errors = (int(g) for g in match.groups())
    return Sample(requests / (duration_us / 1e6), p50_us / 1000, p99_us / 1000, errors)


# --- load generation: asyncio client (when wrk is missing) ----------------------------------------

async def _connection(call: Call, raw: bytes, deadline: float, latencies: list[float],
                      bad: list[int]) -> None:
    reader, writer = await asyncio.open_connection(call.host, call.port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if match is None:
                raise RuntimeError("response without Content-Length")
            body = await reader.readexactly(int(match.group(1)))
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200") or not body.startswith(b'{"code":0'):
                bad[0] += 1
    finally:
        writer.close()


async def _client(call: Call, connections: int, duration: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    bad = [0]
    started = time.perf_counter()
    deadline = started + duration
    raw = call.raw()
    await asyncio.gather(*(_connection(call, raw, deadline, latencies, bad) for _ in range(connections)))
    return latencies, bad[0], time.perf_counter() - started


def _client_process(call: Call, connections: int, duration: float) -> tuple[list[float], int, float]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with granian[uvloop]
        return asyncio.run(_client(call, connections, duration))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_client(call, connections, duration))


def run_python_client(call: Call, connections: int, duration: float, pool: Any) -> Sample:
    processes = min(connections, 2)
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    parts = pool.starmap(_client_process, [(call, share, duration) for share in shares])
    latencies = sorted(lat for part in parts for lat in part[0])
    if not latencies:
        raise SystemExit(f"no response from {call.url}")
    elapsed = max(part[2] for part in parts)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Sample(len(latencies) / elapsed, pct(0.50), pct(0.99), sum(part[1] for part in parts))


# --- other load on the machine ------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot (all cores; idle and I/O wait excluded)."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / _TICK


def _groups_cpu(groups: set[int]) -> float:
    """CPU seconds used so far by the live processes of the given process groups."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # fields after the command name, from "state"
        if int(fields[2]) in groups:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / _TICK


class OtherLoad:
    """How busy the machine is with work that is not this benchmark.

    The servers run in process groups of their own, and the client (wrk, or the asyncio client's
    processes) in this script's; everything else the machine does in the meantime is other load, which
    on a shared machine skews the numbers. Linux only (``/proc``); elsewhere it reports 0.
    """

    def __init__(self, servers: list[Server]):
        self._groups = {os.getpgrp(), *(s.process.pid for s in servers if s.process is not None)}
        self._enabled = Path("/proc/stat").exists()

    def _ours(self) -> float:
        times = os.times()
        return _groups_cpu(self._groups) + times.children_user + times.children_system

    def snapshot(self) -> tuple[float, float, float]:
        if not self._enabled:
            return 0.0, 0.0, time.monotonic()
        return _machine_busy(), self._ours(), time.monotonic()

    def since(self, before: tuple[float, float, float]) -> float:
        """Average number of cores busy with other work since ``before``."""
        if not self._enabled:
            return 0.0
        busy, ours, started = before
        elapsed = max(time.monotonic() - started, 1e-3)
        return max(0.0, (_machine_busy() - busy) - (self._ours() - ours)) / elapsed

    def wait_quiet(self, limit: float, patience: float) -> float:
        """Wait (at most ``patience`` seconds) for a second in which the whole machine, the servers
        included, used less than ``limit`` cores: other work has paused, and the servers have finished
        what the previous measurement left queued (sign-ins keep hashing after the client is gone)."""
        if not self._enabled:
            return 0.0
        deadline = time.monotonic() + patience
        while True:
            busy, started = _machine_busy(), time.monotonic()
            time.sleep(1.0)
            load = (_machine_busy() - busy) / (time.monotonic() - started)
            if load <= limit or time.monotonic() >= deadline:
                return load


# --- one run --------------------------------------------------------------------------------------

@dataclass
class Run:
    workers: int
    concurrency: list[int]
    duration: float
    max_other_load: float
    samples: dict[tuple[Target, int], list[Sample]] = field(default_factory=dict)
    database: str = "sqlite"
    repeated: int = 0
    interrupted: bool = False

    def disturbed(self, target: Target, connections: int) -> int:
        return sum(s.other_load > self.max_other_load for s in self.samples[(target, connections)])

    def cell(self, target: Target, connections: int) -> Sample:
        samples = self.samples[(target, connections)]
        return Sample(statistics.median(s.rps for s in samples), statistics.median(s.p50_ms for s in samples),
                      statistics.median(s.p99_ms for s in samples), sum(s.errors for s in samples))

    def rps_range(self, target: Target, connections: int) -> tuple[float, float]:
        values = [s.rps for s in self.samples[(target, connections)]]
        return min(values), max(values)


def measure(args: argparse.Namespace, workers: int, use_wrk: bool, pool: Any) -> Run:
    database = os.environ.get("CR_CONF_Database.Type", "sqlite")  # noqa: SIM112 - Cloudreve's spelling
    run = Run(workers, args.concurrency, args.duration, args.max_other_load, database=database)
    with tempfile.TemporaryDirectory(prefix="pyreve-bench-") as tmp:
        tmp_path = Path(tmp)
        pyreve = pyreve_server(workers, tmp_path / "data")
        ceiling = ceiling_server(workers)
        try:
            for server in (pyreve, ceiling):
                server.start()
            for server in (pyreve, ceiling):
                server.wait_ready()
            calls = prepare_calls(pyreve, ceiling)
            scripts = {t: wrk_script(c, tmp_path) for t, c in calls.items()} if use_wrk else {}

            other = OtherLoad([pyreve, ceiling])

            def load(target: Target, connections: int, duration: float) -> Sample:
                if use_wrk:
                    return run_wrk(calls[target], connections, duration, scripts[target])
                return run_python_client(calls[target], connections, duration, pool)

            def quiet_sample(target: Target, connections: int) -> Sample:
                """A measurement taken while the machine had no other work, if one can be had."""
                best: Sample | None = None
                for _attempt in range(args.retries + 1):
                    other.wait_quiet(args.max_other_load, args.patience)
                    before = other.snapshot()
                    sample = load(target, connections, args.duration)
                    sample.other_load = other.since(before)
                    if best is None or sample.other_load < best.other_load:
                        best = sample
                    if sample.other_load <= args.max_other_load:
                        break
                    run.repeated += 1
                assert best is not None
                return best

            if args.warmup > 0:
                for target in TARGETS:
                    load(target, max(args.concurrency), args.warmup)
            for round_no in range(args.rounds):
                shift = round_no % len(TARGETS)
                order = TARGETS[shift:] + TARGETS[:shift]
                for target in order:
                    for connections in (args.concurrency if round_no % 2 == 0 else args.concurrency[::-1]):
                        sample = quiet_sample(target, connections)
                        run.samples.setdefault((target, connections), []).append(sample)
                        errors = f"  errors {sample.errors}" if sample.errors else ""
                        print(f"  w{workers} round {round_no + 1}/{args.rounds} c={connections:<3} "
                              f"{target.name:<40} {_num(sample.rps):>9} req/s  p50 {sample.p50_ms:7.2f} ms  "
                              f"p99 {sample.p99_ms:7.2f} ms  other load {sample.other_load:4.2f}{errors}",
                              file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            run.interrupted = True  # keep what was measured; the report says so
        finally:
            for server in (pyreve, ceiling):
                server.stop()
    return run


# --- report ---------------------------------------------------------------------------------------

def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.01 else f"{value:.4f}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(run: Run) -> list[str]:
    lines = ["| target | concurrency | req/s (min–max) | p50 ms | p99 ms | ratio to ceiling |",
             "|---|---|---|---|---|---|"]
    ceiling_target = TARGETS[0]
    for target in TARGETS:
        for connections in run.concurrency:
            if (target, connections) not in run.samples or (ceiling_target, connections) not in run.samples:
                lines.append(f"| {target.name} | {connections} | not measured | – | – | – |")
                continue
            cell = run.cell(target, connections)
            low, high = run.rps_range(target, connections)
            ratio = cell.rps / run.cell(ceiling_target, connections).rps
            errors = f" ({cell.errors} errors)" if cell.errors else ""
            if cell.rps == 0:
                lines.append(f"| {target.name} | {connections} | none completed in {run.duration:g} s{errors} "
                             "| – | – | – |")
                continue
            mark = " *" if run.disturbed(target, connections) else ""
            lines.append(f"| {target.name} | {connections} | {_num(cell.rps)} ({_num(low)}–{_num(high)})"
                         f"{mark}{errors} | {_ms(cell.p50_ms)} | {_ms(cell.p99_ms)} | {_ratio(ratio)} |")
    return lines


def goal_lines(run: Run) -> list[str]:
    out = []
    for target in TARGETS:
        if target.name not in GOAL_TARGETS:
            continue
        for connections in run.concurrency:
            if (target, connections) not in run.samples or (TARGETS[0], connections) not in run.samples:
                continue
            ratio = run.cell(target, connections).rps / run.cell(TARGETS[0], connections).rps
            verdict = "met" if ratio >= GOAL_RATIO else "not met"
            out.append(f"- {target.name}, concurrency {connections}: {ratio:.2f} of the ceiling, "
                       f"goal ≥ {GOAL_RATIO:.2f} {verdict}")
    return out


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - a missing version is not worth failing the report
        return "?"


def pyreve_source() -> str:
    """Where the server's code comes from, with the commit when it is this repository's work tree."""
    found = subprocess.run([sys.executable, "-c", "import pyreve; print(pyreve.__file__)"], cwd=ROOT,
                           capture_output=True, text=True, env=dict(os.environ))
    package = Path(found.stdout.strip()).parent if found.returncode == 0 else None
    if package is None:
        return "pyreve (not importable?)"
    if package.is_relative_to(ROOT):
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                               text=True)
        if head.returncode == 0:
            state = " with uncommitted changes" if dirty.stdout.strip() else ""
            return f"pyreve at commit {head.stdout.strip()}{state}"
    return f"pyreve from {package}"


def report(runs: list[Run], args: argparse.Namespace, client: str, load_before: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# API benchmark",
        "",
        f"Measured {now} by `bench/api_bench.py`: {pyreve_source()}, on {os.cpu_count()} cores "
        f"({platform.machine()}, Linux {platform.release()}), Python {platform.python_version()}, "
        f"granian {_version('granian')}, "
        f"starlette {_version('starlette')}, fastapi {_version('fastapi')}.",
        f"Load: {client}, {args.duration:g} s per cell, {args.rounds} round{'s' if args.rounds != 1 else ''} "
        "with the target order rotated; "
        "cells are medians over the rounds, the ratio is the route's median req/s over the ceiling's at "
        "the same concurrency in the same run. Client and servers share the same cores "
        f"(load average before the run: {load_before}).",
        "",
    ]
    lines += [
        f"Other load: each measurement waits (up to {args.patience:g} s) for a second in which the "
        f"machine, servers included, uses less than {args.max_other_load:g} of a core, and is taken "
        f"again (up to {args.retries} times) when other processes used more during it; cells marked * "
        "still contain a disturbed measurement (the least disturbed one was kept).",
        "",
    ]
    for run in runs:
        interrupted = ", interrupted: partial results" if run.interrupted else ""
        lines += [f"## {run.workers} worker{'s' if run.workers != 1 else ''} ({run.database}{interrupted})", ""]
        lines += table(run)
        lines += ["", *goal_lines(run)]
        lines += [f"- measurements repeated because of other load: {run.repeated}", ""]
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[2],
                        help="worker processes for both servers; several values run one after another "
                             "(default 2)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, target order rotated each round (default 3)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 64],
                        help="comma-separated connection counts (default 1,64)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per target (default 1)")
    parser.add_argument("--max-other-load", type=float, default=0.2,
                        help="cores other processes may use during a measurement (default 0.2)")
    parser.add_argument("--retries", type=int, default=3,
                        help="repeats of a measurement disturbed by other load (default 3)")
    parser.add_argument("--patience", type=float, default=20.0,
                        help="seconds to wait for a quiet machine before each measurement (default 20)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator (default: wrk when installed)")
    parser.add_argument("--out", type=Path, default=RESULTS / "api.md",
                        help="Markdown report (default bench/results/api.md)")
    return parser.parse_args(argv)


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stop the servers on Ctrl-C or kill, also when started in the background (SIGINT ignored there).
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    if use_wrk:
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].split()
        client = f"wrk {version[1] if len(version) > 1 else ''} (1 thread at concurrency 1, 2 threads above)"
    else:
        client = "asyncio client (uvloop, 1 process at concurrency 1, 2 processes above)"
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    pool = None if use_wrk else multiprocessing.get_context("spawn").Pool(2)
    try:
        runs = []
        for workers in args.workers:
            runs.append(measure(args, workers, use_wrk, pool))
            if runs[-1].interrupted:
                break
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    text = report(runs, args, client, load_before)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        raise SystemExit(130) from None
