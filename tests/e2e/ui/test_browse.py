"""The file browser: folders, breadcrumbs, layouts, sorting, saved views, big folders, search, shares."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.conftest import Api


class Owner:
    """An account with files made through the API, and a browser page signed in as it."""

    def __init__(self, page: Any, api: Api):
        email, password = api.sign_up()
        self.session = api.sign_in(email, password)
        self.token: str = self.session["token"]["access_token"]
        self.api = api
        self.page = page
        # The app keeps its session in localStorage: start signed in, without going through the form.
        page.add_init_script(f"localStorage.setItem('pyreve.session', {json.dumps(json.dumps(self.session))})")

    def folder(self, path: str) -> dict[str, Any]:
        made = self.api.post("/file/create", {"uri": f"cloudreve://my/{path}", "type": "folder"}, self.token)
        assert made["code"] == 0, made
        return made["data"]  # type: ignore[no-any-return]

    def file(self, path: str, content: bytes = b"hello") -> dict[str, Any]:
        made = self.api.call("PUT", "/file/content", self.token, params={"uri": f"cloudreve://my/{path}"},
                             content=content, headers={"Content-Type": "application/octet-stream"})
        assert made["code"] == 0, made
        return made["data"]  # type: ignore[no-any-return]

    def open(self, uri: str = "cloudreve://my") -> None:
        self.page.goto("/home?path=" + quote(uri, safe=""))
        self.grid().wait_for()

    def grid(self) -> Any:
        return self.page.get_by_role("grid", name="Files")

    def row(self, name: str) -> Any:
        return self.grid().locator(f'[role=row][data-name="{name}"]')


@pytest.fixture
def owner(page: Any, ui_api: Api) -> Owner:
    return Owner(page, ui_api)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


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
    expect(owner.row(folder)).to_be_visible()
    expect(owner.row("plan.txt")).to_have_count(0)
    assert "path=cloudreve" in owner.page.url
