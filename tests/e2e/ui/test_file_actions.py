"""File actions in the browser: create, rename, move and copy, trash, downloads, versions, tags, pins, links."""

from __future__ import annotations

import re
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.helpers import update_user
from tests.e2e.media_files import MEDIA_SETTINGS, camera_jpeg, flac_bytes, needs_ffmpeg, video_bytes
from tests.e2e.ui.conftest import Owner, unique

ADMIN_GROUP, USER_GROUP = 1, 2  # only the Admin group may download archives


def test_new_folder_appears_in_the_list(owner: Owner) -> None:
    owner.open()
    owner.page.get_by_role("button", name="New").click()
    owner.page.get_by_role("menuitem", name="New folder").click()
    name = unique("Reports")
    owner.dialog().get_by_label("Folder name").fill(name)
    owner.dialog().get_by_role("button", name="Create").click()
    expect(owner.row(name)).to_be_visible()
    assert name in owner.names()


def test_new_text_file_appears_in_the_list(owner: Owner) -> None:
    owner.open()
    owner.page.get_by_role("button", name="New").click()
    owner.page.get_by_role("menuitem", name="New text file").click()
    name = unique("todo") + ".txt"
    owner.dialog().get_by_label("File name").fill(name)
    owner.page.keyboard.press("Enter")
    expect(owner.row(name)).to_be_visible()


def test_rename_with_f2_shows_the_new_name(owner: Owner) -> None:
    old, new = unique("draft") + ".txt", unique("final") + ".txt"
    owner.file(old)
    owner.open()
    owner.row(old).click()
    owner.page.keyboard.press("F2")
    field = owner.dialog().get_by_label("New name")
    expect(field).to_have_value(old)
    field.fill(new)
    owner.dialog().get_by_role("button", name="Rename").click()
    expect(owner.row(new)).to_be_visible()
    expect(owner.row(old)).to_have_count(0)


def test_undo_after_rename_and_after_a_dragged_move(owner: Owner) -> None:
    folder, old, new = unique("Box"), unique("draft") + ".txt", unique("final") + ".txt"
    owner.folder(folder)
    owner.file(old)
    owner.open()
    owner.rename(old, new)
    toast = owner.page.locator(".toast", has_text=f"Renamed to {new}")
    toast.get_by_role("button", name="Undo").click()
    expect(owner.page.get_by_text("Name restored")).to_be_visible()
    expect(owner.row(old)).to_be_visible()
    assert old in owner.names() and new not in owner.names()

    owner.row(old).drag_to(owner.row(folder))
    expect(owner.row(old)).to_have_count(0)
    owner.page.locator(".toast", has_text=f"Moved to {folder}").get_by_role("button", name="Undo").click()
    expect(owner.page.get_by_text("Moved back")).to_be_visible()
    expect(owner.row(old)).to_be_visible()
    assert old in owner.names() and old not in owner.names(f"cloudreve://my/{folder}")


