"""Accessibility: axe-core (the engine behind the browsers' own audits) finds no violations on the main
pages and dialogs, in the light and the dark theme."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.ui.conftest import Owner, browser_page, unique

AXE = Axe()


def violations(page: Any) -> list[str]:
    found = AXE.run(page).response["violations"]
    return [f'{v["impact"]} {v["id"]}: {v["help"]} at {[n["target"] for n in v["nodes"]][:3]}' for v in found]


def audit(page: Any, found: dict[str, list[str]], label: str, *, dark: bool = True) -> None:
    """Audit what the page shows now, and again in the dark theme."""
    found[label] = violations(page)
    if dark:
        page.locator("html").evaluate("root => root.dataset.theme = 'dark'")
        found[label + " (dark)"] = violations(page)
        page.locator("html").evaluate("root => root.dataset.theme = 'light'")


def test_signed_in_pages_and_dialogs(owner: Owner) -> None:
    page, found = owner.page, {}
    folder, name = unique("Docs"), unique("notes") + ".txt"
    owner.folder(folder)
    owner.file(name)
    owner.open()
    audit(page, found, "files, grid")
    page.get_by_role("button", name="Gallery view").click()
    audit(page, found, "files, gallery")
    page.get_by_role("button", name="List view").click()
    page.get_by_role("button", name="Choose columns").click()
    expect(page.get_by_role("dialog", name="Choose columns")).to_be_visible()
    audit(page, found, "columns dialog", dark=False)
    page.keyboard.press("Escape")
    owner.row(folder).click()
    audit(page, found, "files, list with a selection")
    owner.act(name, "Rename")
    audit(page, found, "rename dialog", dark=False)
    page.keyboard.press("Escape")
    owner.act(name, "Share")
    expect(page.get_by_role("dialog")).to_be_visible()
    audit(page, found, "share dialog", dark=False)
    page.keyboard.press("Escape")
    owner.act(name, "Details")
    expect(page.get_by_role("list", name="Activity").get_by_role("listitem").first).to_be_visible()
    audit(page, found, "details dialog with its activity")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+a")
    page.keyboard.press("F2")
    expect(page.get_by_role("dialog", name="Rename 2 items")).to_be_visible()
    audit(page, found, "batch rename dialog", dark=False)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Advanced search").click()
    expect(page.get_by_role("dialog", name="Advanced search")).to_be_visible()
    audit(page, found, "advanced search dialog", dark=False)
    page.keyboard.press("Escape")
    for path, ready in (("/home?path=cloudreve%3A%2F%2Ftrash", "grid"), ("/settings", "heading"),
                        ("/connect", "heading"), ("/shares", "heading")):
        page.goto(path)
        page.get_by_role(ready).first.wait_for()
        audit(page, found, path)
    assert not {label: problems for label, problems in found.items() if problems}


def test_signed_out_pages_and_the_share_page(owner: Owner, browser: Any, ui_server: Server) -> None:
    folder = unique("Album")
    owner.file(f"{folder}/photo.txt")
    link = owner.api.put("/share", {"uri": f"cloudreve://my/{folder}", "password": "s3cret", "is_private": True},
                         owner.token)["data"]
    found: dict[str, list[str]] = {}
    with browser_page(browser, ui_server.base, "test_accessibility_signed_out") as visitor:
        for path in ("/session", "/session/signup", "/session/reset"):
            visitor.goto(path)
            visitor.get_by_role("heading", level=1).wait_for()
            audit(visitor, found, path)
        visitor.goto("/s/" + link.split("/s/")[1].split("/")[0])
        visitor.get_by_label("Password").wait_for()
        audit(visitor, found, "share password prompt")
        visitor.get_by_label("Password").fill("s3cret")
        visitor.get_by_role("button", name="Open").click()
        expect(visitor.get_by_role("grid", name="Files").locator('[data-name="photo.txt"]')).to_be_visible()
        audit(visitor, found, "share page")
    assert not {label: problems for label, problems in found.items() if problems}
