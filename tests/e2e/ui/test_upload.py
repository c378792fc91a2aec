"""Uploads from the file browser: pickers, folders, drag and drop, resuming, cancelling, name conflicts."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.transfers import set_policy
from tests.e2e.ui.conftest import Owner

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def ui_server(server_factory: Any) -> Server:
    """A server of its own whose policy cuts uploads into small chunks, so a test file has many."""
    server: Server = server_factory(settings={"upload_session_timeout": "3600"})
    set_policy(server, chunk_size=CHUNK)
    return server


class Uploader(Owner):
    """An account signed in in the page, with helpers to upload as a person does and check through the API."""

    def panel(self) -> Any:
        return self.page.get_by_role("region", name="Uploads")

    def choose(self, entry: str, files: Any) -> None:
        """New → "Upload files"/"Upload folder", then pick `files` in the browser's chooser."""
        self.page.get_by_role("button", name="New").click()
        with self.page.expect_file_chooser() as chooser:
            self.page.get_by_role("menuitem", name=entry).click()
        chooser.value.set_files(files)

    def info(self, path: str) -> dict[str, Any]:
        return self.api.get("/file/info", self.token, params={"uri": f"cloudreve://my/{path}"})



@pytest.fixture
def uploader(page: Any, ui_api: Api) -> Uploader:
    return Uploader(page, ui_api)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def on_disk(directory: Path, name: str, size: int) -> Path:
    path = directory / name
    path.write_bytes(os.urandom(size))
    return path


