"""The file browser: folders, breadcrumbs, layouts, sorting, saved views, big folders, search, shares."""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from PIL import Image
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.media_files import camera_jpeg
from tests.e2e.ui.conftest import ARTIFACTS, Owner, unique


def test_browse_into_a_folder_by_double_click_and_back_by_breadcrumb(owner: Owner) -> None:
    folder = unique("Projects")
    owner.folder(f"{folder}/Inner")
    owner.file(f"{folder}/plan.txt")
    owner.open()
    owner.row(folder).dblclick()
    expect(owner.row("plan.txt")).to_be_visible()
    expect(owner.row("Inner")).to_be_visible()
    breadcrumb = owner.page.get_by_role("navigation", name="Folder path")
    expect(breadcrumb.get_by_text(folder)).to_have_attribute("aria-current", "page")
    breadcrumb.get_by_role("link", name="My files").click()
    expect(owner.row(folder)).to_have_attribute("aria-selected", "true")  # the folder just left
    expect(owner.row("plan.txt")).to_have_count(0)
    assert "path=cloudreve" in owner.page.url


ROW_NAMES = """() => [...document.querySelectorAll('[role=grid] [role=row][data-name]')]
    .sort((a, b) => a.dataset.index - b.dataset.index).map((r) => r.dataset.name)"""


def row_names(owner: Owner) -> list[str]:
    """The names of the rendered rows, in the order the person sees them."""
    return owner.page.evaluate(ROW_NAMES)  # type: ignore[no-any-return]


def expect_order(owner: Owner, names: list[str]) -> None:
    owner.page.wait_for_function(f"(want) => JSON.stringify(({ROW_NAMES})()) === JSON.stringify(want)", arg=names)


def test_a_fresh_accounts_first_screen_is_an_empty_home_with_type_filters(owner: Owner) -> None:
    # The page's end state is also checked for stray "null"/"undefined" words (the fixture does it).
    owner.open()
    page = owner.page
    expect(page.get_by_text("This folder is empty.")).to_be_visible()
    expect(page.get_by_role("group", name="File type").get_by_role("button")).to_have_count(4)


def test_list_view_shows_sizes_and_dates(owner: Owner) -> None:
    folder = unique("Sizes")
    owner.file(f"{folder}/big.bin", b"x" * 2048)
    owner.file(f"{folder}/small.txt", b"12345")
    owner.folder(f"{folder}/Sub")
    owner.open(f"cloudreve://my/{folder}")
    owner.page.get_by_role("button", name="List view").click()
    expect(owner.row("big.bin")).to_contain_text("2.00 KB")
    expect(owner.row("small.txt")).to_contain_text("5 B")
    expect(owner.grid().get_by_role("columnheader", name="Size")).to_be_visible()
    assert owner.row("Sub").locator(".fb-size").inner_text() == ""
    # Folders first, then files.
    assert row_names(owner)[0] == "Sub"


def test_grid_view_shows_a_thumbnail_for_an_image(owner: Owner) -> None:
    folder = unique("Photos")
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(picture, "PNG")
    owner.file(f"{folder}/red.png", picture.getvalue())
    owner.file(f"{folder}/notes.txt")
    owner.open(f"cloudreve://my/{folder}")
    owner.page.get_by_role("button", name="Grid view").click()
    thumb = owner.row("red.png").locator("img")
    expect(thumb).to_be_visible()
    owner.page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    expect(owner.row("notes.txt").locator("img")).to_have_count(0)


def test_gallery_view_shows_square_pictures_whose_size_is_chosen_and_kept(owner: Owner) -> None:
    folder = unique("Album")
    for number in range(6):
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (40 * number, 90, 160)).save(picture, "PNG")
        owner.file(f"{folder}/photo-{number}.png", picture.getvalue())
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page

    def saved(response: Any) -> bool:
        return response.url.endswith("/api/v4/file/view") and response.request.method == "PATCH"

    with page.expect_response(saved):
        page.get_by_role("button", name="Gallery view").click()
    thumb = owner.row("photo-0.png").locator("img")
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    box = owner.row("photo-0.png").bounding_box()
    assert box is not None and abs(box["width"] - box["height"]) <= 1, box  # square

    def lines() -> int:
        """How many lines the six pictures take."""
        return len({round(owner.row(f"photo-{n}.png").bounding_box()["y"]) for n in range(6)})  # type: ignore[index]

    before = lines()
    size = page.get_by_role("slider", name="Picture size")
    with page.expect_response(saved):
        size.evaluate("(input) => { input.value = 400; input.dispatchEvent(new Event('input', { bubbles: true }));"
                      " input.dispatchEvent(new Event('change', { bubbles: true })); }")
    bigger = lines()
    assert bigger > before
    page.reload()
    expect(page.get_by_role("button", name="Gallery view")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("slider", name="Picture size")).to_have_value("400")
    expect(owner.row("photo-5.png")).to_be_visible()
    assert lines() == bigger
    # Keyboard: the arrows move across a line as in the grid.
    owner.row("photo-0.png").click()
    page.keyboard.press("ArrowRight")
    expect(owner.row("photo-1.png")).to_have_attribute("aria-selected", "true")


