"""Previews in the browser: images with previous/next, text (and editing it), video, audio and PDF."""

from __future__ import annotations

import io
import re
import struct
import uuid
import wave
import zlib
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.ui.conftest import Owner

CONTENT_URL = re.compile(re.escape("/api/v4/file/content/"))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def wav() -> bytes:
    """A tenth of a second of silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


def folder_with(owner: Owner, files: dict[str, bytes]) -> str:
    folder = f"Preview-{uuid.uuid4().hex[:8]}"
    for name, content in files.items():
        owner.file(f"{folder}/{name}", content)
    owner.open(f"cloudreve://my/{folder}")
    return folder


def preview(owner: Owner) -> Any:
    return owner.page.locator("dialog.preview")


def test_image_preview_steps_to_the_next_image(owner: Owner) -> None:
    folder_with(owner, {"a.png": png(40, 30, (200, 0, 0)), "b.png": png(20, 50, (0, 0, 200)), "c.txt": b"x"})
    owner.row("a.png").dblclick()
    image = preview(owner).get_by_role("img", name="a.png")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    expect(preview(owner).get_by_text("1 of 2")).to_be_visible()
    preview(owner).get_by_role("button", name="Next").click()
    second = preview(owner).get_by_role("img", name="b.png")
    expect(second).to_be_visible()
    expect(preview(owner).get_by_role("heading", name="b.png")).to_be_visible()
    owner.page.keyboard.press("ArrowRight")
    expect(preview(owner).get_by_role("img", name="a.png")).to_be_visible()
    owner.page.keyboard.press("Escape")
    expect(preview(owner)).to_have_count(0)


def test_image_preview_zooms_in_and_back_to_fit(owner: Owner) -> None:
    folder_with(owner, {"big.png": png(2400, 1600, (0, 120, 60)), "small.png": png(40, 30, (200, 0, 0))})
    owner.row("big.png").dblclick()
    dialog = preview(owner)
    image = dialog.get_by_role("img", name="big.png")
    expect(image).to_be_visible()
    owner.page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    fit = image.evaluate("img => img.clientWidth")
    assert 0 < fit < 2400
    stage = dialog.locator(".preview-stage")
    assert not stage.evaluate("s => s.scrollWidth > s.clientWidth")
    expect(dialog.get_by_role("button", name="Zoom out")).to_be_disabled()

    dialog.get_by_role("button", name="Zoom in").click()
    assert abs(image.evaluate("img => img.clientWidth") - fit * 1.5) <= 1
    assert stage.evaluate("s => s.scrollWidth > s.clientWidth && s.scrollLeft > 0")  # scrolls, kept centred
    owner.page.keyboard.press("+")
    assert abs(image.evaluate("img => img.clientWidth") - fit * 2) <= 1
    owner.page.keyboard.press("0")
    assert image.evaluate("img => img.clientWidth") == fit
    expect(dialog.get_by_role("button", name="Zoom out")).to_be_disabled()
    image.dblclick()
    assert abs(image.evaluate("img => img.clientWidth") - fit * 2) <= 1

    # The next picture starts fitted again.
    dialog.get_by_role("button", name="Next").click()
    small = dialog.get_by_role("img", name="small.png")
    expect(small).to_be_visible()
    owner.page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=small.element_handle())
    assert small.evaluate("img => img.clientWidth") == 40
    expect(dialog.get_by_role("button", name="Zoom out")).to_be_disabled()


def test_text_preview_shows_the_content_and_saves_an_edit(owner: Owner) -> None:
    folder = folder_with(owner, {"notes.md": b"# Shopping\n- milk\n"})
    owner.row("notes.md").dblclick()
    editor = preview(owner).get_by_role("textbox", name="Content of notes.md")
    expect(editor).to_have_value("# Shopping\n- milk\n")
    save = preview(owner).get_by_role("button", name="Save")
    expect(save).to_be_disabled()
    editor.press("End")
    editor.type("- bread\n")
    save.click()
    expect(owner.page.get_by_text("Saved")).to_be_visible()
    assert owner.content(f"{folder}/notes.md") == b"# Shopping\n- milk\n- bread\n"


def test_video_and_audio_previews_play_from_the_file(owner: Owner) -> None:
    folder_with(owner, {"clip.mp4": b"\x00\x00\x00\x18ftypmp42", "tone.wav": wav()})
    owner.row("clip.mp4").dblclick()
    video = preview(owner).locator("video")
    expect(video).to_have_attribute("src", CONTENT_URL)
    preview(owner).get_by_role("button", name="Close preview").click()
    owner.row("tone.wav").dblclick()
    audio = preview(owner).locator("audio")
    expect(audio).to_have_attribute("controls", "")
    owner.page.wait_for_function("() => document.querySelector('dialog.preview audio')?.readyState >= 1")
    assert audio.evaluate("a => a.duration") == pytest.approx(0.1, abs=0.02)


def test_pdf_preview_is_a_frame_of_the_file(owner: Owner) -> None:
    folder_with(owner, {"manual.pdf": b"%PDF-1.4\n%%EOF\n"})
    owner.row("manual.pdf").dblclick()
    frame = preview(owner).locator("iframe[title='manual.pdf']")
    expect(frame).to_have_attribute("src", CONTENT_URL)
    src = frame.get_attribute("src")
    assert owner.api.client.get(src).content == b"%PDF-1.4\n%%EOF\n"
