"""Small media files made on the spot for the thumbnail, metadata and viewer tests."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from mutagen.flac import FLAC, Picture
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from tests.conftest import Server

HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAS_FFMPEG, reason="ffmpeg is not installed (make test installs it)")
# Thumbnails from videos, stream metadata from ffprobe; two workers, so generation is shared across processes.
MEDIA_SETTINGS = {"thumb_ffmpeg_enabled": "1", "media_meta_ffprobe": "1"}
MEDIA_WORKERS = 2


def media_server(server_factory: Any) -> Server:
    server: Server = server_factory(settings=MEDIA_SETTINGS, workers=MEDIA_WORKERS)
    return server


def image_bytes(size: tuple[int, int] = (320, 240), fmt: str = "JPEG", mode: str = "RGB",
                colour: Any = (30, 120, 200), exif: Image.Exif | None = None, **params: Any) -> bytes:
    image = Image.new(mode, size, colour)
    buffer = io.BytesIO()
    if exif is not None:
        params["exif"] = exif
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def marked_jpeg(size: tuple[int, int], orientation: int) -> bytes:
    """Blue, with a red top-left quadrant (as stored), tagged with an EXIF orientation."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def camera_jpeg() -> bytes:
    """A photo with the EXIF a camera writes: make, model, lens, exposure, GPS, time taken."""
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R5"
    exif[0x0131] = "Firmware 1.8"
    exif[0x0112] = 1
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = IFDRational(1, 125)  # ExposureTime
    sub[0x829D] = IFDRational(28, 10)  # FNumber
    sub[0x8827] = 400  # ISOSpeedRatings
    sub[0x920A] = IFDRational(50, 1)  # FocalLength
    sub[0x9003] = "2023:06:01 12:34:56"  # DateTimeOriginal
    sub[0x9209] = 16  # Flash: did not fire
    sub[0xA434] = "RF50mm F1.8 STM"  # LensModel
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (IFDRational(48, 1), IFDRational(51, 1), IFDRational(2999, 100))
    gps[3] = "E"
    gps[4] = (IFDRational(2, 1), IFDRational(17, 1), IFDRational(4000, 100))
    gps[5] = b"\x00"
    gps[6] = IFDRational(35, 1)
    return image_bytes((400, 300), exif=exif, quality=90)


def truncated_jpeg() -> bytes:
    data = image_bytes((640, 480), quality=95)
    return data[: len(data) // 2]


def png_bomb(side: int = 30000) -> bytes:
    """A real decompression bomb: a ``side``×``side`` black 1-bit PNG that compresses to about 100 KiB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), (250, 200, 0)).save(buffer, "PDF")
    return buffer.getvalue()


def flac_bytes(tmp: Path, seconds: int = 3, cover: bool = True) -> bytes:
    """A FLAC stream header (no audio frames) with Vorbis comments and, optionally, front cover art."""
    rate, channels, bits = 44100, 2, 16
    info = struct.pack(">HH", 4096, 4096) + bytes(6)
    info += ((rate << 44) | ((channels - 1) << 41) | ((bits - 1) << 36) | seconds * rate).to_bytes(8, "big")
    info += bytes(16)
    path = tmp / "song.flac"
    path.write_bytes(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
    audio = FLAC(str(path))
    audio["title"] = "Night Drive"
    audio["artist"] = "The Examples"
    audio["album"] = "Test Pressing"
    audio["tracknumber"] = "3/12"
    audio["date"] = "2021-04-02"
    if cover:
        picture = Picture()
        picture.type, picture.mime, picture.width, picture.height, picture.depth = 3, "image/png", 500, 500, 24
        picture.data = image_bytes((500, 500), "PNG", colour=(0, 160, 80))
        audio.add_picture(picture)
    audio.save()
    return path.read_bytes()


def video_bytes(tmp: Path, seconds: float = 1.0) -> bytes:
    path = tmp / "clip.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                    "-i", "testsrc=size=320x240:rate=10", "-t", str(seconds), "-pix_fmt", "yuv420p",
                    "-metadata", "title=Test Clip", "-y", str(path)], check=True, capture_output=True)
    return path.read_bytes()