def test_list_columns_are_chosen_saved_with_the_folder_and_show_media_information(owner: Owner) -> None:
    folder = unique("Shoot")
    owner.file(f"{folder}/eiffel.jpg", camera_jpeg())
    owner.file(f"{folder}/notes.txt", b"plain")
    owner.wait_for_metadata(f"{folder}/eiffel.jpg", "exif:camera_model")
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page
    page.get_by_role("button", name="List view").click()
    headers = owner.grid().get_by_role("columnheader")
    expect(headers).to_have_text(["Name", "Size", "Modified", "Actions"])

    owner.grid().get_by_role("button", name="Choose columns").click()
    form = page.get_by_role("dialog", name="Choose columns")
    form.get_by_role("checkbox", name="Size").uncheck()
    form.get_by_role("checkbox", name="Created").check()
    form.get_by_role("checkbox", name="Camera").check()

    def saved(response: Any) -> bool:
        return response.url.endswith("/api/v4/file/view") and response.request.method == "PATCH"

    with page.expect_response(saved):
        form.get_by_role("button", name="Save").click()
    expect(headers).to_have_text(["Name", "Modified", "Created", "Camera", "Actions"])
    expect(owner.row("eiffel.jpg")).to_contain_text("Canon EOS R5")
    expect(owner.row("notes.txt")).not_to_contain_text("Canon")
    # Sorting by a chosen column works as by the others.
    owner.grid().get_by_role("button", name="Created").click()
    expect(owner.grid().get_by_role("columnheader", name="Created")).to_have_attribute("aria-sort", "ascending")

    listed = owner.api.get("/file", owner.token, params={"uri": f"cloudreve://my/{folder}"})
    assert [c["type"] for c in listed["data"]["view"]["columns"]] == [0, 1, 4, 13]  # Cloudreve's column numbers
    page.reload()
    expect(headers).to_have_text(["Name", "Modified", "Created↑", "Camera", "Actions"])  # sorted by it, too


def test_sort_by_name_descending_reorders_the_list(owner: Owner) -> None:
    folder = unique("Sorted")
    for name in ("alpha.txt", "bravo.txt", "charlie.txt"):
        owner.file(f"{folder}/{name}")
    owner.open(f"cloudreve://my/{folder}")
    owner.page.get_by_role("button", name="Sort").click()
    owner.page.get_by_role("menuitem", name="Name").click()
    expect_order(owner, ["alpha.txt", "bravo.txt", "charlie.txt"])
    owner.page.get_by_role("button", name="Sort").click()
    owner.page.get_by_role("menuitem", name="Descending").click()
    expect_order(owner, ["charlie.txt", "bravo.txt", "alpha.txt"])


def test_view_settings_survive_a_reload(owner: Owner) -> None:
    folder = unique("Kept")
    for name in ("one.txt", "two.txt", "three.txt"):
        owner.file(f"{folder}/{name}")
    owner.open(f"cloudreve://my/{folder}")

    def saved(response: Any) -> bool:
        return response.url.endswith("/api/v4/file/view") and response.request.method == "PATCH"

    # Each change is saved in turn; waiting for each save keeps the reload from cutting the last one off.
    with owner.page.expect_response(saved):
        owner.page.get_by_role("button", name="List view").click()
    with owner.page.expect_response(saved):
        owner.grid().get_by_role("button", name="Name").click()  # ascending
    with owner.page.expect_response(saved):
        owner.grid().get_by_role("button", name="Name").click()  # descending
    expect(owner.grid().get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "descending")
    owner.page.reload()
    expect(owner.page.get_by_role("button", name="List view")).to_have_attribute("aria-pressed", "true")
    expect(owner.grid().get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "descending")
    expect_order(owner, ["two.txt", "three.txt", "one.txt"])
    # Another folder keeps its own (default) view.
    owner.open()
    expect(owner.page.get_by_role("button", name="Grid view")).to_have_attribute("aria-pressed", "true")