def wait_until(page: Any, condition: Any, timeout_ms: int = 10_000) -> None:
    """Let the page run until `condition()` holds (route handlers run while the page is waited on)."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("timed out")


def chunk_indexes(page: Any) -> list[int]:
    """Chunk numbers the page sends from now on."""
    sent: list[int] = []

    def record(request: Any) -> None:
        parts = request.url.split("/api/v4/file/upload/")
        if request.method == "POST" and len(parts) == 2 and "/" in parts[1]:
            sent.append(int(parts[1].rsplit("/", 1)[1]))

    page.on("request", record)
    return sent


def test_two_files_from_the_picker_appear_with_their_sizes(uploader: Uploader, tmp_path: Path) -> None:
    uploader.open()
    first, second = unique("report") + ".txt", unique("photo") + ".bin"
    uploader.choose("Upload files", [on_disk(tmp_path, first, 2048), on_disk(tmp_path, second, 3 * 1024)])
    expect(uploader.row(first)).to_contain_text("2.00 KB")
    expect(uploader.row(second)).to_contain_text("3.00 KB")
    expect(uploader.panel()).to_contain_text("Uploads complete")
    expect(uploader.panel().get_by_role("progressbar", name=first)).to_have_attribute("value", "100")


def test_a_slow_upload_shows_its_speed_and_the_time_left(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    page.route("**/api/v4/file/upload/*/*", lambda route: (time.sleep(0.2), route.continue_()))  # a slow link
    uploader.open()
    name = unique("slow") + ".bin"
    uploader.choose("Upload files", [on_disk(tmp_path, name, 12 * CHUNK)])
    row = uploader.panel().get_by_role("listitem").filter(has_text=name)
    expect(row).to_contain_text(re.compile(r"\d+(\.\d+)? [KM]?B/s · \d+:\d\d left"))
    expect(uploader.panel()).to_contain_text("Uploads complete", timeout=20_000)
    expect(uploader.row(name)).to_contain_text("768 KB")


def test_a_folder_from_the_folder_picker_keeps_its_tree(uploader: Uploader, tmp_path: Path) -> None:
    folder = tmp_path / unique("album")
    (folder / "2024").mkdir(parents=True)
    on_disk(folder, "cover.jpg", 1500)
    on_disk(folder / "2024", "beach.jpg", 70_000)
    uploader.open()
    uploader.choose("Upload folder", folder)
    expect(uploader.panel()).to_contain_text("Uploads complete")
    uploader.row(folder.name).dblclick()
    expect(uploader.row("cover.jpg")).to_be_visible()
    uploader.row("2024").dblclick()
    expect(uploader.row("beach.jpg")).to_contain_text("68.4 KB")


def drop_file(page: Any, target: str, name: str, text: str) -> None:
    """Drop a file from the desktop onto the element `target` (a CSS selector), as the browser reports it,
    once the folder on show takes drops (it does when its listing has loaded)."""
    expect(page.get_by_role("region", name="File browser")).to_have_attribute("data-drop-uri", re.compile("^cloudreve://"))
    page.evaluate("""([target, name, text]) => {
        const element = document.querySelector(target);
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type: "text/plain" }));
        for (const type of ["dragenter", "dragover", "drop"]) {
            element.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
        }
    }""", [target, name, text])


def test_a_file_dropped_on_the_list_is_uploaded(uploader: Uploader) -> None:
    uploader.open()
    name = unique("dropped") + ".txt"
    drop_file(uploader.page, "[role=grid]", name, "dropped by hand")
    expect(uploader.row(name)).to_contain_text("15 B")
    assert uploader.content(name) == b"dropped by hand"


def test_a_file_dropped_on_a_folder_row_is_uploaded_into_it(uploader: Uploader) -> None:
    folder, name = unique("Drop box"), unique("into") + ".txt"
    uploader.folder(folder)
    uploader.open()
    drop_file(uploader.page, f'[role=row][data-name="{folder}"]', name, "in the folder")
    expect(uploader.panel()).to_contain_text("Uploads complete")
    expect(uploader.row(name)).to_have_count(0)
    assert uploader.content(f"{folder}/{name}") == b"in the folder"


def paste_file(page: Any, target: str, name: str, text: str) -> None:
    """Paste a copied file into the element `target` (a CSS selector), as the browser reports it."""
    expect(page.get_by_role("region", name="File browser")).to_have_attribute("data-drop-uri", re.compile("^cloudreve://"))
    page.evaluate("""([target, name, text]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type: "text/plain" }));
        document.querySelector(target).dispatchEvent(
            new ClipboardEvent("paste", { bubbles: true, cancelable: true, clipboardData: data }));
    }""", [target, name, text])


def test_a_file_pasted_into_a_folder_is_uploaded_there_but_not_one_pasted_into_a_text_box(uploader: Uploader) -> None:
    folder, name, typed = unique("Pasted"), unique("clip") + ".txt", unique("typed") + ".txt"
    uploader.folder(folder)
    uploader.open(f"cloudreve://my/{folder}")
    paste_file(uploader.page, "body", name, "from the clipboard")
    expect(uploader.row(name)).to_contain_text("18 B")
    assert uploader.content(f"{folder}/{name}") == b"from the clipboard"

    paste_file(uploader.page, "input[type=search]", typed, "meant for the search box")
    expect(uploader.panel()).to_contain_text("Uploads complete")
    uploader.page.wait_for_timeout(300)  # an upload would have started by now
    assert uploader.names(f"cloudreve://my/{folder}") == {name}


def test_a_reload_mid_upload_resumes_without_sending_finished_chunks(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    name = unique("big") + ".bin"
    source = on_disk(tmp_path, name, 16 * CHUNK + 100)  # 17 chunks, the last one short
    held: list[Any] = []
    page.route("**/api/v4/file/upload/*/6", lambda route: held.append(route))
    uploader.open()
    uploader.choose("Upload files", [source])
    wait_until(page, lambda: held)
    page.reload()  # before unroute, which would let the held chunk through
    page.unroute("**/api/v4/file/upload/*/6")
    expect(uploader.panel()).to_contain_text("Stopped at 37%")
    sent = chunk_indexes(page)
    uploader.choose("Upload files", [source])
    expect(uploader.panel()).to_contain_text("Uploads complete")
    assert sent == list(range(6, 17))
    expect(uploader.row(name)).to_contain_text("1.00 MB")
    assert uploader.content(name) == source.read_bytes()


def test_a_lost_connection_is_retried_and_the_upload_finishes(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    name = unique("flaky") + ".bin"
    source = on_disk(tmp_path, name, 3 * CHUNK)
    failures = [1]

    def drop_once(route: Any) -> None:
        if failures:
            failures.pop()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v4/file/upload/*/1", drop_once)
    uploader.open()
    sent = chunk_indexes(page)
    uploader.choose("Upload files", [source])
    expect(uploader.panel()).to_contain_text("Uploads complete")
    assert sent == [0, 1, 1, 2]
    assert uploader.content(name) == source.read_bytes()


def test_cancel_removes_the_upload_and_its_session(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    name = unique("cancelled") + ".bin"
    source = on_disk(tmp_path, name, 4 * CHUNK)
    held: list[Any] = []
    page.route("**/api/v4/file/upload/*/2", lambda route: held.append(route))  # stalls on its third chunk
    uploader.open()
    uploader.choose("Upload files", [source])
    wait_until(page, lambda: held)
    with page.expect_response(lambda r: r.request.method == "DELETE" and r.url.endswith("/api/v4/file/upload")):
        uploader.panel().get_by_role("button", name=f"Cancel upload of {name}").click()
    expect(uploader.panel()).to_contain_text("Cancelled")
    expect(uploader.row(name)).to_have_count(0)
    assert uploader.info(name)["code"] != 0
    # No session holds the name any more: a new upload to it is accepted.
    policy = uploader.api.get("/file", uploader.token, params={"uri": "cloudreve://my"})["data"]["storage_policy"]
    again = uploader.api.put("/file/upload", {"uri": f"cloudreve://my/{name}", "size": 1, "policy_id": policy["id"]},
                             uploader.token)
    assert again["code"] == 0, again


def test_name_conflicts_offer_replace_keep_both_and_skip(uploader: Uploader, tmp_path: Path) -> None:
    folder = unique("conflicts")
    for name in ("replace.txt", "both.txt", "skip.txt"):
        uploader.file(f"{folder}/{name}", b"old")
    uploader.open(f"cloudreve://my/{folder}")
    answers = {"replace.txt": "Replace (new version)", "both.txt": "Keep both", "skip.txt": "Skip"}
    uploader.choose("Upload files", [on_disk(tmp_path, name, 5000) for name in answers])
    for _ in answers:
        dialog = uploader.page.get_by_role("dialog", name="The name is already taken")
        dialog.wait_for()
        asked = next(name for name in answers if dialog.get_by_text(name).count())
        dialog.get_by_role("button", name=answers[asked]).click()
        expect(dialog.get_by_text(asked)).to_have_count(0)
    expect(uploader.panel()).to_contain_text("Uploads complete")
    expect(uploader.panel()).to_contain_text("Skipped")
    expect(uploader.row("replace.txt")).to_contain_text("4.88 KB")
    expect(uploader.row("both.txt")).to_contain_text("3 B")
    expect(uploader.row("both (1).txt")).to_contain_text("4.88 KB")
    expect(uploader.row("skip.txt")).to_contain_text("3 B")
    assert uploader.content(f"{folder}/replace.txt") == (tmp_path / "replace.txt").read_bytes()


def test_apply_to_all_answers_every_conflict_once(uploader: Uploader, tmp_path: Path) -> None:
    folder = unique("many")
    names = [f"note{i}.txt" for i in range(4)]
    for name in names:
        uploader.file(f"{folder}/{name}", b"old")
    uploader.open(f"cloudreve://my/{folder}")
    uploader.choose("Upload files", [on_disk(tmp_path, name, 10) for name in names])
    dialog = uploader.page.get_by_role("dialog", name="The name is already taken")
    dialog.get_by_label("Do the same for the other name conflicts of this upload").check()
    dialog.get_by_role("button", name="Keep both").click()
    expect(uploader.panel()).to_contain_text("Uploads complete")
    for name in names:
        expect(uploader.row(name.replace(".txt", " (1).txt"))).to_contain_text("10 B")
    expect(dialog).to_have_count(0)


def test_on_a_phone_the_interrupted_upload_resumes_from_its_panel_entry(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    page.set_viewport_size({"width": 390, "height": 780})
    name = unique("phone") + ".bin"
    source = on_disk(tmp_path, name, 3 * CHUNK)
    held: list[Any] = []
    page.route("**/api/v4/file/upload/*/1", lambda route: held.append(route))
    uploader.open()
    uploader.choose("Upload files", [source])
    wait_until(page, lambda: held)
    page.reload()  # before unroute, which would let the held chunk through
    page.unroute("**/api/v4/file/upload/*/1")
    panel = uploader.panel()
    expect(panel).to_contain_text("1 upload(s) not finished")
    panel.get_by_role("button", name="Hide the upload list").click()
    expect(panel.get_by_role("list")).to_be_hidden()
    panel.get_by_role("button", name="Show the upload list").click()
    sent = chunk_indexes(page)
    with page.expect_file_chooser() as chooser:
        panel.get_by_role("button", name=f"Select {name} again to resume").click()
    chooser.value.set_files(source)
    expect(panel).to_contain_text("Uploads complete")
    assert sent == [1, 2]
    assert uploader.content(name) == source.read_bytes()


def test_cancel_all_stops_every_upload(uploader: Uploader, tmp_path: Path) -> None:
    page = uploader.page
    names = [unique("stalled") + ".bin" for _ in range(2)]
    held: list[Any] = []
    page.route("**/api/v4/file/upload/*/1", lambda route: held.append(route))
    uploader.open()
    uploader.choose("Upload files", [on_disk(tmp_path, name, 2 * CHUNK) for name in names])
    wait_until(page, lambda: len(held) == 2)
    uploader.panel().get_by_role("button", name="Cancel all").click()
    expect(uploader.panel().get_by_text("Cancelled")).to_have_count(2)
    expect(uploader.panel().get_by_role("button", name="Cancel all")).to_be_hidden()
    for name in names:
        wait_until(page, lambda name=name: uploader.info(name)["code"] != 0)
        expect(uploader.row(name)).to_have_count(0)
