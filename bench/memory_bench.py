"""Server memory while 8 clients upload and 8 clients download large files at once (goal: RSS < 250 MB).

Starts ``pyreve serve`` (SQLite, local storage, one worker per core), uploads one file, then runs
8 chunked uploads (the web client's protocol, through curl) and 8 downloads of a signed content URL
(curl) at the same time, sampling the resident memory of the whole server process tree every 0.2 s.
Reports the peak RSS summed over the tree and per process.

    .venv/bin/python bench/memory_bench.py --size-mib 1024
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from transfer_bench import MIB, RESULTS, Pyreve, make_file, split  # noqa: E402


def tree_rss(pid: int) -> dict[int, int]:
    """Resident bytes of a process and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as handle:
                parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
    members = [pid]
    for current in members:
        members.extend(child for child, parent in parents.items() if parent == current)
    out = {}
    for member in members:
        with contextlib.suppress(OSError), open(f"/proc/{member}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    out[member] = int(line.split()[1]) * 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        make_file(source, size)
        chunk_dir = work / "chunks"
        chunk_dir.mkdir()
        pyreve = Pyreve(work / "data", workers=0)
        try:
            chunks = split(source, 25 * MIB, chunk_dir)
            pyreve.upload(source, chunks, "seed.bin", work)
            url = pyreve.url("seed.bin")
            assert pyreve.server.process is not None
            pid = pyreve.server.process.pid
            idle = sum(tree_rss(pid).values())
            peak_total, peak_each = 0, 0
            done = threading.Event()

            def sample() -> None:
                nonlocal peak_total, peak_each
                while not done.is_set():
                    rss = tree_rss(pid)
                    peak_total = max(peak_total, sum(rss.values()))
                    peak_each = max(peak_each, max(rss.values(), default=0))
                    time.sleep(0.2)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            downloads = [subprocess.Popen(["curl", "-s", "-o", "/dev/null", url]) for _ in range(args.clients)]
            uploads = []
            for i in range(args.clients):
                folder = work / f"up{i}"
                folder.mkdir()
                thread = threading.Thread(target=pyreve.upload, args=(source, chunks, f"up-{i}.bin", folder))
                thread.start()
                uploads.append(thread)
            for thread in uploads:
                thread.join()
            for proc in downloads:
                proc.wait()
            elapsed = time.perf_counter() - started
            done.set()
            sampler.join()
        finally:
            pyreve.server.stop()
    report = (f"| clients | size | idle RSS (tree) | peak RSS (tree) | peak RSS (one process) | wall time |\n"
              f"|---|---|---|---|---|---|\n"
              f"| {args.clients} up + {args.clients} down | {args.size_mib} MiB | {idle / MIB:.0f} MiB |"
              f" {peak_total / MIB:.0f} MiB | {peak_each / MIB:.0f} MiB | {elapsed:.0f} s |")
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