def test_batch_rename_replaces_numbers_and_adds_text_and_reports_what_the_server_refused(owner: Owner) -> None:
    folder = unique("Book")
    for word in ("one", "two", "three"):
        owner.file(f"{folder}/draft {word}.txt", word.encode())
    owner.file(f"{folder}/Chapter 3-v2.txt", b"in the way")
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page
    page.get_by_role("button", name="List view").click()
    owner.grid().get_by_role("button", name="Name").click()  # sorted by name, so the order shown is known
    expect(owner.grid().get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")

    def rename(*names: str) -> Any:
        """Select the entries `names`, open the batch rename with F2."""
        owner.row(names[0]).click()
        for name in names[1:]:
            owner.row(name).click(modifiers=["Control"])
        page.keyboard.press("F2")
        return page.get_by_role("dialog", name=f"Rename {len(names)} items")

    form = rename("draft one.txt", "draft two.txt", "draft three.txt")
    form.get_by_label("Find").fill("draft")
    form.get_by_label("Replace with").fill("final")
    expect(form.get_by_role("list", name="New names")).to_contain_text("draft two.txt → final two.txt")
    form.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Items renamed: 3")).to_be_visible()
    assert owner.names(f"cloudreve://my/{folder}") == {"final one.txt", "final two.txt", "final three.txt",
                                                       "Chapter 3-v2.txt"}

    # Numbered in the order shown (by name: one, three, two), extensions kept.
    form = rename("final one.txt", "final two.txt", "final three.txt")
    form.get_by_label("How").select_option(label="Number them")
    form.get_by_label("Name before the number").fill("Chapter ")
    form.get_by_role("button", name="Rename").click()
    expect(owner.row("Chapter 2.txt")).to_be_visible()
    assert owner.content(f"{folder}/Chapter 1.txt") == b"one"
    assert owner.content(f"{folder}/Chapter 2.txt") == b"three"
    assert owner.content(f"{folder}/Chapter 3.txt") == b"two"

    # A name taken by another selected entry is refused before anything is sent.
    form = rename("Chapter 1.txt", "Chapter 2.txt", "Chapter 3.txt")
    form.get_by_label("Find").fill("1")
    form.get_by_label("Replace with").fill("2")
    expect(form.get_by_role("alert")).to_contain_text("“Chapter 2.txt” is the name of another selected item")
    form.get_by_role("button", name="Rename").click()
    expect(form).to_be_visible()

    # One name is taken outside the selection: the others are renamed, that one is reported.
    form.get_by_label("How").select_option(label="Add text")
    form.get_by_label("Text to add").fill("-v2")
    form.get_by_role("button", name="Rename").click()
    report = page.get_by_role("dialog", name="Some items could not be processed")
    expect(report).to_contain_text("Chapter 3.txt: That name is already taken in this folder.")
    assert owner.names(f"cloudreve://my/{folder}") == {"Chapter 1-v2.txt", "Chapter 2-v2.txt", "Chapter 3.txt",
                                                       "Chapter 3-v2.txt"}


def test_rename_to_a_taken_name_explains_it_in_the_dialog(owner: Owner) -> None:
    first, second = unique("a") + ".txt", unique("b") + ".txt"
    owner.file(first)
    owner.file(second)
    owner.open()
    owner.rename(first, second)
    expect(owner.dialog().get_by_role("alert")).to_have_text("That name is already taken in this folder.")


def test_move_to_another_folder_with_the_picker(owner: Owner) -> None:
    target, name = unique("Archive"), unique("notes") + ".txt"
    owner.folder(f"{target}/Inner")
    owner.file(name)
    owner.open()
    owner.act(name, "Move to…")
    picker = owner.dialog()
    picker.get_by_role("button", name=target).click()
    expect(picker.get_by_role("button", name="Inner")).to_be_visible()
    picker.get_by_role("button", name="Move here").click()
    expect(owner.row(name)).to_have_count(0)
    owner.row(target).dblclick()
    expect(owner.row(name)).to_be_visible()
    expect(owner.row("Inner")).to_be_visible()


def test_drag_two_files_onto_a_folder_moves_both(owner: Owner) -> None:
    target, first, second, stays = unique("Inbox"), unique("a") + ".txt", unique("b") + ".txt", unique("c") + ".txt"
    owner.folder(target)
    for name in (first, second, stays):
        owner.file(name)
    owner.open()
    owner.row(first).click()
    owner.row(second).click(modifiers=["Control"])
    owner.row(second).drag_to(owner.row(target))
    expect(owner.page.get_by_text(f"Moved to {target}")).to_be_visible()
    expect(owner.row(first)).to_have_count(0)
    expect(owner.row(second)).to_have_count(0)
    expect(owner.row(stays)).to_be_visible()
    assert {first, second} <= owner.names(f"cloudreve://my/{target}")
    assert stays in owner.names()


def test_drag_onto_a_breadcrumb_moves_up_and_ctrl_drag_copies(owner: Owner) -> None:
    folder, moved, copied = unique("Deep"), unique("up") + ".txt", unique("twin") + ".txt"
    owner.folder(folder)
    owner.file(f"{folder}/{moved}")
    owner.file(f"{folder}/{copied}", b"same bytes")
    owner.open(f"cloudreve://my/{folder}")
    home = owner.page.get_by_role("navigation", name="Folder path").get_by_role("link", name="My files")
    owner.row(moved).drag_to(home)
    expect(owner.row(moved)).to_have_count(0)

    owner.page.keyboard.down("Control")
    owner.row(copied).drag_to(home)
    owner.page.keyboard.up("Control")
    expect(owner.page.get_by_text("Copied to My files")).to_be_visible()
    expect(owner.row(copied)).to_be_visible()
    assert {moved, copied} <= owner.names()
    assert owner.content(copied) == b"same bytes"


def test_drag_onto_a_pinned_folder_in_the_sidebar_moves_there(owner: Owner) -> None:
    pinned, name = unique("Pinned"), unique("filed") + ".txt"
    owner.folder(pinned)
    owner.file(name)
    pin = owner.api.put("/file/pin", {"uri": f"cloudreve://my/{pinned}"}, owner.token)
    assert pin["code"] == 0, pin
    owner.open()
    sidebar = owner.page.get_by_role("navigation", name="Main navigation")
    owner.row(name).drag_to(sidebar.get_by_role("link", name=pinned))
    expect(owner.row(name)).to_have_count(0)
    assert name in owner.names(f"cloudreve://my/{pinned}")

    owner.row(pinned).dblclick()
    expect(owner.row(name)).to_be_visible()
    owner.row(name).drag_to(sidebar.get_by_role("link", name="My files"))
    expect(owner.row(name)).to_have_count(0)
    assert name in owner.names()


def test_move_into_a_folder_made_in_the_picker(owner: Owner) -> None:
    name, made = unique("photo") + ".txt", unique("Trip")
    owner.file(name)
    owner.open()
    owner.act(name, "Move to…")
    owner.dialog().get_by_role("button", name="New folder").click()
    owner.page.get_by_label("Folder name").fill(made)
    owner.page.get_by_role("button", name="Create").click()
    picker = owner.dialog()
    expect(picker.get_by_role("button", name=made)).to_have_attribute("aria-current", "location")
    picker.get_by_role("button", name="Move here").click()
    expect(owner.row(name)).to_have_count(0)
    expect(owner.row(made)).to_be_visible()
    assert owner.names(f"cloudreve://my/{made}") == {name}


def test_partial_failure_lists_what_failed_and_why(owner: Owner) -> None:
    gone, kept = unique("lost") + ".txt", unique("kept") + ".txt"
    folder = unique("Gone")
    owner.file(f"{folder}/{gone}")
    owner.file(kept)
    owner.api.delete("/file", {"uris": [f"cloudreve://my/{folder}/{gone}", f"cloudreve://my/{kept}"]}, owner.token)
    owner.api.delete("/file", {"uris": [f"cloudreve://my/{folder}"], "skip_soft_delete": True}, owner.token)
    owner.open("cloudreve://trash")
    owner.row(gone).click()
    owner.row(kept).click(modifiers=["Control"])
    owner.act(kept, "Restore")
    report = owner.page.get_by_role("dialog", name="Some items could not be processed")
    expect(report.get_by_role("listitem")).to_have_text(f"{gone}: That folder does not exist.")
    report.get_by_role("button", name="Close").last.click()
    expect(owner.row(kept)).to_have_count(0)
    expect(owner.row(gone)).to_be_visible()
    assert kept in owner.names()


def test_copy_keeps_both(owner: Owner) -> None:
    target, name = unique("Backup"), unique("report") + ".txt"
    owner.folder(target)
    owner.file(name, b"copy me")
    owner.open()
    owner.act(name, "Copy to…")
    owner.dialog().get_by_role("button", name=target).click()
    owner.dialog().get_by_role("button", name="Copy here").click()
    expect(owner.page.get_by_text(f"Copied to {target}")).to_be_visible()
    expect(owner.row(name)).to_be_visible()
    assert name in owner.names(f"cloudreve://my/{target}")
    assert owner.content(f"{target}/{name}") == b"copy me"


def test_delete_to_trash_then_restore(owner: Owner) -> None:
    folder, name = unique("Work"), unique("plan") + ".txt"
    owner.file(f"{folder}/{name}")
    owner.open(f"cloudreve://my/{folder}")
    owner.row(name).click()
    owner.page.keyboard.press("Delete")
    owner.dialog().get_by_role("button", name="Delete").click()
    expect(owner.row(name)).to_have_count(0)

    owner.page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Trash").click()
    expect(owner.row(name)).to_be_visible()
    owner.act(name, "Restore")
    expect(owner.row(name)).to_have_count(0)

    owner.open(f"cloudreve://my/{folder}")
    expect(owner.row(name)).to_be_visible()


def test_undo_a_delete_from_the_toast_puts_every_file_back(owner: Owner) -> None:
    folder = unique("Undo")
    names = ["keep.txt", "also.txt"]
    for name in names:
        owner.file(f"{folder}/{name}", name.encode())
    owner.folder(f"{folder}/Sub")
    owner.open(f"cloudreve://my/{folder}")
    owner.row("keep.txt").click()
    owner.page.keyboard.press("Control+a")  # the three entries, the folder too
    expect(owner.page.get_by_text("3 selected")).to_be_visible()
    owner.page.keyboard.press("Delete")
    owner.dialog().get_by_role("button", name="Delete").click()
    expect(owner.row("keep.txt")).to_have_count(0)
    assert owner.names(f"cloudreve://my/{folder}") == set()

    owner.page.locator(".toast", has_text="Moved to the trash").get_by_role("button", name="Undo").click()
    expect(owner.page.get_by_text("Restored")).to_be_visible()
    for name in [*names, "Sub"]:
        expect(owner.row(name)).to_be_visible()
    assert owner.names(f"cloudreve://my/{folder}") == {*names, "Sub"}
    assert owner.names("cloudreve://trash") & {*names, "Sub"} == set()
    assert owner.content(f"{folder}/keep.txt") == b"keep.txt"


def test_delete_forever_and_empty_the_trash(owner: Owner) -> None:
    first, second = unique("old") + ".txt", unique("older") + ".txt"
    for name in (first, second):
        owner.file(name)
    owner.api.delete("/file", {"uris": [f"cloudreve://my/{first}", f"cloudreve://my/{second}"]}, owner.token)
    owner.open("cloudreve://trash")
    owner.act(first, "Delete forever")
    owner.dialog().get_by_role("button", name="Delete forever").click()
    expect(owner.row(first)).to_have_count(0)
    expect(owner.row(second)).to_be_visible()

    owner.page.get_by_role("button", name="Empty trash").click()
    owner.dialog().get_by_role("button", name="Empty trash").click()
    expect(owner.row(second)).to_have_count(0)
    expect(owner.page.get_by_text("Trash emptied")).to_be_visible()
    assert owner.names("cloudreve://trash") == set()


def test_download_one_file(owner: Owner) -> None:
    name = unique("data") + ".bin"
    payload = uuid.uuid4().bytes * 100
    owner.file(name, payload)
    owner.open()
    with owner.page.expect_download() as info:
        owner.act(name, "Download")
    download = info.value
    assert download.suggested_filename == name
    assert Path(download.path()).read_bytes() == payload


def test_download_two_files_as_one_archive(page: Any, ui_server: Server) -> None:
    owner = Owner(page, ui_server.api, lambda email: update_user(ui_server, email, group_users=ADMIN_GROUP))
    folder = unique("Batch")
    owner.file(f"{folder}/one.txt", b"first")
    owner.file(f"{folder}/two.txt", b"second")
    owner.open(f"cloudreve://my/{folder}")
    owner.row("one.txt").click()
    owner.row("two.txt").click(modifiers=["Control"])
    with owner.page.expect_download() as info:
        owner.act("two.txt", "Download")
    with zipfile.ZipFile(Path(info.value.path())) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == {"one.txt": b"first", "two.txt": b"second"}


def test_without_archive_permission_several_files_download_one_by_one(page: Any, ui_server: Server) -> None:
    # The first account of a server is an administrator: make sure this one is not.
    owner = Owner(page, ui_server.api, lambda email: update_user(ui_server, email, group_users=USER_GROUP))
    folder = unique("Loose")
    owner.file(f"{folder}/one.txt", b"first")
    owner.file(f"{folder}/two.txt", b"second")
    owner.open(f"cloudreve://my/{folder}")
    downloads: list[Any] = []
    owner.page.on("download", lambda download: downloads.append(download))
    owner.row("one.txt").click()
    owner.row("two.txt").click(modifiers=["Control"])
    owner.act("two.txt", "Download")
    for _ in range(50):
        if len(downloads) == 2:
            break
        owner.page.wait_for_timeout(100)
    assert {d.suggested_filename: Path(d.path()).read_bytes() for d in downloads} == {
        "one.txt": b"first", "two.txt": b"second"}


def test_delete_an_old_version(owner: Owner) -> None:
    name = unique("log") + ".txt"
    owner.file(name, b"v1")
    owner.file(name, b"v2")
    owner.open()
    owner.act(name, "Versions")
    versions = owner.dialog().get_by_role("list", name="Versions").get_by_role("listitem")
    expect(versions).to_have_count(2)
    versions.nth(1).get_by_role("button", name="Delete this version").click()
    owner.page.get_by_role("dialog", name="Delete this version").get_by_role("button", name="Delete").click()
    expect(versions).to_have_count(1)
    expect(owner.page.get_by_text("This file has only one version.")).to_be_visible()
    assert owner.content(name) == b"v2"


def test_restore_an_older_version(owner: Owner) -> None:
    name = unique("essay") + ".txt"
    owner.file(name, b"first draft")
    owner.file(name, b"second draft")
    owner.open()
    owner.act(name, "Versions")
    versions = owner.dialog().get_by_role("list", name="Versions").get_by_role("listitem")
    expect(versions).to_have_count(2)
    expect(versions.first.get_by_text("Current")).to_be_visible()
    versions.nth(1).get_by_role("button", name="Restore this version").click()
    expect(versions.nth(1).get_by_text("Current")).to_be_visible()
    assert owner.content(name) == b"first draft"


def test_tag_with_a_colour_stays_after_reload(owner: Owner) -> None:
    name = unique("invoice") + ".pdf"
    owner.file(name, b"%PDF-1.4")
    owner.open()
    owner.act(name, "Tags and colour")
    editor = owner.dialog()
    editor.get_by_label("Tag name").fill("urgent")
    editor.get_by_role("group", name="Tag colour").get_by_label("Red").check()
    editor.get_by_role("button", name="Add tag").click()
    editor.get_by_role("button", name="Save").click()
    expect(owner.page.get_by_text("Tags saved")).to_be_visible()
    owner.page.reload()
    expect(owner.row(name).get_by_text("urgent")).to_be_visible()
    listed = owner.api.get("/file/info", owner.token, params={"uri": f"cloudreve://my/{name}"})
    assert listed["data"]["metadata"]["tag:urgent"] == "#e53935"


def test_pin_a_folder_to_the_sidebar_and_open_it(owner: Owner) -> None:
    folder = unique("Pinned")
    owner.file(f"{folder}/inside.txt")
    owner.open()
    owner.act(folder, "Pin to sidebar")
    pin = owner.page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=folder)
    expect(pin).to_be_visible()
    pin.click()
    expect(owner.row("inside.txt")).to_be_visible()
    assert quote(folder) in owner.page.url

    owner.page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My files").click()
    owner.act(folder, "Unpin from sidebar")
    expect(pin).to_have_count(0)


