"""Run a media job in a child process (``worker.py``) with resource limits and a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    memory: int = 2 * GIB  # address space of the child (and of each program it starts)
    cpu: int = 120  # CPU seconds
    file_size: int = GIB  # largest file the child may write
    seconds: float = 120.0  # wall-clock deadline; the child and its children are killed after it


async def run(job: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """The child's JSON result; ``{"ok": False, "reason": ...}`` when it fails, crashes or overruns."""
    payload = json.dumps({**job, "limits": {"memory": limits.memory, "cpu": limits.cpu,
                                            "file_size": limits.file_size}}).encode()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pyreve.media.worker", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), limits.seconds)
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        return {"ok": False, "reason": f"timed out after {limits.seconds:g} s"}
    except BaseException:
        _kill(proc)
        with contextlib.suppress(Exception):
            await asyncio.shield(proc.wait())
        raise
    if proc.returncode != 0 or not out:
        tail = err.decode("utf-8", "replace").strip()[-300:]
        return {"ok": False, "reason": f"worker exited with status {proc.returncode}: {tail}"}
    try:
        result: dict[str, Any] = json.loads(out)
    except ValueError:
        return {"ok": False, "reason": "worker answered garbage"}
    return result


def _kill(proc: asyncio.subprocess.Process) -> None:
    """The child and anything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