def test_with_view_sync_off_the_layout_stays_in_this_browser(owner: Owner) -> None:
    folder = unique("Local")
    owner.file(f"{folder}/a.txt")
    page = owner.page
    page.goto("/settings")
    sync = page.get_by_role("checkbox", name=re.compile("^Keep each folder's layout"))
    expect(sync).to_be_checked()
    sync.uncheck()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    assert owner.api.get("/user/me", owner.token)["data"]["disable_view_sync"] is True

    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "PATCH" and r.url.endswith("/file/view") else None)
    owner.open(f"cloudreve://my/{folder}")
    page.get_by_role("button", name="List view").click()
    page.reload()
    expect(page.get_by_role("button", name="List view")).to_have_attribute("aria-pressed", "true")
    assert saves == []
    # The account keeps the server's default: with syncing on again, the folder shows it.
    assert owner.api.patch("/user/setting", {"disable_view_sync": False}, owner.token)["code"] == 0
    listed = owner.api.get("/file", owner.token, params={"uri": f"cloudreve://my/{folder}"})
    assert listed["data"]["view"]["view"] == "grid"


def fill_folder(server: Server, folder_name: str, count: int) -> None:
    """Rows written straight into the database: the listing reads rows, however they got there."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(server.data_dir / "cloudreve.db", timeout=60) as conn:
        parent_id, owner_id = conn.execute("SELECT id, owner_id FROM files WHERE name = ?", (folder_name,)).fetchone()
        conn.executemany(
            "INSERT INTO files (type, name, owner_id, size, file_children, is_symbolic, created_at, updated_at)"
            " VALUES (0, ?, ?, ?, ?, 0, ?, ?)",
            ((f"file-{i:05d}.txt", owner_id, i, parent_id, now, now) for i in range(count)))


def test_a_ten_thousand_file_folder_scrolls_to_its_end_with_few_rows_in_the_dom(owner: Owner,
                                                                                 ui_server: Server) -> None:
    folder = unique("Huge")
    owner.folder(folder)
    fill_folder(ui_server, folder, 10_000)
    owner.open(f"cloudreve://my/{folder}")
    owner.page.get_by_role("button", name="List view").click()
    owner.grid().get_by_role("button", name="Name").click()
    expect(owner.row("file-00000.txt")).to_be_visible()
    grid = owner.grid()
    for _ in range(60):
        if owner.row("file-09999.txt").count():
            break
        grid.evaluate("(g) => { g.scrollTop = g.scrollHeight; }")
        owner.page.wait_for_timeout(100)
        assert grid.locator("[role=row][data-name]").count() < 200
    expect(owner.row("file-09999.txt")).to_be_visible()
    assert grid.locator("[role=row][data-name]").count() < 200
    owner.row("file-09999.txt").click()
    expect(owner.row("file-09999.txt")).to_have_attribute("aria-selected", "true")


def test_search_by_name_finds_a_file_in_a_subfolder(owner: Owner) -> None:
    folder = unique("Deep")
    needle = unique("needle") + ".txt"
    owner.file(f"{folder}/inner/{needle}")
    owner.file(f"{folder}/other.txt")
    owner.open()
    search = owner.page.get_by_role("searchbox", name="Search files")
    search.fill(needle[:14])
    search.press("Enter")
    expect(owner.row(needle)).to_be_visible()
    expect(owner.row("other.txt")).to_have_count(0)
    expect(owner.page.get_by_text(f"Results for “{needle[:14]}”")).to_be_visible()
    where = owner.row(needle).get_by_role("link", name=f"/{folder}/inner")
    expect(where).to_be_visible()
    where.click()
    expect(owner.page.get_by_role("navigation", name="Folder path").get_by_text("inner")).to_be_visible()
    expect(owner.row(needle)).to_be_visible()
    expect(search).to_have_value("")  # a folder, not a search
    owner.page.go_back()
    expect(owner.page.get_by_text(f"Results for “{needle[:14]}”")).to_be_visible()
    expect(search).to_have_value(needle[:14])


def test_signed_out_visitor_opens_a_password_share(owner: Owner, browser: Any, ui_server: Server) -> None:
    folder = unique("Holiday")
    owner.file(f"{folder}/beach.txt", b"sand")
    made = owner.api.put("/share", {"uri": f"cloudreve://my/{folder}", "is_private": True, "password": "s3cret"},
                         owner.token)
    assert made["code"] == 0, made
    share_id = made["data"].rstrip("/").split("/s/")[1].split("/")[0]
    context = browser.new_context(base_url=ui_server.base, locale="en-US")
    try:
        visitor = context.new_page()
        errors: list[str] = []
        visitor.on("pageerror", lambda exc: errors.append(str(exc)))
        visitor.goto(f"/s/{share_id}")
        expect(visitor.get_by_role("heading", name="This share is protected")).to_be_visible()
        expect(visitor.get_by_role("link", name="Sign in")).to_be_visible()
        visitor.get_by_label("Password").fill("wrong1")
        visitor.get_by_role("button", name="Open").click()
        expect(visitor.get_by_role("alert")).to_have_text("That password is not correct.")
        visitor.get_by_label("Password").fill("s3cret")
        visitor.get_by_role("button", name="Open").click()
        files = visitor.get_by_role("grid", name="Files")
        expect(files.locator('[role=row][data-name="beach.txt"]')).to_be_visible()
        expect(visitor.get_by_role("heading", name=folder)).to_be_visible()
        expect(visitor.get_by_role("navigation", name="Main navigation")).to_have_count(0)
        visitor.screenshot(path=str(ARTIFACTS / "test_share_visitor.png"))
        assert not errors, errors
    finally:
        context.close()


def test_a_band_drawn_from_empty_space_selects_the_entries_it_touches(owner: Owner) -> None:
    folder = unique("Band")
    names = ["a.txt", "b.txt", "c.txt", "d.txt"]
    for name in names:
        owner.file(f"{folder}/{name}")
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page
    page.get_by_role("button", name="List view").click()
    grid, b_row = owner.grid().bounding_box(), owner.row("b.txt").bounding_box()
    below = (grid["x"] + grid["width"] / 2, grid["y"] + grid["height"] - 20)  # empty space under the rows
    page.mouse.move(*below)
    page.mouse.down()
    page.mouse.move(below[0] - 100, b_row["y"] + b_row["height"] / 2, steps=8)
    page.mouse.up()
    for name, selected in zip(names, ("false", "true", "true", "true"), strict=True):
        expect(owner.row(name)).to_have_attribute("aria-selected", selected)
    expect(page.get_by_text("3 selected")).to_be_visible()

    # With Ctrl, a second band adds to the selection; a plain click on empty space then clears it.
    a_row = owner.row("a.txt").bounding_box()
    page.keyboard.down("Control")
    page.mouse.move(*below)
    page.mouse.down()
    page.mouse.move(below[0], a_row["y"] + 5, steps=8)
    page.mouse.up()
    page.keyboard.up("Control")
    expect(page.get_by_text("4 selected")).to_be_visible()
    page.mouse.click(*below)
    expect(owner.grid().locator("[aria-selected=true]")).to_have_count(0)

    # In the grid of tiles, the band's columns count too.
    page.get_by_role("button", name="Grid view").click()
    b_tile, c_tile = owner.row("b.txt").bounding_box(), owner.row("c.txt").bounding_box()
    page.mouse.move(b_tile["x"] + b_tile["width"] / 2, below[1])
    page.mouse.down()
    page.mouse.move(c_tile["x"] + c_tile["width"] / 2, c_tile["y"] + c_tile["height"] / 2, steps=8)
    page.mouse.up()
    for name, selected in zip(names, ("false", "true", "true", "false"), strict=True):
        expect(owner.row(name)).to_have_attribute("aria-selected", selected)


def test_select_with_mouse_and_keyboard_then_open_a_folder_with_enter(owner: Owner) -> None:
    folder = unique("Pick")
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        owner.file(f"{folder}/{name}")
    owner.folder(f"{folder}/Zed")
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page
    page.get_by_role("button", name="List view").click()
    owner.row("a.txt").click()
    owner.row("c.txt").click(modifiers=["Shift"])
    for name, selected in (("a.txt", "true"), ("b.txt", "true"), ("c.txt", "true"), ("d.txt", "false")):
        expect(owner.row(name)).to_have_attribute("aria-selected", selected)
    expect(page.get_by_text("3 selected")).to_be_visible()
    owner.row("b.txt").click(modifiers=["Control"])
    expect(owner.row("b.txt")).to_have_attribute("aria-selected", "false")
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.keyboard.press("Control+a")
    expect(page.get_by_text("5 selected")).to_be_visible()
    page.keyboard.press("Escape")
    expect(owner.grid().locator("[aria-selected=true]")).to_have_count(0)
    # The context menu acts on the row under the pointer.
    owner.row("d.txt").click(button="right")
    expect(page.get_by_role("menu")).to_be_visible()
    expect(owner.row("d.txt")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    # Actions' shortcuts work on the selection (F2: rename).
    page.keyboard.press("F2")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    # Folders come first: from d.txt, Home goes to Zed, Enter opens it.
    owner.grid().focus()
    page.keyboard.press("Home")
    expect(owner.row("Zed")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(owner.row("a.txt")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    breadcrumb = page.get_by_role("navigation", name="Folder path")
    expect(breadcrumb.get_by_text("Zed")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("This folder is empty.")).to_be_visible()


def test_a_signed_in_user_opens_a_share_link_in_the_normal_layout(owner: Owner, ui_api: Api) -> None:
    _, other_token = ui_api.new_user()
    folder = unique("Team")
    made = ui_api.call("PUT", "/file/content", other_token, params={"uri": f"cloudreve://my/{folder}/Sub/deep.txt"},
                       content=b"d", headers={"Content-Type": "application/octet-stream"})
    assert made["code"] == 0, made
    link = ui_api.put("/share", {"uri": f"cloudreve://my/{folder}"}, other_token)["data"]
    owner.page.goto("/s/" + link.rstrip("/").split("/s/")[1])
    expect(owner.page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    expect(owner.page.get_by_role("heading", name=folder)).to_be_visible()
    owner.row("Sub").dblclick()
    expect(owner.row("deep.txt")).to_be_visible()
    assert "%40share%2FSub" in owner.page.url
    owner.page.get_by_role("navigation", name="Folder path").get_by_role("link", name=folder).click()
    expect(owner.row("Sub")).to_be_visible()


def test_search_answered_as_server_sent_events_shows_its_results(browser: Any, server_factory: Any) -> None:
    server = server_factory(settings={"use_sse_for_search": "1"})
    context = browser.new_context(base_url=server.base, locale="en-US")
    try:
        searcher = Owner(context.new_page(), server.api)
        folder = unique("Streams")
        searcher.file(f"{folder}/one/streamed.txt")
        searcher.open(f"cloudreve://my?{quote('name=streamed&case_folding=true', safe='=&')}")
        expect(searcher.row("streamed.txt")).to_be_visible()
        expect(searcher.row("streamed.txt").get_by_role("link", name=f"/{folder}/one")).to_be_visible()
    finally:
        context.close()


def test_trash_lists_deleted_files_with_where_they_came_from_and_offers_nothing_new(owner: Owner) -> None:
    folder = unique("Bin")
    owner.file(f"{folder}/gone.txt", b"bye")
    deleted = owner.api.call("DELETE", "/file", owner.token, json={"uris": [f"cloudreve://my/{folder}/gone.txt"]})
    assert deleted["code"] == 0, deleted
    owner.open()
    expect(owner.page.get_by_role("region", name="File browser")).to_have_attribute("data-drop-uri", "cloudreve://my")
    expect(owner.row(folder)).to_have_attribute("data-drop-uri", f"cloudreve://my/{folder}")
    owner.page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Trash").click()
    expect(owner.row("gone.txt")).to_be_visible()
    # The trash's own columns: where each entry came from, and when it goes for good.
    expect(owner.grid().get_by_role("columnheader", name="Original location")).to_be_visible()
    expect(owner.grid().get_by_role("columnheader", name="Deleted for good on")).to_be_visible()
    expect(owner.row("gone.txt")).to_contain_text(f"/{folder}")
    expect(owner.row("gone.txt")).to_contain_text("3 B")
    expect(owner.page.get_by_role("button", name="New")).to_have_count(0)
    trash = owner.page.get_by_role("region", name="File browser")
    expect(trash).not_to_have_attribute("data-drop-uri", re.compile(".*"))
    expect(trash.locator("[data-drop-uri]")).to_have_count(0)


def test_a_visitor_on_a_deleted_share_link_is_told_so(page: Any, ui_api: Api) -> None:
    _, token = ui_api.new_user()
    folder = unique("Gone")
    ui_api.post("/file/create", {"uri": f"cloudreve://my/{folder}", "type": "folder"}, token)
    link = ui_api.put("/share", {"uri": f"cloudreve://my/{folder}"}, token)["data"]
    share_id = link.rstrip("/").split("/s/")[1]
    assert ui_api.delete(f"/share/{share_id}", None, token)["code"] == 0
    page.goto(f"/s/{share_id}")
    expect(page.get_by_role("alert")).to_have_text("This share link does not exist or has expired.")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_type_filter_shows_only_images(owner: Owner) -> None:
    folder = unique("Mixed")
    owner.file(f"{folder}/deep/sunset.png", b"not really a png")
    owner.file(f"{folder}/letter.txt")
    owner.open()
    owner.page.get_by_role("group", name="File type").get_by_role("button", name="Images").click()
    expect(owner.row("sunset.png")).to_be_visible()
    expect(owner.row("letter.txt")).to_have_count(0)
    images = owner.page.get_by_role("button", name="Images")
    expect(images).to_have_attribute("aria-pressed", "true")
    images.click()
    expect(owner.row(folder)).to_be_visible()


def test_advanced_search_by_name_type_size_case_tag_and_date_then_refined(owner: Owner) -> None:
    folder = unique("Reports")
    owner.file(f"{folder}/Report-big.txt", b"x" * 5000)
    owner.file(f"{folder}/report-small.txt", b"x" * 100)
    owner.file(f"{folder}/notes.txt", b"x" * 5000)
    owner.folder(f"{folder}/report folder")
    owner.file("report-elsewhere.txt", b"x" * 5000)
    tagged = owner.api.call("PATCH", "/file/metadata", owner.token, json={
        "uris": [f"cloudreve://my/{folder}/notes.txt"], "patches": [{"key": "tag:urgent", "value": ""}]})
    assert tagged["code"] == 0, tagged
    owner.open(f"cloudreve://my/{folder}")
    page = owner.page

    page.get_by_role("button", name="Advanced search").click()
    form = owner.dialog()
    form.get_by_label("Name contains").fill("report")
    form.get_by_label("Type", exact=True).select_option(label="Files only")
    form.get_by_label("At least").fill("1")
    form.get_by_label("Size unit").select_option("KB")
    form.get_by_label(f"Only in My files/{folder}").check()
    form.get_by_role("button", name="Search").click()
    expect(owner.row("Report-big.txt")).to_be_visible()
    for absent in ("report-small.txt", "notes.txt", "report folder", "report-elsewhere.txt"):
        expect(owner.row(absent)).to_have_count(0)

    # Refining starts from the search shown: the conditions are filled in.
    page.get_by_role("button", name="Refine search").click()
    form = owner.dialog()
    expect(form.get_by_label("Name contains")).to_have_value("report")
    expect(form.get_by_label("At least")).to_have_value("1")
    expect(form.get_by_label(f"Only in My files/{folder}")).to_be_checked()
    form.get_by_label("At least").fill("")
    form.get_by_label("Match case").check()
    form.get_by_role("button", name="Search").click()
    expect(owner.row("report-small.txt")).to_be_visible()
    expect(owner.row("Report-big.txt")).to_have_count(0)

    page.get_by_role("button", name="Refine search").click()
    form = owner.dialog()
    form.get_by_label("Name contains").fill("")
    form.get_by_label("Tag", exact=True).fill("urgent")
    form.get_by_label("Modified on or after").fill(date.today().isoformat())
    form.get_by_role("button", name="Search").click()
    expect(owner.row("notes.txt")).to_be_visible()
    expect(owner.row("Report-big.txt")).to_have_count(0)

    page.get_by_role("button", name="Refine search").click()
    form = owner.dialog()
    form.get_by_label("Modified on or after").fill("")
    form.get_by_label("Modified on or before").fill((date.today() - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No files match.")).to_be_visible()


def test_on_a_phone_a_tap_opens_a_folder(browser: Any, ui_server: Server) -> None:
    context = browser.new_context(base_url=ui_server.base, locale="en-US", viewport={"width": 390, "height": 780},
                                  is_mobile=True, has_touch=True)
    try:
        phone = Owner(context.new_page(), ui_server.api)
        folder = unique("Pocket")
        phone.file(f"{folder}/inside.txt")
        phone.open()
        phone.row(folder).tap()
        expect(phone.row("inside.txt")).to_be_visible()
        expect(phone.page.get_by_role("navigation", name="Folder path").get_by_text(folder)).to_be_visible()
        phone.page.screenshot(path=str(ARTIFACTS / "test_browse_phone.png"))
    finally:
        context.close()
