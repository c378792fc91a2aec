"""Sharing in the web UI: the share dialog, visitors of a link, "My shares", and saving a share."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.ui.conftest import Person, browser_page, start_signed_in


def upload(api: Api, token: str, name: str, data: bytes) -> str:
    """A file with `data` at the root of the token's drive; its URI."""
    uri = f"cloudreve://my/{name}"
    created = api.post("/file/create", {"uri": uri, "type": "file"}, token)
    assert created["code"] == 0, created
    written = api.call("PUT", "/file/content", token, params={"uri": uri}, content=data,
                       headers={"content-type": "application/octet-stream"})
    assert written["code"] == 0, written
    return uri


def share(api: Api, token: str, uri: str, **settings: Any) -> tuple[str, str]:
    """A link to `uri`: (share id, link URL)."""
    created = api.put("/share", {"uri": uri, **settings}, token)
    assert created["code"] == 0, created
    url = created["data"]
    share_id = urlsplit(url).path.split("/")[2]
    return share_id, url


def unique(stem: str, suffix: str = ".txt") -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"


@pytest.fixture
def visitor(browser: Any, ui_server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A second, signed-out browser: someone who got the link."""
    with browser_page(browser, ui_server.base, f"{request.node.name}-visitor") as opened:
        yield opened


@pytest.fixture
def owner(page: Any, ui_api: Api) -> Person:
    """A new account whose browser is already signed in (the sign-in form is tested elsewhere)."""
    email, password = ui_api.sign_up()
    someone = Person(page, ui_api, email, password)
    sign_in_quietly(page, ui_api, email, password)
    return someone


def sign_in_quietly(page: Any, api: Api, email: str, password: str) -> None:
    start_signed_in(page, api.sign_in(email, password))


def link_path(url: str) -> str:
    """The link on the test server: its site URL is the default one, not the test's port."""
    return urlsplit(url).path


def my_shares_item(page: Any, name: str) -> Any:
    return page.get_by_role("list", name="My shares").get_by_role("listitem").filter(has_text=name)


def test_my_shares_lists_a_link_and_edit_changes_its_password(owner: Person, ui_api: Api) -> None:
    name = unique("plan")
    uri = upload(ui_api, owner.token, name, b"plan")
    share_id, _ = share(ui_api, owner.token, uri, is_private=True, password="old123", downloads=5)
    page = owner.page
    page.goto("/home")
    page.get_by_role("link", name="My shares").click()
    item = my_shares_item(page, name)
    expect(item).to_contain_text("0 views")
    expect(item).to_contain_text("5 downloads left")
    expect(item).to_contain_text("Does not expire")
    expect(item).to_contain_text(f"/s/{share_id}")

    item.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("checkbox", name="Protect with a password")).to_be_checked()
    expect(dialog.get_by_label("Password", exact=True)).to_have_value("old123")
    dialog.get_by_label("Password", exact=True).fill("new456")
    dialog.get_by_role("button", name="Save changes").click()
    result = page.get_by_role("dialog")
    expect(result.get_by_text("The link was updated")).to_be_visible()
    expect(result.get_by_label("Password", exact=True)).to_have_value("new456")
    result.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    old = ui_api.get(f"/share/info/{share_id}", params={"password": "old123"})["data"]
    new = ui_api.get(f"/share/info/{share_id}", params={"password": "new456"})["data"]
    assert (old["unlocked"], new["unlocked"]) == (False, True)


def test_delete_from_my_shares_and_the_link_no_longer_exists(owner: Person, ui_api: Api, visitor: Any) -> None:
    name = unique("gone")
    uri = upload(ui_api, owner.token, name, b"bye")
    share_id, url = share(ui_api, owner.token, uri)
    page = owner.page
    page.goto("/shares")
    item = my_shares_item(page, name)
    item.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("The link was deleted")).to_be_visible()
    expect(item).to_have_count(0)

    visitor.goto(link_path(url))
    expect(visitor.get_by_text(re.compile("does not exist", re.I)).first).to_be_visible()


def file_row(page: Any, name: str) -> Any:
    return page.get_by_role("grid", name="Files").locator(f'[role=row][data-name="{name}"]')


def menu_action(page: Any, name: str, action: str) -> None:
    file_row(page, name).click(button="right")
    page.get_by_role("menuitem", name=action).click()


def download_bytes(page: Any, name: str) -> bytes:
    with page.expect_download() as info:
        menu_action(page, name, "Download")
    path = info.value.path()
    with open(path, "rb") as f:
        return f.read()


