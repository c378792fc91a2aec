"""The media package without a server: generators, EXIF values, ffprobe keys, WOPI sources."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from pyreve.media import metadata, thumbnails
from pyreve.media.thumbnails import ThumbOptions
from pyreve.services.viewer import lock_token, wopi_src


def test_candidates_follow_the_settings() -> None:
    opts = ThumbOptions()
    assert [g.name for g in thumbnails.candidates("JPG", 10, opts)] == ["pillow"]
    assert thumbnails.candidates("jpg", opts.builtin_max_size + 1, opts) == []
    assert thumbnails.candidates("txt", 10, opts) == []
    assert thumbnails.candidates("mp4", 10, opts) == []  # ffmpeg is off by default
    assert [g.name for g in thumbnails.candidates("jpg", 10, ThumbOptions(builtin_max_size=0))] == ["pillow"]
    assert thumbnails.candidates("png", 10, ThumbOptions(builtin=False)) == []
    assert [g.name for g in thumbnails.candidates("flac", 10, opts)] == ["music_cover"]


def test_options_survive_the_trip_to_the_child() -> None:
    opts = ThumbOptions(width=64, ffmpeg_exts=("mp4",), encode="jpg")
    assert ThumbOptions.from_dict({**opts.to_dict(), "ffmpeg_exts": ["mp4"], "unknown": 1}) == opts
    assert opts.output == ("JPEG", "jpg")
    assert ThumbOptions(encode="png").output == ("PNG", "png")
    assert ThumbOptions(encode="bogus").output == ("JPEG", "jpg")


def test_render_fits_orients_and_encodes(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    image = Image.new("RGBA", (1000, 500), (255, 0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 8  # turn 90° counter-clockwise to show upright
    image.save(src, "PNG", exif=exif)
    out = tmp_path / "out.jpg"
    result = thumbnails.render(src, "png", src.stat().st_size, ThumbOptions(width=100, height=100, encode="jpg"),
                               out, tmp_path)
    assert result["ok"] and result["format"] == "jpg" and result["generator"] == "pillow"
    with Image.open(out) as done:
        assert done.format == "JPEG" and done.size == (50, 100) and done.mode == "RGB"
        assert done.getpixel((25, 50)) == (255, 255, 255)  # transparent became white


def test_render_refuses_bombs_and_garbage(tmp_path: Path) -> None:
    src = tmp_path / "big.png"
    Image.new("1", (2000, 2000)).save(src)
    result = thumbnails.render(src, "png", 1, ThumbOptions(max_pixels=1_000_000), tmp_path / "o.png", tmp_path)
    assert not result["ok"] and "DecompressionBomb" in result["reason"]
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not really")
    result = thumbnails.render(junk, "jpg", 1, ThumbOptions(), tmp_path / "o.png", tmp_path)
    assert not result["ok"] and not (tmp_path / "o.png").exists()


def test_exif_values_are_written_as_the_reference_writes_them() -> None:
    from PIL.TiffImagePlugin import IFDRational

    tags = {"Make": "NIKON CORPORATION ", "Model": '"D750"', "ExposureTime": IFDRational(10, 1250),
            "FNumber": IFDRational(18, 10), "FocalLength": IFDRational(355, 10), "ISOSpeedRatings": (200,),
            "DateTime": "2020:02:29 23:59:58+02:00", "Flash": 1, "ExposureBiasValue": IFDRational(-1, 3),
            "ImageDescription": "Lake", "Copyright": "Me", "LensModel": "12345"}
    gps = {1: "S", 2: (IFDRational(33, 1), IFDRational(51, 1), IFDRational(54, 1)), 3: "W",
           4: (IFDRational(151, 1), IFDRational(12, 1), IFDRational(36, 1)), 5: 1, 6: IFDRational(20, 1)}
    values = metadata._exif_values(tags, gps)
    assert values == {
        "camera_make": "NIKON CORPORATION", "camera_model": "D750", "exposure_time": "1/125", "f": "1.800000",
        "focal_length": "35", "iso": "200", "taken_at": "2020-02-29T23:59:58+02:00", "flash": "1",
        "exposure_bias": "-0.333333", "des": "Lake", "copyright": "Me", "orientation": "1",
        "latitude": "-33.865002", "longitude": "-151.210007", "altitude": "-20",
    }
    assert metadata._exif_time("0000:00:00 00:00:00") is None
    assert metadata._exposure(1, 60) == "1/60" and metadata._exposure(2, 1) == "2/1"


def test_ffprobe_output_becomes_stream_keys() -> None:
    probe = {"format": {"format_name": "matroska,webm", "format_long_name": "Matroska / WebM", "duration": "61.5",
                        "bit_rate": "1200", "tags": {"title": "T", "description": "d" * 300}},
             "streams": [{"index": 0, "codec_type": "video", "codec_name": "vp9", "width": 1920, "height": 1080},
                         {"index": 1, "codec_type": "audio", "codec_name": "opus", "width": 0}],
             "chapters": [{"id": 4, "start_time": "0.0", "end_time": "9.5", "tags": {"title": "Intro"}}]}
    keys = metadata.probe_keys(probe)
    assert keys["stream:format"] == "matroska,webm" and keys["stream:formatLong"] == "Matroska / WebM"
    assert keys["stream:duration"] == "61.5" and keys["stream:bitrate"] == "1200"
    assert keys["stream:stream_0_video_codec"] == "vp9" and keys["stream:stream_0_video_width"] == "1920"
    assert "stream:stream_1_audio_width" not in keys and keys["stream:stream_1_audio_codec"] == "opus"
    assert keys["stream:chapter_4_name"] == "Intro" and keys["stream:chapter_4_end_time"] == "9.5"
    assert keys["stream:title"] == "T" and len(keys["stream:description"]) == 255
    assert metadata.probe_keys({}) == {}


def test_exif_of_a_file_and_a_file_without_any(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Fujifilm"
    Image.new("RGB", (8, 8)).save(buffer, "JPEG", exif=exif)
    (tmp_path / "a.jpg").write_bytes(buffer.getvalue())
    assert metadata.exif(tmp_path / "a.jpg", True) == {"exif:camera_make": "Fujifilm", "exif:orientation": "1"}
    (tmp_path / "b.png").write_bytes(b"\x89PNG nothing here")
    assert metadata.exif(tmp_path / "b.png", True) == {}


def test_wopi_source_fills_placeholders_and_the_source() -> None:
    viewer = {"wopi_actions": {"docx": {
        "edit": "https://office.example/we/wordeditorframe.aspx?<ui=UI_LLCC&><rs=DC_LLCC&><dchat=DISABLE_CHAT&>"}}}
    src = wopi_src(viewer, "Report.DOCX", "view", "https://drive.example/", "abc")
    assert src is not None
    parts = urlsplit(src)
    assert parts.netloc == "office.example" and parts.path == "/we/wordeditorframe.aspx"
    assert parse_qs(parts.query) == {"ui": ["lng"], "rs": ["lng"], "lang": ["lng"],
                                     "WOPISrc": ["https://drive.example/api/v4/file/wopi/abc"]}
    assert wopi_src(viewer, "sheet.xlsx", "edit", "https://drive.example", "abc") is None
    assert wopi_src({}, "a.docx", "edit", "https://drive.example", "abc") is None


def test_wopi_lock_tokens_fit_a_lock_row_and_depend_on_the_file() -> None:
    long = "x" * 1024
    assert len(lock_token(1, long)) <= 64
    assert lock_token(1, "L") != lock_token(2, "L") and lock_token(1, "L") == lock_token(1, "L")
