"""Media metadata extractors (spec: upload.md §6 step 5; data-model.md §5).

Keys are the reference server's ``<type>:<key>`` names, which the web client displays and searches
by: ``exif:`` from EXIF (Pillow), ``music:`` from audio tags (mutagen), ``stream:`` from ffprobe. An
audio file's duration also lands in ``stream:duration`` when ffprobe does not provide it. ``wanted``
runs in the server; ``extract`` reads untrusted bytes and runs in the sandboxed child.
"""

from __future__ import annotations

import json
import math
import re
import struct
import subprocess
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pyreve.media.thumbnails import importable, installed, within

EXIF_EXTS = ("jpg", "jpeg", "png", "heic", "heif", "tiff", "avif", "webp",
             "3fr", "ari", "arw", "bay", "braw", "crw", "cr2", "cr3", "cap", "data", "dcs", "dcr", "dng", "drf",
             "eip", "erf", "fff", "gpr", "iiq", "k25", "kdc", "mdc", "mef", "mos", "mrw", "nef", "nrw", "obm",
             "orf", "pef", "ptx", "pxn", "r3d", "raf", "raw", "rwl", "rw2", "rwz", "sr2", "srf", "srw", "tif",
             "x3f")
MUSIC_EXTS = ("mp3", "m4a", "ogg", "flac")
FFPROBE_EXTS = ("mp3", "m4a", "ogg", "flac", "3g2", "3gp", "asf", "asx", "avi", "divx", "flv", "m2ts", "m2v",
                "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "mts", "mxf", "ogv", "rm", "swf", "webm", "wmv")
NAMESPACES = ("exif:", "music:", "stream:")
BRUTE_FORCE_WINDOW = 8 << 20  # bytes searched for an EXIF block in files Pillow cannot open
FFPROBE_SECONDS = 60
MAX_VALUE = 1024


@dataclass(frozen=True)
class MetaOptions:
    """The ``media_meta_*`` settings. A size limit of 0 means no limit."""

    exif: bool = True
    exif_max_size: int = 1 << 30
    exif_brute_force: bool = True
    music: bool = True
    music_max_size: int = 1 << 30
    ffprobe: bool = False
    ffprobe_path: str = "ffprobe"
    ffprobe_max_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetaOptions:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def extractors(ext: str, size: int, opts: MetaOptions) -> list[str]:
    """Names of the extractors that apply to a file, in the order they run."""
    ext = ext.lower()
    out = []
    if opts.exif and ext in EXIF_EXTS and within(size, opts.exif_max_size):
        out.append("exif")
    if opts.music and ext in MUSIC_EXTS and within(size, opts.music_max_size) and importable("mutagen"):
        out.append("music")
    if opts.ffprobe and ext in FFPROBE_EXTS and within(size, opts.ffprobe_max_size) and installed(opts.ffprobe_path):
        out.append("ffprobe")
    return out


def wanted(ext: str, size: int, opts: MetaOptions) -> bool:
    return bool(extractors(ext, size, opts))


def extract(src: Path, ext: str, size: int, opts: MetaOptions) -> dict[str, Any]:
    """Every key the applicable extractors find; a failing extractor does not stop the others."""
    found: dict[str, str] = {}
    failures: list[str] = []
    runners = {"exif": lambda: exif(src, opts.exif_brute_force), "music": lambda: music(src),
               "ffprobe": lambda: ffprobe(src, opts.ffprobe_path)}
    for name in extractors(ext, size, opts):
        try:
            found.update(runners[name]())
        except Exception as exc:  # damaged or hostile input: keep what the others found
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    clean = {k: v[:MAX_VALUE] for k, v in found.items() if isinstance(v, str) and v != ""}
    return {"ok": True, "meta": clean, "failures": failures}


# --- EXIF ------------------------------------------------------------------------------------------

IFD_EXIF, IFD_GPS = 0x8769, 0x8825
TAGS = {  # tag id → reference name (the names the reference's tag table uses)
    0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x0112: "Orientation", 0x0131: "Software",
    0x0132: "DateTime", 0x013B: "Artist", 0x8298: "Copyright", 0x0100: "ImageWidth", 0x0101: "ImageLength",
    0x829A: "ExposureTime", 0x829D: "FNumber", 0x8827: "ISOSpeedRatings", 0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized", 0x9202: "ApertureValue", 0x9204: "ExposureBiasValue", 0x9209: "Flash",
    0x920A: "FocalLength", 0xA002: "PixelXDimension", 0xA003: "PixelYDimension", 0xA405: "FocalLengthIn35mmFilm",
    0xA430: "CameraOwnerName", 0xA431: "BodySerialNumber", 0xA433: "LensMake", 0xA434: "LensModel",
    0xC614: "UniqueCameraModel",
}
DATE_TAGS = ("DateTimeOriginal", "DateTime", "DateTimeDigitized")
_DATE = re.compile(r"^\s*(\d{4})\D(\d{2})\D(\d{2})\D(\d{2})\D(\d{2})\D(\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?")
_NOT_DATES = {"", "0000:00:00 00:00:00", "1970:01:01 00:00:00", "1980:01:01 00:00:00", "2002:12:08 12:00:00"}


def exif(src: Path, brute_force: bool) -> dict[str, str]:
    from PIL import Image

    data = None
    try:
        with Image.open(src) as image:
            data = image.getexif()
            data.get_ifd(IFD_EXIF)  # parsed now, while the file is open
            data.get_ifd(IFD_GPS)
    except Exception:
        if not brute_force:
            raise
    if (data is None or len(data) == 0) and brute_force:
        data = _search_exif(src)
    if data is None or len(data) == 0:
        return {}
    flat: dict[str, Any] = {}
    for tags in (data, data.get_ifd(IFD_EXIF)):
        for tag, value in tags.items():
            name = TAGS.get(tag)
            if name and value not in (None, "", b""):
                flat.setdefault(name, value)
    return {f"exif:{k}": v for k, v in _exif_values(flat, data.get_ifd(IFD_GPS)).items()}


def _search_exif(src: Path) -> Any:
    """An EXIF block found by its marker in the first bytes of a file Pillow cannot open."""
    from PIL import Image

    with open(src, "rb") as handle:
        head = handle.read(BRUTE_FORCE_WINDOW)
    at = head.find(b"Exif\x00\x00")
    if at < 0:
        return None
    found = Image.Exif()
    found.load(head[at:])
    return found


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", " ").replace('"', "").replace("\ufffd", "").strip()
    if text.startswith(("string with binary data", "(Binary data")):
        return ""
    return text


def _ratio(value: Any) -> tuple[float, float] | None:
    """(numerator, denominator) of an EXIF rational."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
    else:
        num = getattr(value, "numerator", None)
        den = getattr(value, "denominator", None)
        if num is None or den is None:
            try:
                return float(value), 1.0
            except (TypeError, ValueError):
                return None
    try:
        return float(num), float(den)
    except (TypeError, ValueError):
        return None


def _float32(value: float) -> str:
    """How the reference prints a float32 with ``%f``."""
    return f"{struct.unpack('f', struct.pack('f', value))[0]:f}"


def _exif_values(tags: dict[str, Any], gps: dict[int, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    out.update(_gps(gps))
    if "Artist" in tags:
        out["artist"] = _text(tags["Artist"])
    if "Copyright" in tags:
        out["copyright"] = _text(tags["Copyright"])
    for key, names in (("camera_model", ("Model", "UniqueCameraModel")), ("camera_make", ("Make",)),
                       ("lens_model", ("LensModel",))):
        for name in names:
            text = _text(tags.get(name, ""))
            if text and not text.isdigit():
                out[key] = text
                break
    if "CameraOwnerName" in tags:
        out["camera_owner"] = _text(tags["CameraOwnerName"])
    if "BodySerialNumber" in tags:
        out["body_serial"] = _text(tags["BodySerialNumber"])
    lens_make = _text(tags.get("LensMake", ""))
    if lens_make and not lens_make.isdigit():
        out["lens_make"] = lens_make
    if "Software" in tags:
        out["software"] = _text(tags["Software"])
    if (exposure := _ratio(tags.get("ExposureTime"))) is not None:
        out["exposure_time"] = _exposure(*exposure)
    if (bias := _ratio(tags.get("ExposureBiasValue"))) is not None and bias[1]:
        out["exposure_bias"] = f"{bias[0] / bias[1]:f}"
    for key, name in (("f", "FNumber"), ("aperture", "ApertureValue")):
        if (ratio := _ratio(tags.get(name))) is not None and ratio[1]:
            out[key] = _float32(round(ratio[0] / ratio[1] * 1000) / 1000)
    if "FocalLengthIn35mmFilm" in tags and tags["FocalLengthIn35mmFilm"]:
        out["focal_length"] = str(int(tags["FocalLengthIn35mmFilm"]))
    elif (focal := _ratio(tags.get("FocalLength"))) is not None and focal[1]:
        out["focal_length"] = str(int(round(focal[0] / focal[1] * 1000) / 1000))
    if "ISOSpeedRatings" in tags:
        iso = tags["ISOSpeedRatings"]
        out["iso"] = str(iso[0] if isinstance(iso, tuple) and iso else iso)
    for key, names in (("x", ("PixelXDimension", "ImageWidth")), ("y", ("PixelYDimension", "ImageLength"))):
        for name in names:
            if name in tags:
                out[key] = str(tags[name])
                break
    out["orientation"] = str(tags.get("Orientation", 1))
    for name in DATE_TAGS:
        if (taken := _exif_time(_text(tags.get(name, "")))) is not None:
            out["taken_at"] = taken
            break
    else:
        if (stamp := _gps_time(gps)) is not None:
            out["taken_at"] = stamp
    if "Flash" in tags:
        try:
            out["flash"] = "1" if int(tags["Flash"]) & 1 else "0"
        except (TypeError, ValueError):
            out["flash"] = "0"
    if "ImageDescription" in tags:
        out["des"] = _text(tags["ImageDescription"])
    return {k: v for k, v in out.items() if v != ""}


def _exposure(num: float, den: float) -> str:
    """``1/125`` style, as the reference writes it (``10/1250`` becomes ``1/125``)."""
    n, d = int(num), int(den)
    if float(n) != num or float(d) != den:
        return f"{num / den:g}" if den else ""
    if n != 1 and n > 0 and d > 0 and len(str(n)) < len(str(d)):
        return f"1/{d // n}"
    return f"{n}/{d}"


def _exif_time(text: str) -> str | None:
    if text in _NOT_DATES:
        return None
    match = _DATE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    zone: timezone = UTC
    if (offset := match.group(8)) and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return _rfc3339(moment)


def _rfc3339(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _dms(value: Any) -> float | None:
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    parts = [_ratio(v) for v in value]
    if any(p is None or not p[1] for p in parts):
        return None
    d, m, s = (p[0] / p[1] for p in parts if p is not None)
    result = d + m / 60 + s / 3600
    return None if math.isnan(result) else result


def _gps(gps: dict[int, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    lat, lng = _dms(gps.get(2)), _dms(gps.get(4))
    if lat is not None and lng is not None:
        if _text(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if _text(gps.get(3, "E")).upper().startswith("W"):
            lng = -lng
        lat, lng = _clip_lat(lat), _normalise_lng(lng)
        out["latitude"], out["longitude"] = _float32(lat), _float32(lng)
    if (altitude := _ratio(gps.get(6))) is not None and altitude[1]:
        metres = int(altitude[0] / altitude[1])
        if gps.get(5) in (1, b"\x01"):
            metres = -metres
        if metres:
            out["altitude"] = str(metres)
    return out


def _gps_time(gps: dict[int, Any]) -> str | None:
    date, clock = _text(gps.get(0x1D, "")), gps.get(7)
    if not date or not isinstance(clock, tuple) or len(clock) != 3:
        return None
    parts = [_ratio(v) for v in clock]
    if any(p is None or not p[1] for p in parts):
        return None
    hour, minute, second = (int(p[0] / p[1]) for p in parts if p is not None)
    return _exif_time(f"{date} {hour:02d}:{minute:02d}:{second:02d}")


def _clip_lat(lat: float) -> float:
    if lat > 180 or lat < -180:
        return math.fmod(lat, 90)
    if lat > 90:
        return lat - 90
    if lat < -90:
        return lat + 90
    return lat


def _normalise_lng(lng: float) -> float:
    while lng < -180:
        lng += 360
    while lng >= 180:
        lng -= 360
    return lng


# --- audio tags ------------------------------------------------------------------------------------

def music(src: Path) -> dict[str, str]:
    import mutagen

    audio = mutagen.File(str(src), easy=True)
    if audio is None:
        return {}
    out: dict[str, str] = {}
    kind = type(audio).__name__.upper()
    file_type = {"EASYMP3": "MP3", "MP3": "MP3", "EASYMP4": "M4A", "MP4": "M4A", "FLAC": "FLAC",
                 "OGGVORBIS": "OGG", "OGGOPUS": "OGG", "OGGFLAC": "OGG"}.get(kind, kind)
    tags = audio.tags
    if tags is not None:
        version = getattr(getattr(audio, "ID3", None), "version", None) or getattr(tags, "version", None)
        if file_type == "MP3":
            out["music:format"] = f"ID3v2.{version[1]}" if isinstance(version, tuple) else "ID3v2"
        elif file_type == "M4A":
            out["music:format"] = "MP4"
        else:
            out["music:format"] = "VORBIS"
        out["music:file_type"] = file_type
        for key, tag in (("title", "title"), ("album", "album"), ("artist", "artist"),
                         ("album_artists", "albumartist"), ("composer", "composer"), ("genre", "genre")):
            value = _first_tag(tags, tag)
            if value:
                out[f"music:{key}"] = value
        year = _first_tag(tags, "date")[:4]
        if year.isdigit() and int(year):
            out["music:year"] = str(int(year))
        for key, tag in (("track", "tracknumber"), ("disc", "discnumber")):
            number, _, total = _first_tag(tags, tag).partition("/")
            if number.strip().isdigit() and int(number):
                out[f"music:{key}"] = f"{int(number)}/{int(total) if total.strip().isdigit() else 0}"
    length = getattr(getattr(audio, "info", None), "length", 0) or 0
    if length > 0:
        out["stream:duration"] = f"{length:.6f}"
    return out


def _first_tag(tags: Any, key: str) -> str:
    try:
        values = tags.get(key)
    except (KeyError, ValueError, TypeError):
        return ""
    if isinstance(values, list):
        values = values[0] if values else ""
    return _text(values or "")


# --- ffprobe ---------------------------------------------------------------------------------------

def ffprobe(src: Path, tool: str) -> dict[str, str]:
    done = subprocess.run([tool, "-v", "quiet", "-print_format", "json", "-show_format", "-show_streams",
                           "-show_chapters", str(src)], capture_output=True, timeout=FFPROBE_SECONDS, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffprobe exited with {done.returncode}")
    return probe_keys(json.loads(done.stdout or b"{}"))


def probe_keys(probe: dict[str, Any]) -> dict[str, str]:
    """ffprobe's JSON as ``stream:`` keys, named as the reference names them."""
    fmt = probe.get("format")
    if not isinstance(fmt, dict):
        return {}
    out: dict[str, str] = {}
    for key, name in (("format", "format_name"), ("formatLong", "format_long_name"), ("duration", "duration"),
                      ("bitrate", "bit_rate")):
        if fmt.get(name):
            out[key] = str(fmt[name])
    for stream in probe.get("streams") or []:
        prefix = f"stream_{stream.get('index', 0)}_{stream.get('codec_type', '')}_"
        for key, name in (("codec", "codec_name"), ("codec_long_name", "codec_long_name"), ("duration", "duration"),
                          ("bitrate", "bit_rate")):
            if stream.get(name):
                out[prefix + key] = str(stream[name])
        for key in ("width", "height"):
            if int(stream.get(key) or 0) > 0:
                out[prefix + key] = str(int(stream[key]))
    for chapter in probe.get("chapters") or []:
        prefix = f"chapter_{chapter.get('id', 0)}_"
        for key in ("start_time", "end_time"):
            if chapter.get(key):
                out[prefix + key] = str(chapter[key])
        title = (chapter.get("tags") or {}).get("title")
        if title:
            out[prefix + "name"] = str(title)
    tags = fmt.get("tags") or {}
    if tags.get("title"):
        out["title"] = str(tags["title"])
    if tags.get("description"):
        out["description"] = str(tags["description"])[:255]
    return {f"stream:{k}": v for k, v in out.items()}
