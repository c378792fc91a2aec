"""Thumbnail generators behind one interface (spec: files.md §4).

A generator turns a stored file into a Pillow image. The pipeline tries, in order, the generators
that accept the file's extension and size, fits the first image it gets into the configured box
and encodes it. ``candidates`` is cheap (extension, size, installed tools) and runs in the server;
``render`` decodes untrusted bytes and runs in the sandboxed child (``worker.py``).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import shutil
import subprocess
import warnings
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:
    from PIL import Image

PILLOW_EXTS = ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tiff", "tif")
PDF_EXTS = ("pdf",)
# Larger images are refused as decompression bombs (Pillow raises past this many pixels).
MAX_PIXELS = 120_000_000
ORIENTATION = 0x0112
# thumb_encode_method → (Pillow format, file extension); anything else encodes JPEG, as the reference does.
ENCODINGS = {"png": ("PNG", "png"), "jpg": ("JPEG", "jpg"), "jpeg": ("JPEG", "jpg"), "webp": ("WEBP", "webp")}
FFMPEG_SECONDS = 60


class Unavailable(Exception):
    """This generator cannot make a thumbnail of this file; the next one may."""


@dataclass(frozen=True)
class ThumbOptions:
    """The ``thumb_*`` settings a generation needs. A size limit of 0 means no limit."""

    width: int = 400
    height: int = 300
    encode: str = "png"
    quality: int = 95
    builtin: bool = True
    builtin_max_size: int = 78_643_200
    music_cover: bool = True
    music_cover_exts: tuple[str, ...] = ("mp3", "m4a", "ogg", "flac")
    music_cover_max_size: int = 1 << 30
    ffmpeg: bool = False
    ffmpeg_path: str = "ffmpeg"
    ffmpeg_exts: tuple[str, ...] = ("3g2", "3gp", "asf", "asx", "avi", "divx", "flv", "m2ts", "m2v", "m4v", "mkv",
                                    "mov", "mp4", "mpeg", "mpg", "mts", "mxf", "ogv", "rm", "swf", "webm", "wmv")
    ffmpeg_max_size: int = 10 << 30
    ffmpeg_seek: str = "00:00:01.00"
    max_pixels: int = MAX_PIXELS

    @property
    def box(self) -> tuple[int, int]:
        return max(1, self.width), max(1, self.height)

    @property
    def output(self) -> tuple[str, str]:
        """(Pillow format, file extension) of the encoded thumbnail."""
        return ENCODINGS.get(self.encode.lower().lstrip("."), ("JPEG", "jpg"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ThumbOptions:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)


def within(size: int, limit: int) -> bool:
    return limit <= 0 or size <= limit


@lru_cache(maxsize=32)
def installed(tool: str) -> bool:
    """Whether an executable is on the PATH (or at the given path)."""
    return shutil.which(tool) is not None


@lru_cache(maxsize=8)
def importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Generator(Protocol):
    name: str

    def accepts(self, ext: str, size: int, opts: ThumbOptions) -> bool:
        """Whether this generator may try a file with this extension and size (no bytes read)."""

    def generate(self, src: Path, ext: str, opts: ThumbOptions, work: Path) -> Image.Image:
        """An image of the file, oriented and fitted into ``opts.box``; ``work`` is a private scratch folder."""


# --- decoding --------------------------------------------------------------------------------------

def decode(source: Path | BinaryIO, opts: ThumbOptions) -> Image.Image:
    """Open an image file, refusing decompression bombs, and shrink it into the box upright.

    JPEGs decode straight at 1/2, 1/4 or 1/8 scale (``draft``), so a large photo costs a fraction of
    its full size in time and memory.
    """
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = opts.max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image: Image.Image = Image.open(source)
        width, height = opts.box
        upright = image.getexif().get(ORIENTATION, 1) not in (5, 6, 7, 8)
        box = (width, height) if upright else (height, width)
        image.draft(None, box)
        if image.mode in ("P", "1", "F") or image.mode.startswith("I"):
            image = _plain_mode(image)
        image.thumbnail(box, Image.Resampling.LANCZOS)
        return ImageOps.exif_transpose(image)


def _plain_mode(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "F":
        return image.convert("L")
    return image.convert("RGBA" if "transparency" in image.info else "RGB")


def encode(image: Image.Image, out: Path, opts: ThumbOptions) -> str:
    """Write the thumbnail in the configured format; the file extension of that format."""
    from PIL import Image

    kind, ext = opts.output
    if kind == "JPEG":
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            image = flat
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=max(1, min(opts.quality, 100)))
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        if kind == "WEBP":
            image.save(out, "WEBP", quality=max(1, min(opts.quality, 100)))
        else:
            image.save(out, "PNG")
    return ext


# --- generators ------------------------------------------------------------------------------------

class PillowGenerator:
    """JPEG, PNG, GIF (first frame), WebP, BMP and TIFF with Pillow, honouring EXIF orientation."""

    name = "pillow"

    def accepts(self, ext: str, size: int, opts: ThumbOptions) -> bool:
        return opts.builtin and ext in PILLOW_EXTS and within(size, opts.builtin_max_size)

    def generate(self, src: Path, ext: str, opts: ThumbOptions, work: Path) -> Image.Image:
        return decode(src, opts)


class PdfGenerator:
    """The first page of a PDF, rendered with PDFium."""

    name = "pdf"

    def accepts(self, ext: str, size: int, opts: ThumbOptions) -> bool:
        return opts.builtin and ext in PDF_EXTS and within(size, opts.builtin_max_size) and importable("pypdfium2")

    def generate(self, src: Path, ext: str, opts: ThumbOptions, work: Path) -> Image.Image:
        import pypdfium2
        from PIL import Image

        document = pypdfium2.PdfDocument(str(src))
        try:
            if len(document) == 0:
                raise Unavailable("the document has no pages")
            page = document[0]
            try:
                page_width, page_height = page.get_size()
                if page_width <= 0 or page_height <= 0:
                    raise Unavailable("the first page has no area")
                width, height = opts.box
                scale = min(2 * width / page_width, 2 * height / page_height)  # twice the box, then shrink
                bitmap = page.render(scale=scale)
                try:
                    image: Image.Image = bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
        image.thumbnail(opts.box, Image.Resampling.LANCZOS)
        return image


class MusicCoverGenerator:
    """The cover art embedded in an audio file (tags read with mutagen; ffmpeg as a fallback)."""

    name = "music_cover"

    def accepts(self, ext: str, size: int, opts: ThumbOptions) -> bool:
        return (opts.music_cover and ext in opts.music_cover_exts and within(size, opts.music_cover_max_size)
                and (importable("mutagen") or _ffmpeg_usable(opts)))

    def generate(self, src: Path, ext: str, opts: ThumbOptions, work: Path) -> Image.Image:
        cover = embedded_cover(src) if importable("mutagen") else None
        if cover:
            return decode(io.BytesIO(cover), opts)
        if _ffmpeg_usable(opts):
            frame = work / "cover.png"
            if _ffmpeg_frame(opts, src, frame, seek=None):
                return decode(frame, opts)
        raise Unavailable("no cover art")


class FfmpegGenerator:
    """A video frame at ``thumb_ffmpeg_seek`` (the first frame when the video is shorter)."""

    name = "ffmpeg"

    def accepts(self, ext: str, size: int, opts: ThumbOptions) -> bool:
        return ext in opts.ffmpeg_exts and within(size, opts.ffmpeg_max_size) and _ffmpeg_usable(opts)

    def generate(self, src: Path, ext: str, opts: ThumbOptions, work: Path) -> Image.Image:
        frame = work / "frame.png"
        if not _ffmpeg_frame(opts, src, frame, seek=opts.ffmpeg_seek) and not _ffmpeg_frame(opts, src, frame, None):
            raise Unavailable("ffmpeg produced no frame")
        return decode(frame, opts)


def _ffmpeg_usable(opts: ThumbOptions) -> bool:
    return opts.ffmpeg and installed(opts.ffmpeg_path)


def _ffmpeg_frame(opts: ThumbOptions, src: Path, out: Path, seek: str | None) -> bool:
    """One frame of ``src`` (a video frame, or an audio file's attached picture) scaled into the box."""
    width, height = opts.box
    command = [opts.ffmpeg_path, "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1"]
    if seek:
        command += ["-ss", seek]
    command += ["-i", str(src), "-an", "-sn", "-dn", "-map", "0:v:0",
                "-vf", f"scale={width}:{height}:force_original_aspect_ratio=decrease",
                "-frames:v", "1", "-y", str(out)]
    out.unlink(missing_ok=True)
    try:
        done = subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and out.exists() and out.stat().st_size > 0


def embedded_cover(src: Path) -> bytes | None:
    """The front cover (or else the first picture) embedded in an audio file's tags."""
    import mutagen
    from mutagen.flac import Picture

    try:
        audio = mutagen.File(str(src))
    except Exception:  # mutagen raises many kinds for damaged files
        return None
    if audio is None:
        return None
    pictures: list[tuple[int, bytes]] = []
    for picture in getattr(audio, "pictures", None) or []:  # FLAC
        pictures.append((picture.type, picture.data))
    tags = audio.tags
    if tags is not None:
        if hasattr(tags, "getall"):  # ID3
            pictures.extend((frame.type, frame.data) for frame in tags.getall("APIC"))
        for cover in _tag_values(tags, "covr"):  # MP4
            pictures.append((3, bytes(cover)))
        for encoded in _tag_values(tags, "metadata_block_picture"):  # Ogg Vorbis / Opus
            try:
                picture = Picture(base64.b64decode(encoded))  # type: ignore[no-untyped-call]
            except Exception:
                continue
            pictures.append((picture.type, picture.data))
    front = [data for kind, data in pictures if kind == 3 and data]
    others = [data for _, data in pictures if data]
    found = front or others
    return found[0] if found else None


def _tag_values(tags: Any, key: str) -> list[Any]:
    try:
        values = tags.get(key)
    except (KeyError, ValueError, TypeError):
        return []
    return list(values) if isinstance(values, list) else []


GENERATORS: tuple[Generator, ...] = (MusicCoverGenerator(), PillowGenerator(), PdfGenerator(), FfmpegGenerator())


def supported_exts(opts: ThumbOptions) -> list[str]:
    """The extensions some enabled generator renders (size limits aside), sorted."""
    known = {*PILLOW_EXTS, *PDF_EXTS, *opts.music_cover_exts, *opts.ffmpeg_exts}
    return sorted(ext for ext in known if candidates(ext, 0, opts))


def candidates(ext: str, size: int, opts: ThumbOptions) -> list[Generator]:
    """The generators that may try a file, in the order they are tried."""
    ext = ext.lower()
    return [g for g in GENERATORS if g.accepts(ext, size, opts)]


def render(src: Path, ext: str, size: int, opts: ThumbOptions, out: Path, work: Path) -> dict[str, Any]:
    """Try each candidate until one yields an image; write it to ``out``. Runs in the sandbox."""
    failures: list[str] = []
    for generator in candidates(ext, size, opts):
        try:
            image = generator.generate(src, ext.lower(), opts, work)
            fmt = encode(image, out, opts)
        except Exception as exc:  # a damaged or hostile file: the next generator may still cope
            failures.append(f"{generator.name}: {type(exc).__name__}: {exc}"[:500])
            continue
        return {"ok": True, "generator": generator.name, "format": fmt, "width": image.width,
                "height": image.height}
    return {"ok": False, "reason": "; ".join(failures) or f"no thumbnail generator for .{ext}"}