def test_direct_link_is_created_and_downloads_the_file(owner: Owner, ui_server: Server) -> None:
    name = unique("public") + ".txt"
    owner.file(name, b"for everyone")
    owner.open()
    owner.act(name, "Get direct link")
    link = owner.dialog().get_by_role("textbox", name=name, exact=True).input_value()
    assert link.startswith(ui_server.base + "/f/")
    assert httpx.get(link, follow_redirects=True).content == b"for everyone"


def test_direct_link_listed_in_details_stops_working_once_deleted(owner: Owner) -> None:
    name = unique("leaked") + ".txt"
    owner.file(name, b"not any more")
    made = owner.api.put("/file/source", {"uris": [f"cloudreve://my/{name}"]}, owner.token)
    assert made["code"] == 0, made
    link = made["data"][0]["link"]
    assert httpx.get(link, follow_redirects=True).content == b"not any more"
    owner.open()
    owner.act(name, "Details")
    details = owner.dialog()
    expect(details.get_by_role("link", name=link)).to_be_visible()
    expect(details.get_by_text("Downloads: 1")).to_be_visible()
    details.get_by_role("button", name=f"Delete {link}").click()
    expect(owner.page.get_by_text("Direct link deleted")).to_be_visible()
    expect(details.get_by_role("link", name=link)).to_have_count(0)
    assert httpx.get(link, follow_redirects=True).status_code == 404


