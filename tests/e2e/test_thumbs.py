"""Thumbnails end to end (spec: files.md §4): generation, storage accounting, one render per version,
hostile images, permissions."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from pyreve.kit.hashid import IdType
from tests.conftest import Server
from tests.e2e.capacity import assert_capacity_invariant, storage_of
from tests.e2e.helpers import database, hash_ids, parse_time
from tests.e2e.media_files import (
    camera_jpeg,
    flac_bytes,
    image_bytes,
    marked_jpeg,
    media_server,
    needs_ffmpeg,
    pdf_bytes,
    png_bomb,
    truncated_jpeg,
    video_bytes,
)
from tests.e2e.transfers import Client

BOX = (400, 300)  # thumb_width × thumb_height defaults


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Iterator[Server]:
    server = media_server(server_factory)
    yield server
    assert_capacity_invariant(server)


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    client = Client.new(server)
    yield client
    assert_capacity_invariant(server)


def put(client: Client, uri: str, data: bytes) -> dict[str, Any]:
    result = client.put_content(uri, data)
    assert result["code"] == 0, result
    return result["data"]  # type: ignore[no-any-return]


def thumb(client: Client, uri: str, token: str | None = "") -> dict[str, Any]:
    auth = client.token if token == "" else token
    return client.server.api.call("GET", "/file/thumb", auth, params={"uri": uri})


def fetch(url: str) -> httpx.Response:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, (response.status_code, response.text[:200])
    return response


def thumbnail_rows(server: Server, file_hash: str) -> list[Any]:
    file_id = hash_ids(server).decode(file_hash, IdType.FILE)
    with database(server) as conn:
        return conn.execute("SELECT e.* FROM entities e JOIN file_entities fe ON fe.entity_id = e.id "
                            "WHERE fe.file_id = ? AND e.type = 1", (file_id,)).fetchall()


def generations(server: Server, file_hash: str) -> int:
    """Renders of this file the server logged."""
    file_id = hash_ids(server).decode(file_hash, IdType.FILE)
    return server.log_path.read_text(errors="replace").count(f"thumbnail generated for file {file_id} ")


def wait_for_log(server: Server, file_hash: str, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while generations(server, file_hash) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_photo_gets_an_upright_thumbnail_stored_once_and_charged_to_its_owner(client: Client) -> None:
    uri = "cloudreve://my/photos/portrait.jpg"
    file = put(client, uri, marked_jpeg((1200, 800), orientation=6))
    before = storage_of(client.server, client.email)

    started = time.time()
    result = thumb(client, uri)
    assert result["code"] == 0, result
    assert set(result["data"]) == {"url", "expires"}
    expires = parse_time(result["data"]["expires"]).timestamp()
    assert started + 3600 - 5 <= expires <= time.time() + 3600 + 600 + 5  # rounded up to a 600 s step
    url = result["data"]["url"]
    assert "/api/v4/file/content/" in url and "sign=" in url

    response = fetch(url)
    assert response.headers["content-type"] == "image/png"  # thumb_encode_method defaults to png
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    # 1200×800 stored, orientation 6 (turn 90° clockwise): upright 800×1200, fitted into 400×300.
    assert image.size == (200, 300)
    rgb = image.convert("RGB")
    red, blue = (255, 0, 0), (0, 0, 255)
    assert _near(rgb.getpixel((150, 40)), red)  # the stored top-left corner is now top right
    assert _near(rgb.getpixel((40, 40)), blue)
    assert _near(rgb.getpixel((150, 260)), blue)

    rows = thumbnail_rows(client.server, file["id"])
    assert len(rows) == 1
    assert rows[0]["size"] == len(response.content)
    assert rows[0]["reference_count"] == 1
    assert storage_of(client.server, client.email) == before + rows[0]["size"]
    info = client.info(uri, extended="true")["extended_info"]
    assert info["storage_used"] == len(marked_jpeg((1200, 800), 6)) + rows[0]["size"]
    assert sorted(e["type"] for e in info["entities"]) == [0, 1]

    again = thumb(client, uri)
    assert again["code"] == 0
    assert again["data"]["url"] == url  # the same link while it lives: browsers can cache it
    assert len(thumbnail_rows(client.server, file["id"])) == 1
    wait_for_log(client.server, file["id"], 1)
    assert generations(client.server, file["id"]) == 1


def _near(pixel: Any, expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(int(a) - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_fifty_concurrent_requests_render_the_image_once(client: Client) -> None:
    uri = "cloudreve://my/photos/busy.jpg"
    file = put(client, uri, image_bytes((3000, 2000), quality=90))

    def ask(_: int) -> dict[str, Any]:
        return thumb(client, uri)

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(ask, range(50)))
    assert all(r["code"] == 0 for r in results), [r for r in results if r["code"] != 0][:3]
    entity_ids = {r["data"]["url"].split("/api/v4/file/content/")[1].split("/")[0] for r in results}
    assert len(entity_ids) == 1  # every caller got the one thumbnail
    assert len(thumbnail_rows(client.server, file["id"])) == 1
    wait_for_log(client.server, file["id"], 1)
    time.sleep(0.3)  # a second render, if there were one, would log by now
    assert generations(client.server, file["id"]) == 1


@pytest.mark.parametrize(("name", "make"), [
    ("clear.png", lambda tmp: image_bytes((800, 800), "PNG", "RGBA", (255, 0, 0, 128))),
    ("anim.gif", lambda tmp: image_bytes((500, 100), "GIF", "P", 3)),
    ("pic.webp", lambda tmp: image_bytes((640, 480), "WEBP")),
    ("pic.bmp", lambda tmp: image_bytes((300, 600), "BMP")),
    ("scan.tiff", lambda tmp: image_bytes((1000, 700), "TIFF")),
    ("camera.jpg", lambda tmp: camera_jpeg()),
    ("doc.pdf", lambda tmp: pdf_bytes()),
    ("song.flac", lambda tmp: flac_bytes(tmp)),
    pytest.param("clip.mp4", lambda tmp: video_bytes(tmp), marks=needs_ffmpeg),
])
def test_each_kind_of_file_gets_a_thumbnail_within_the_box(client: Client, tmp_path: Path, name: str,
                                                           make: Any) -> None:
    uri = f"cloudreve://my/kinds/{name}"
    put(client, uri, make(tmp_path))
    result = thumb(client, uri)
    assert result["code"] == 0, result
    image = Image.open(io.BytesIO(fetch(result["data"]["url"]).content))
    assert image.format == "PNG"
    assert 0 < image.width <= BOX[0] and 0 < image.height <= BOX[1]
    assert image.width == BOX[0] or image.height == BOX[1] or name in ("anim.gif",)


@pytest.mark.parametrize(("name", "make"), [
    ("broken.jpg", truncated_jpeg),
    ("noise.png", lambda: bytes(range(256)) * 40),
    ("bomb.png", png_bomb),
])
def test_corrupt_images_and_decompression_bombs_are_refused_and_the_server_stays_healthy(
        client: Client, name: str, make: Any) -> None:
    uri = f"cloudreve://my/bad/{name}"
    file = put(client, uri, make())
    before = storage_of(client.server, client.email)
    started = time.monotonic()
    result = thumb(client, uri)
    assert result["code"] == 40077, result
    assert time.monotonic() - started < 10
    assert client.info(uri)["metadata"] == {"thumb:disabled": ""}
    assert thumbnail_rows(client.server, file["id"]) == []
    assert storage_of(client.server, client.email) == before
    # Known now: answered without another attempt.
    assert thumb(client, uri)["code"] == 40077
    ping = httpx.get(client.server.base + "/api/v4/site/ping", timeout=5)
    assert ping.status_code == 200 and ping.json()["code"] == 0
    assert client.server.proc is not None and client.server.proc.poll() is None
    # The server still renders good images afterwards.
    put(client, f"cloudreve://my/bad/fine-{name}.jpg", image_bytes())
    assert thumb(client, f"cloudreve://my/bad/fine-{name}.jpg")["code"] == 0


def test_files_without_a_generator_are_marked_and_folders_refused(client: Client) -> None:
    put(client, "cloudreve://my/notes.txt", b"plain text")
    assert thumb(client, "cloudreve://my/notes.txt")["code"] == 40077
    assert client.info("cloudreve://my/notes.txt")["metadata"] == {"thumb:disabled": ""}
    put(client, "cloudreve://my/empty.jpg", b"")
    assert thumb(client, "cloudreve://my/empty.jpg")["code"] == 40077
    client.call("POST", "/file/create", {"uri": "cloudreve://my/album", "type": "folder"})
    assert thumb(client, "cloudreve://my/album")["code"] == 40077
    assert client.info("cloudreve://my/album")["metadata"] is None
    assert thumb(client, "cloudreve://my/missing.jpg")["code"] == 40016
    assert thumb(client, "not a uri")["code"] == 40001
    assert client.call("GET", "/file/thumb")["code"] == 40001


def test_new_content_drops_the_old_thumbnail_and_clears_the_mark(client: Client) -> None:
    uri = "cloudreve://my/changing.jpg"
    file = put(client, uri, image_bytes((800, 600), colour=(255, 0, 0)))
    first = thumb(client, uri)
    assert first["code"] == 0
    old = thumbnail_rows(client.server, file["id"])
    assert len(old) == 1

    put(client, uri, image_bytes((800, 600), colour=(0, 255, 0)))
    assert thumbnail_rows(client.server, file["id"]) == []  # unlinked with the old version
    second = thumb(client, uri)
    assert second["code"] == 0 and second["data"]["url"] != first["data"]["url"]
    pixel = Image.open(io.BytesIO(fetch(second["data"]["url"]).content)).convert("RGB").getpixel((10, 10))
    assert _near(pixel, (0, 255, 0))

    put(client, uri, truncated_jpeg())
    assert thumb(client, uri)["code"] == 40077
    assert client.info(uri)["metadata"] == {"thumb:disabled": ""}
    put(client, uri, image_bytes())  # good content again: the mark goes, a thumbnail comes
    assert "thumb:disabled" not in (client.info(uri)["metadata"] or {})
    assert thumb(client, uri)["code"] == 0


def test_thumbnails_of_another_users_file_are_not_served(client: Client, server: Server) -> None:
    put(client, "cloudreve://my/private.jpg", image_bytes())
    owner_hash = hash_ids(server).encode(_user_id(server, client.email), IdType.USER)
    other = Client.new(server)
    result = thumb(other, f"cloudreve://{owner_hash}@my/private.jpg")
    assert result["code"] == 403, result
    assert thumb(other, "cloudreve://my/private.jpg")["code"] == 40016  # their own drive has no such file
    assert thumb(client, "cloudreve://my/private.jpg", token=None)["code"] == 401
    assert thumbnail_rows(server, client.info("cloudreve://my/private.jpg")["id"]) == []


def _user_id(server: Server, email: str) -> int:
    with database(server) as conn:
        return int(conn.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()[0])