def test_share_with_password_and_expiry_then_a_visitor_unlocks_and_downloads(
        owner: Person, ui_api: Api, ui_server: Server, visitor: Any) -> None:
    name = unique("minutes")
    data = b"minutes of the meeting\n" * 50
    upload(ui_api, owner.token, name, data)
    page = owner.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server.base)
    page.goto("/home")
    menu_action(page, name, "Share")
    dialog = page.get_by_role("dialog", name=f"Share “{name}”")
    dialog.get_by_role("checkbox", name="Protect with a password").check()
    password = dialog.get_by_label("Password", exact=True).input_value()
    assert re.fullmatch(r"[0-9a-z]{8}", password)
    dialog.get_by_role("checkbox", name="Expire automatically").check()
    dialog.get_by_label("Expire after").fill("2")
    dialog.get_by_label("Unit").select_option(label="days from now")
    dialog.get_by_role("button", name="Create link").click()

    result = page.get_by_role("dialog")
    expect(result.get_by_text("The link is ready")).to_be_visible()
    link = result.get_by_role("textbox", name="Link").input_value()
    expect(result.get_by_label("Password", exact=True)).to_have_value(password)
    result.get_by_role("button", name="Copy link and password").click()
    expect(page.get_by_text("Copied to the clipboard")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{link}\nPassword: {password}"
    assert password not in link

    shares = ui_api.get("/share", owner.token, params={"page_size": 10})["data"]["shares"]
    expires_in_days = (datetime.fromisoformat(shares[0]["expires"]) - datetime.now(UTC)).total_seconds() / 86400
    assert 1.9 < expires_in_days <= 2

    visitor.goto(link_path(link))
    visitor.get_by_label("Password").fill("wrong0")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_text("That password is not correct.")).to_be_visible()
    visitor.get_by_label("Password").fill(password)
    visitor.get_by_role("button", name="Open").click()
    expect(file_row(visitor, name)).to_be_visible()
    facts = visitor.locator("header.share-head")
    expect(facts).to_contain_text("Downloads: 0")
    expect(facts).to_contain_text("Expires in 2 days")
    expect(facts).to_contain_text(re.compile(r"Views: [1-9]"))
    assert download_bytes(visitor, name) == data


def test_a_link_with_one_download_refuses_the_second(owner: Person, ui_api: Api, visitor: Any) -> None:
    name = unique("once")
    upload(ui_api, owner.token, name, b"only once")
    page = owner.page
    page.goto("/home")
    menu_action(page, name, "Share")
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("checkbox", name="Limit the number of downloads").check()
    dialog.get_by_label("Downloads allowed").fill("1")
    dialog.get_by_role("button", name="Create link").click()
    link = page.get_by_role("dialog").get_by_role("textbox", name="Link").input_value()

    visitor.goto(link_path(link))
    expect(visitor.locator("header.share-head")).to_contain_text("Downloads left: 1")
    assert download_bytes(visitor, name) == b"only once"
    menu_action(visitor, name, "Download")
    expect(visitor.get_by_role("status").get_by_text(re.compile("does not exist|expired", re.I))).to_be_visible()


def test_a_signed_in_visitor_saves_a_shared_file_to_their_files(owner: Person, ui_api: Api) -> None:
    someone_else = ui_api.new_user()[1]
    name = unique("handbook")
    uri = upload(ui_api, someone_else, name, b"read me")
    _, url = share(ui_api, someone_else, uri)
    page = owner.page
    page.goto(link_path(url))
    menu_action(page, name, "Save to my files")
    picker = page.get_by_role("dialog", name="Save to my files")
    picker.get_by_role("button", name="Save to my files").click()
    expect(page.get_by_text(f"Saved to my files: {name}")).to_be_visible()
    page.get_by_role("button", name="Show").click()
    expect(file_row(page, name)).to_be_visible()
    page.get_by_role("link", name="Shared with me").click()
    expect(file_row(page, name)).to_be_visible()
    menu_action(page, name, "Go to the shared link")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(file_row(page, name)).to_be_visible()


def test_the_share_dialog_edits_an_existing_link_to_expire_on_a_date(owner: Person, ui_api: Api) -> None:
    folder = unique("album", "")
    ui_api.post("/file/create", {"uri": f"cloudreve://my/{folder}", "type": "folder"}, owner.token)
    share_id, url = share(ui_api, owner.token, f"cloudreve://my/{folder}", is_private=True, password="keep1")
    page = owner.page
    page.goto("/home")
    menu_action(page, folder, "Share")
    dialog = page.get_by_role("dialog", name=f"Share “{folder}”")
    existing = dialog.get_by_role("listitem").filter(has_text=f"/s/{share_id}")
    expect(existing).to_be_visible()
    existing.get_by_role("button", name="Edit").click()

    edit = page.get_by_role("dialog", name=f"Edit the link to “{folder}”")
    expect(edit.get_by_label("Password", exact=True)).to_have_value("keep1")
    edit.get_by_role("checkbox", name="Expire automatically").check()
    edit.get_by_label("Unit").select_option(label="on a date")
    when = (datetime.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    edit.get_by_label("Expiry date").fill(when.strftime("%Y-%m-%dT%H:%M"))
    edit.get_by_role("checkbox", name="Show visitors my view settings of this folder (layout, sort order)").check()
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("dialog").get_by_text("The link was updated")).to_be_visible()

    info = ui_api.get(f"/share/info/{share_id}", owner.token)["data"]
    assert abs((datetime.fromisoformat(info["expires"]) - when.astimezone()).total_seconds()) < 90
    assert info["share_view"] is True and info["password"] == "keep1"
    assert url.endswith("/keep1")


def test_my_shares_pages_on_and_marks_used_up_links_expired(owner: Person, ui_api: Api) -> None:
    name = unique("many")
    uri = upload(ui_api, owner.token, name, b"x")
    used_up, _ = share(ui_api, owner.token, uri, downloads=1)
    fetched = ui_api.post("/file/url", {"uris": [f"cloudreve://{used_up}@share/{name}"]})
    assert fetched["code"] == 0, fetched
    for _ in range(50):
        share(ui_api, owner.token, uri)
    page = owner.page
    page.goto("/shares")
    items = page.get_by_role("list", name="My shares").get_by_role("listitem")
    expect(items).to_have_count(50)
    page.get_by_role("button", name="Show more").click()
    expect(items).to_have_count(51)
    expect(page.get_by_role("button", name="Show more")).to_be_hidden()
    oldest = items.last
    expect(oldest).to_contain_text("Expired")
    expect(oldest).to_contain_text("1 download · 0 downloads left")