def test_details_show_size_location_and_owner(owner: Owner) -> None:
    folder, name = unique("Docs"), unique("spec") + ".txt"
    owner.file(f"{folder}/{name}", b"x" * 2048)
    owner.open(f"cloudreve://my/{folder}")
    owner.act(name, "Details")
    details = owner.dialog()
    expect(details.get_by_role("heading", name=f"Details of {name}")).to_be_visible()
    expect(details.get_by_text("2.00 KB").first).to_be_visible()
    expect(details.get_by_text(f"My files/{folder}")).to_be_visible()
    expect(details.get_by_text("(You)")).to_be_visible()


def test_details_show_the_activity_newest_first_filtered_and_paged(owner: Owner) -> None:
    folder = unique("Log")
    owner.file(f"{folder}/draft.txt", b"v1")
    owner.folder(f"{folder}/Final")
    assert owner.api.post("/file/rename", {"uri": f"cloudreve://my/{folder}/draft.txt", "new_name": "paper.txt"},
                          owner.token)["code"] == 0
    assert owner.api.post("/file/move", {"uris": [f"cloudreve://my/{folder}/paper.txt"],
                                         "dst": f"cloudreve://my/{folder}/Final", "copy": False},
                          owner.token)["code"] == 0
    for _ in range(21):  # more than one page of the log (20)
        assert owner.content(f"{folder}/Final/paper.txt") == b"v1"
    owner.open(f"cloudreve://my/{folder}/Final")
    owner.act("paper.txt", "Details")
    expect(owner.dialog().locator("footer").get_by_role("button", name="Close")).to_be_focused()
    log = owner.dialog().get_by_role("list", name="Activity")
    entries = log.get_by_role("listitem")
    expect(entries).to_have_count(20)
    expect(entries.first).to_contain_text("You downloaded it")
    owner.dialog().get_by_role("button", name="Show older activity").click()
    expect(log).to_contain_text(f"You moved it from My files/{folder} to My files/{folder}/Final")
    expect(log).to_contain_text("You renamed it from draft.txt to paper.txt")
    expect(entries.last).to_contain_text("You created it")
    expect(owner.dialog().get_by_role("button", name="Show older activity")).to_be_hidden()

    owner.dialog().get_by_role("combobox", name="Show activity").select_option(label="Changes")
    expect(log).not_to_contain_text("downloaded")
    expect(log).to_contain_text("You renamed it from draft.txt to paper.txt")


