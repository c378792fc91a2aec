"""The litmus WebDAV compliance suites (basic, copymove, props, locks, http) against a real server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.dav_helpers import DAV_GROUP, DavClient, dav_server

SUITES = ("basic", "copymove", "props", "locks", "http")

pytestmark = pytest.mark.skipif(shutil.which("litmus") is None, reason="litmus is not installed (make install-test)")


def results(output: str) -> dict[str, list[tuple[str, str]]]:
    """Per suite, (test, outcome) in order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for block in re.split(r"-> running `", output)[1:]:
        suite, _, body = block.partition("'")
        clean = body.replace("\r", "\n")
        rows: list[tuple[str, str]] = []
        for line in clean.splitlines():
            match = re.match(r"^\s*\d+\.\s+(\w+)\.*\s+(pass|FAIL|SKIPPED)", line.strip())
            if match:
                rows.append((match.group(1), match.group(2)))
            elif line.strip().startswith("....") and line.strip().endswith(("pass (with 1 warning)", "warnings)")):
                rows.append((rows[-1][0] if rows else "?", "pass"))
        out[suite] = rows
    return out


@pytest.mark.parametrize("keep_going", [True, False], ids=["keep-going", "stop-on-failure"])
def test_litmus(server_factory: Any, tmp_path: Path, keep_going: bool) -> None:
    """Every test of every suite passes, shared locks included: no failure and no skip. Without ``-k``
    litmus stops at the first failing suite, so both ways must reach the end."""
    server = dav_server(server_factory)
    client = DavClient.new(server, DAV_GROUP)
    completed = subprocess.run(
        ["litmus", *(["-k"] if keep_going else []), server.base + "/dav/", client.email, client.password],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={"TESTS": " ".join(SUITES), "PATH": "/usr/bin:/bin"})
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    found = results(output)
    assert set(found) == set(SUITES), output
    unexpected = [(suite, name, outcome) for suite, rows in found.items() for name, outcome in rows
                  if outcome != "pass"]
    assert not unexpected, output
    summaries = re.findall(r"summary for `(\w+)': of (\d+) tests run: (\d+) passed", output)
    assert {s for s, _, _ in summaries} == set(SUITES), output
    for suite, run, passed in summaries:
        assert run == passed, (suite, run, passed, output)
    assert "SKIPPED" not in output, output  # the locks suite skips its shared-lock tests when LOCK answers 501
