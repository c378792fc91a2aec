"""rclone against /dav: a tree of 1,000 small files up and back, check, idempotent sync with mtimes,
about, and server-side moves and deletes (vendors owncloud and other)."""

from __future__ import annotations

import filecmp
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.dav_helpers import DAV_GROUP, DavClient, dav_server
from tests.e2e.helpers import database

pytestmark = pytest.mark.skipif(shutil.which("rclone") is None, reason="rclone is not installed (make install-test)")


def make_tree(root: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(count):
        folder = root / f"d{i % 10}" / f"s{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"f{i:04d}.bin"
        path.write_bytes(rng.randbytes(rng.randint(0, 4096)))
        stamp = 1_500_000_000 + i * 3600
        os.utime(path, (stamp, stamp))


class Rclone:
    def __init__(self, server: Server, client: DavClient, vendor: str, workdir: Path):
        obscured = subprocess.run(["rclone", "obscure", client.password], capture_output=True, text=True,
                                  check=True).stdout.strip()
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir),
                    "RCLONE_CONFIG": str(workdir / "rclone.conf"),
                    "RCLONE_CONFIG_DAV_TYPE": "webdav", "RCLONE_CONFIG_DAV_URL": server.base + "/dav",
                    "RCLONE_CONFIG_DAV_VENDOR": vendor, "RCLONE_CONFIG_DAV_USER": client.email,
                    "RCLONE_CONFIG_DAV_PASS": obscured}
        (workdir / "rclone.conf").write_text("")

    def __call__(self, *args: str) -> str:
        done = subprocess.run(["rclone", "--transfers", "8", "--checkers", "8", "--low-level-retries", "1",
                               "--retries", "1", *args], capture_output=True, text=True, timeout=300, env=self.env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout + done.stderr


def lsjson(rclone: Rclone, remote: str) -> dict[str, Any]:
    return {item["Path"]: item for item in json.loads(rclone("lsjson", "-R", "--files-only", remote))}


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Server:
    return dav_server(server_factory)


def test_owncloud_tree_round_trip(server: Server, tmp_path: Path) -> None:
    client = DavClient.new(server, DAV_GROUP)
    rclone = Rclone(server, client, "owncloud", tmp_path)
    up = tmp_path / "up"
    make_tree(up, 1000, seed=1)
    rclone("copy", str(up), "dav:tree")
    listed = lsjson(rclone, "dav:tree")
    assert len(listed) == 1000
    local = {str(p.relative_to(up)): p for p in up.rglob("*") if p.is_file()}
    for name, path in local.items():  # X-OC-Mtime kept every modification time (to the second)
        remote_time = listed[name]["ModTime"]
        assert remote_time.startswith(_iso(int(path.stat().st_mtime))), (name, remote_time)
        assert listed[name]["Size"] == path.stat().st_size
    check = rclone("check", str(up), "dav:tree")
    assert "0 differences found" in check and "1000 matching files" in check
    assert "hashes could not be checked" not in check  # the SHA1/MD5 sent with each upload are reported
    down = tmp_path / "down"
    rclone("copy", "dav:tree", str(down))
    comparison = filecmp.dircmp(up, down)
    assert _same_tree(comparison), "downloaded tree differs"
    for name, path in local.items():
        assert (down / name).read_bytes() == path.read_bytes()
        assert int((down / name).stat().st_mtime) == int(path.stat().st_mtime)
    again = rclone("sync", str(up), "dav:tree", "-v", "--stats-one-line")
    assert "Copied" not in again and "Deleted" not in again, again
    about = json.loads(rclone("about", "dav:", "--json"))
    assert about["used"] == client.drive.storage == sum(p.stat().st_size for p in local.values())
    with database(server) as conn:
        quota = conn.execute("SELECT g.max_storage FROM users u JOIN groups g ON g.id = u.group_users "
                             "WHERE u.email = ?", (client.email,)).fetchone()[0]
    assert about["total"] == quota and about["free"] == quota - about["used"]


def test_other_vendor_sync_moves_and_deletes(server: Server, tmp_path: Path) -> None:
    client = DavClient.new(server, DAV_GROUP)
    rclone = Rclone(server, client, "other", tmp_path)
    up = tmp_path / "up"
    make_tree(up, 60, seed=2)
    rclone("sync", str(up), "dav:t")
    assert "0 differences found" in rclone("check", str(up), "dav:t")
    again = rclone("sync", str(up), "dav:t", "-v", "--stats-one-line")
    assert "Copied" not in again, again
    (up / "d0" / "s0" / "f0000.bin").write_bytes(b"changed and longer than before" * 10)
    changed = rclone("sync", str(up), "dav:t", "-v")
    assert changed.count("Copied") == 1, changed
    rclone("moveto", "dav:t/d1/s1/f0001.bin", "dav:t/moved.bin")
    assert client.get("t/moved.bin").content == (up / "d1" / "s1" / "f0001.bin").read_bytes()
    assert client.get("t/d1/s1/f0001.bin").status_code == 404
    rclone("deletefile", "dav:t/moved.bin")
    assert client.get("t/moved.bin").status_code == 404
    rclone("purge", "dav:t/d2")
    assert client.propfind("t/d2", "0").status_code == 404
    down = tmp_path / "down"
    rclone("copy", "dav:t", str(down))
    assert not (down / "d2").exists() and (down / "d3").exists()
    assert (down / "d0" / "s0" / "f0000.bin").read_bytes() == (up / "d0" / "s0" / "f0000.bin").read_bytes()
    trashed = [f["name"] for f in client.drive.trash()]
    assert "d2" in trashed and "moved.bin" in trashed


def _iso(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _same_tree(comparison: filecmp.dircmp[str]) -> bool:
    if comparison.left_only or comparison.right_only or comparison.diff_files or comparison.funny_files:
        return False
    return all(_same_tree(sub) for sub in comparison.subdirs.values())