def test_details_show_what_the_server_read_from_a_photo_and_a_song(owner: Owner, tmp_path: Path) -> None:
    folder = unique("Media")
    owner.file(f"{folder}/eiffel.jpg", camera_jpeg())
    owner.file(f"{folder}/song.flac", flac_bytes(tmp_path))
    owner.wait_for_metadata(f"{folder}/eiffel.jpg", "exif:camera_make")
    owner.wait_for_metadata(f"{folder}/song.flac", "music:title")
    owner.open(f"cloudreve://my/{folder}")

    owner.act("eiffel.jpg", "Details")
    details = owner.dialog().locator("dl")
    expect(details).to_contain_text("CameraCanon EOS R5")
    expect(details).to_contain_text("LensRF50mm F1.8 STM")
    expect(details).to_contain_text("Exposure1/125 s · f/2.8 · ISO 400 · 50 mm")
    expect(details).to_contain_text("TakenJun 1, 2023")
    place = details.get_by_role("link", name="48.85833, 2.29445")
    expect(place).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=48\.85833"))
    owner.page.keyboard.press("Escape")

    owner.act("song.flac", "Details")
    details = owner.dialog().locator("dl")
    expect(details).to_contain_text("TitleNight Drive")
    expect(details).to_contain_text("ArtistThe Examples")
    expect(details).to_contain_text("AlbumTest Pressing")
    expect(details).to_contain_text("Track3/12")
    expect(details).to_contain_text("Duration0:03")
    expect(details).not_to_contain_text("Camera")


@needs_ffmpeg
def test_details_show_a_videos_size_length_and_codec(browser: Any, server_factory: Any, tmp_path: Path) -> None:
    server = server_factory(settings=MEDIA_SETTINGS)  # stream metadata comes from ffprobe, off by default
    context = browser.new_context(base_url=server.base, locale="en-US")
    try:
        viewer = Owner(context.new_page(), server.api)
        viewer.file("clip.mp4", video_bytes(tmp_path, seconds=2))
        viewer.wait_for_metadata("clip.mp4", "stream:format")
        viewer.open()
        viewer.act("clip.mp4", "Details")
        details = viewer.dialog().locator("dl")
        expect(details).to_contain_text("Dimensions320 × 240")
        expect(details).to_contain_text("Duration0:02")
        expect(details).to_contain_text("TitleTest Clip")
        expect(details).to_contain_text("Video codech264")
    finally:
        context.close()
