"""Lock conflicts in the browser: a lock left by a WebDAV client is shown, and its owner can force it open."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.dav_helpers import dav_server
from tests.e2e.ui.conftest import Owner, unique


def lock_body(scope: str = "exclusive", holder: str = "desktop") -> bytes:
    return (f'<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:{scope}/></D:lockscope>'
            f"<D:locktype><D:write/></D:locktype><D:owner>{holder}</D:owner></D:lockinfo>").encode()


@pytest.fixture(scope="module")
def ui_server(server_factory: Any) -> Server:
    """New users of this server may use WebDAV."""
    return dav_server(server_factory)


def dav_lock(owner: Owner, server: Server, name: str, scope: str = "exclusive", holder: str = "desktop") -> None:
    """Lock `name` through a WebDAV account of the owner, as a desktop client does before editing."""
    account = owner.api.call("PUT", "/devices/dav", owner.token, json={"uri": "cloudreve://my", "name": holder})
    assert account["code"] == 0, account
    email = owner.api.get("/user/me", owner.token)["data"]["email"]
    locked = httpx.request("LOCK", f"{server.base}/dav/{name}", content=lock_body(scope, holder),
                           auth=(email, account["data"]["password"]), headers={"Depth": "0", "Timeout": "Second-3600"})
    assert locked.status_code == 200, locked.text


def test_rename_blocked_by_a_webdav_lock_succeeds_after_force_unlock(page: Any, ui_api: Api, ui_server: Server) -> None:
    owner = Owner(page, ui_api)
    old, new = unique("report") + ".docx", unique("final") + ".docx"
    owner.file(old)
    dav_lock(owner, ui_server, old)
    owner.open()
    owner.act(old, "Rename")
    rename = page.get_by_role("dialog", name="Rename")
    rename.get_by_label("New name").fill(new)
    rename.get_by_role("button", name="Rename").click()
    expect(rename.get_by_role("alert")).to_contain_text("locked by another operation or client")

    rename.get_by_role("button", name="Show locks…").click()
    locks = page.get_by_role("dialog", name="Locked files")
    expect(locks.get_by_text("/" + old)).to_be_visible()
    expect(locks.get_by_text("held by a WebDAV client")).to_be_visible()
    locks.get_by_role("button", name="Force unlock").click()
    expect(locks).to_have_count(0)
    expect(page.get_by_text("Unlocked. Try again.")).to_be_visible()

    rename.get_by_role("button", name="Rename").click()
    expect(owner.row(new)).to_be_visible()
    assert new in owner.names() and old not in owner.names()


def test_trash_blocked_by_a_lock_offers_the_locks_then_trashes(page: Any, ui_api: Api, ui_server: Server) -> None:
    owner = Owner(page, ui_api)
    name = unique("busy") + ".txt"
    owner.file(name)
    dav_lock(owner, ui_server, name)
    owner.open()
    owner.row(name).click()
    page.keyboard.press("Delete")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    toast = page.locator(".toast.error")
    expect(toast).to_contain_text("locked by another operation or client")
    toast.get_by_role("button", name="Show locks…").click()
    page.get_by_role("dialog", name="Locked files").get_by_role("button", name="Force unlock").click()
    expect(page.get_by_text("Unlocked. Try again.")).to_be_visible()
    assert name in owner.names()  # nothing happened to the file while it was locked

    owner.row(name).click()
    page.keyboard.press("Delete")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(owner.row(name)).to_have_count(0)
    assert name not in owner.names()


def test_every_holder_of_a_shared_lock_is_shown_and_force_unlock_frees_the_file(page: Any, ui_api: Api,
                                                                               ui_server: Server) -> None:
    owner = Owner(page, ui_api)
    old, new = unique("plan") + ".odt", unique("plan-final") + ".odt"
    owner.file(old)
    dav_lock(owner, ui_server, old, "shared", "laptop")
    dav_lock(owner, ui_server, old, "shared", "tablet")
    owner.open()
    owner.rename(old, new)
    rename = page.get_by_role("dialog", name="Rename")
    expect(rename.get_by_role("alert")).to_contain_text("locked by another operation or client")

    rename.get_by_role("button", name="Show locks…").click()
    locks = page.get_by_role("dialog", name="Locked files")
    rows = locks.get_by_role("listitem")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="(laptop)")).to_contain_text("shared lock")
    expect(rows.filter(has_text="(tablet)")).to_contain_text("shared lock")
    locks.get_by_role("button", name="Force unlock").click()
    expect(page.get_by_text("Unlocked. Try again.")).to_be_visible()

    rename.get_by_role("button", name="Rename").click()
    expect(owner.row(new)).to_be_visible()
    assert new in owner.names() and old not in owner.names()
