"""The child that decodes untrusted media: ``python -m pyreve.media.worker``.

It reads one JSON job on stdin, limits its own memory, CPU time and file size, runs the job and
writes one JSON result on stdout. Whatever a hostile file does here, the server only sees a job
that failed.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from pyreve.media import metadata, thumbnails


def limit(memory: int, cpu_seconds: int, file_size: int) -> None:
    """Lower this process's soft limits (children such as ffmpeg inherit them)."""
    for which, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, file_size)):
        if value <= 0:
            continue
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))


def peak_kib() -> int:
    """This process's peak resident memory (``ru_maxrss`` would include the parent's, kept across exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(job: dict[str, Any]) -> dict[str, Any]:
    src = Path(job["src"])
    if job["op"] == "thumb":
        options = thumbnails.ThumbOptions.from_dict(job["options"])
        with tempfile.TemporaryDirectory(dir=job.get("scratch") or None) as scratch:
            return thumbnails.render(src, job["ext"], int(job["size"]), options, Path(job["out"]), Path(scratch))
    if job["op"] == "meta":
        return metadata.extract(src, job["ext"], int(job["size"]), metadata.MetaOptions.from_dict(job["options"]))
    return {"ok": False, "reason": f"unknown job {job['op']!r}"}


def main() -> int:
    results = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the result
    try:
        job = json.loads(sys.stdin.read())
        limits = job.get("limits") or {}
        limit(int(limits.get("memory", 0)), int(limits.get("cpu", 0)), int(limits.get("file_size", 0)))
        result = run(job)
    except Exception as exc:  # the result says what went wrong
        result = {"ok": False, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    result["peak_kib"] = max(peak_kib(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    results.write(json.dumps(result))
    results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
