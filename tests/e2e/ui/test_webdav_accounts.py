"""The WebDAV page: accounts made in the browser work with a WebDAV client, and stop working once deleted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.dav_helpers import dav_server
from tests.e2e.ui.conftest import open_signed_in


@pytest.fixture(scope="module")
def ui_server(server_factory: Any) -> Server:
    """New users of this server are in a group allowed to use WebDAV (and its proxy option)."""
    return dav_server(server_factory)


def propfind(server: Server, email: str, password: str) -> int:
    response = httpx.request("PROPFIND", server.base + "/dav/", auth=(email, password), headers={"Depth": "1"})
    return response.status_code


def test_create_use_and_delete_an_account(page: Any, ui_api: Api, ui_server: Server) -> None:
    email, _ = open_signed_in(page, ui_api, "/connect")
    expect(page.get_by_text("No WebDAV account yet.")).to_be_visible()
    expect(page.get_by_label("Address", exact=True)).to_have_text(ui_server.base + "/dav")
    expect(page.get_by_label("Username", exact=True)).to_have_text(email)

    page.get_by_role("button", name="New account").click()
    dialog = page.get_by_role("dialog", name="New WebDAV account")
    dialog.get_by_label("Name").fill("Laptop")
    dialog.get_by_role("button", name="Create").click()

    shown = page.get_by_role("dialog", name="Account created")
    password = shown.get_by_label("Password", exact=True).inner_text()
    expect(shown.get_by_text("it will not be shown again")).to_be_visible()
    expect(shown.get_by_label("Username", exact=True)).to_have_text(email)
    assert len(password) == 32
    assert propfind(ui_server, email, password) == 207
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_be_hidden()

    row = page.get_by_role("listitem", name="Laptop")
    expect(row).to_contain_text("Folder: /")
    expect(page.get_by_text(password)).to_have_count(0)  # shown once only

    row.get_by_role("button", name="Delete Laptop").click()
    confirm = page.get_by_role("dialog", name="Delete WebDAV account")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Account deleted.")).to_be_visible()
    expect(page.get_by_role("listitem", name="Laptop")).to_have_count(0)
    assert propfind(ui_server, email, password) == 401


def test_read_only_account_of_one_folder_and_editing_it(page: Any, ui_api: Api, ui_server: Server) -> None:
    email, account_password = open_signed_in(page, ui_api, "/connect")
    token = ui_api.sign_in(email, account_password)["token"]["access_token"]
    assert ui_api.post("/file/create", {"uri": "cloudreve://my/Photos", "type": "folder"}, token)["code"] == 0

    page.get_by_role("button", name="New account").click()
    dialog = page.get_by_role("dialog", name="New WebDAV account")
    dialog.get_by_label("Name").fill("Phone")
    dialog.get_by_role("button", name="Browse…").click()
    picker = page.get_by_role("dialog", name="Choose the folder for this account")
    picker.get_by_role("button", name="Photos").click()
    expect(picker.get_by_role("button", name="Photos")).to_have_attribute("aria-current", "location")
    picker.get_by_role("button", name="Use this folder").click()
    expect(dialog.get_by_label("Folder")).to_have_value("/Photos")
    dialog.get_by_label("Read only").check()
    dialog.get_by_role("button", name="Create").click()
    shown = page.get_by_role("dialog", name="Account created")
    password = shown.get_by_label("Password", exact=True).inner_text()
    shown.get_by_role("button", name="Done").click()

    row = page.get_by_role("listitem", name="Phone")
    expect(row).to_contain_text("Folder: /Photos")
    expect(row).to_contain_text("Read only")
    put = httpx.put(ui_server.base + "/dav/new.txt", content=b"hi", auth=(email, password))
    assert put.status_code == 403

    row.get_by_role("button", name="Edit Phone").click()
    edit = page.get_by_role("dialog", name="Edit WebDAV account")
    expect(edit.get_by_label("Folder")).to_have_value("/Photos")
    edit.get_by_label("Name").fill("Tablet")
    edit.get_by_label("Read only").uncheck()
    edit.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Account saved.")).to_be_visible()
    renamed = page.get_by_role("listitem", name="Tablet")
    expect(renamed).not_to_contain_text("Read only")
    put = httpx.put(ui_server.base + "/dav/new.txt", content=b"hi", auth=(email, password))
    assert put.status_code in (201, 204)

    page.reload()
    expect(page.get_by_role("listitem", name="Tablet")).to_contain_text("Folder: /Photos")


def test_group_without_webdav_is_told_so(server_factory: Any, browser: Any) -> None:
    plain = server_factory()  # default groups: users may not use WebDAV
    plain.api.sign_up()  # the very first account of a server becomes its administrator
    context = browser.new_context(base_url=plain.base, locale="en-US")
    try:
        other = context.new_page()
        open_signed_in(other, plain.api, "/connect")
        expect(other.get_by_text("Your user group may not use WebDAV.")).to_be_visible()
        expect(other.get_by_role("button", name="New account")).to_be_disabled()
    finally:
        context.close()


def test_phone_layout_fits(page: Any, ui_api: Api) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_signed_in(page, ui_api, "/connect")
    expect(page.get_by_role("heading", name="WebDAV")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth,"
                           " document.querySelector('main').scrollWidth, document.querySelector('main').clientWidth]")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
