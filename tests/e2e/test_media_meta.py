"""Media metadata end to end (spec: upload.md §6 step 5): EXIF, audio tags and streams land as public
metadata after an upload completes, under the keys the web client reads and searches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Server
from tests.e2e.capacity import assert_capacity_invariant
from tests.e2e.media_files import (
    camera_jpeg,
    flac_bytes,
    image_bytes,
    media_server,
    needs_ffmpeg,
    truncated_jpeg,
    video_bytes,
)
from tests.e2e.transfers import Client


@pytest.fixture(scope="module")
def server(server_factory: Any) -> Iterator[Server]:
    server = media_server(server_factory)
    yield server
    assert_capacity_invariant(server)


@pytest.fixture
def client(server: Server) -> Client:
    return Client.new(server)


def metadata(client: Client, uri: str) -> dict[str, str]:
    return client.info(uri)["metadata"] or {}


def wait_for_key(client: Client, uri: str, key: str, present: bool = True, timeout: float = 10.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        found = metadata(client, uri)
        if (key in found) == present:
            return found
        assert time.monotonic() < deadline, f"{key} {'never came' if present else 'stayed'}: {found}"
        time.sleep(0.1)


def search(client: Client, query: str) -> list[str]:
    result = client.call("GET", "/file", params={"uri": f"cloudreve://my?{query}"})
    assert result["code"] == 0, result
    return [f["name"] for f in result["data"]["files"]]


def test_camera_exif_is_extracted_after_the_upload_and_searchable(client: Client) -> None:
    uri = "cloudreve://my/photos/eiffel.jpg"
    data = camera_jpeg()
    credential = client.session(uri, len(data))
    client.send_chunks(credential["session_id"], data, credential["chunk_size"])
    found = wait_for_key(client, uri, "exif:camera_make")
    assert {k: v for k, v in found.items() if k.startswith("exif:")} == {
        "exif:camera_make": "Canon",
        "exif:camera_model": "Canon EOS R5",
        "exif:lens_model": "RF50mm F1.8 STM",
        "exif:software": "Firmware 1.8",
        "exif:exposure_time": "1/125",
        "exif:f": "2.800000",
        "exif:iso": "400",
        "exif:focal_length": "50",
        "exif:taken_at": "2023-06-01T12:34:56Z",
        "exif:flash": "0",
        "exif:orientation": "1",
        "exif:latitude": "48.858330",
        "exif:longitude": "2.294445",
        "exif:altitude": "35",
    }
    client.put_content("cloudreve://my/photos/other.jpg", image_bytes())
    assert search(client, quote("meta_exif:camera_make") + "=canon") == ["eiffel.jpg"]
    assert search(client, quote("meta_exif:iso") + "=400") == ["eiffel.jpg"]
    assert search(client, quote("meta_exif:camera_make") + "=nikon") == []


def test_extraction_runs_after_the_request_and_follows_new_versions(client: Client) -> None:
    uri = "cloudreve://my/photos/edited.jpg"
    result = client.put_content(uri, camera_jpeg())
    assert result["code"] == 0
    # The response is built from the committed upload; the extractor has not run yet.
    assert not any(k.startswith("exif:") for k in (result["data"]["metadata"] or {}))
    wait_for_key(client, uri, "exif:camera_make")
    assert client.call("PATCH", "/file/metadata", {"uris": [uri], "patches": [
        {"key": "customize:note", "value": "kept"}]})["code"] == 0

    # New content without a camera: the old version's keys go, other metadata stays.
    assert client.put_content(uri, image_bytes((64, 64)))["code"] == 0
    found = wait_for_key(client, uri, "exif:camera_make", present=False)
    assert found.get("customize:note") == "kept"
    assert not any(k.startswith("exif:") and k != "exif:orientation" for k in found)


def test_audio_tags_and_duration(client: Client, tmp_path: Path) -> None:
    uri = "cloudreve://my/music/song.flac"
    assert client.put_content(uri, flac_bytes(tmp_path))["code"] == 0
    found = wait_for_key(client, uri, "music:title")
    assert found["music:title"] == "Night Drive"
    assert found["music:artist"] == "The Examples"
    assert found["music:album"] == "Test Pressing"
    assert found["music:track"] == "3/12"
    assert found["music:year"] == "2021"
    assert found["music:file_type"] == "FLAC"
    assert float(found["stream:duration"]) == pytest.approx(3.0, abs=0.01)
    assert search(client, quote("meta_music:artist") + "=examples") == ["song.flac"]


@needs_ffmpeg
def test_video_streams_come_from_ffprobe(client: Client, tmp_path: Path) -> None:
    uri = "cloudreve://my/videos/clip.mp4"
    assert client.put_content(uri, video_bytes(tmp_path, seconds=2))["code"] == 0
    found = wait_for_key(client, uri, "stream:format")
    assert "mp4" in found["stream:format"]
    assert float(found["stream:duration"]) == pytest.approx(2.0, abs=0.2)
    assert found["stream:title"] == "Test Clip"
    assert found["stream:stream_0_video_codec"] == "h264"
    assert found["stream:stream_0_video_width"] == "320"
    assert found["stream:stream_0_video_height"] == "240"


def test_damaged_media_leaves_no_metadata_and_no_harm(client: Client, server: Server) -> None:
    uri = "cloudreve://my/photos/broken.jpg"
    assert client.put_content(uri, truncated_jpeg()[:200])["code"] == 0
    assert client.put_content("cloudreve://my/photos/after.jpg", camera_jpeg())["code"] == 0
    wait_for_key(client, "cloudreve://my/photos/after.jpg", "exif:camera_make")  # later work still runs
    assert not any(k.startswith(("exif:", "music:", "stream:")) for k in metadata(client, uri))
    assert client.put_content("cloudreve://my/notes.txt", b"text")["code"] == 0
    assert metadata(client, "cloudreve://my/notes.txt") == {}
