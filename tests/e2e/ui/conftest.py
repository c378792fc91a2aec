"""Browser tests: Playwright for Python driving Debian's Chromium against a real `pyreve serve`.

Every test gets a fresh browser context (no shared cookies or storage). At the end of each test a
screenshot of the page is saved under ``tests/artifacts/ui/<test name>.png``, and the test fails if the page
then shows "null", "undefined" or "NaN" as words (a missing value the UI printed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import Api, Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
# No background traffic: this machine has no internet, and Chromium's update/sync probes would stall.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
DEFAULT_TIMEOUT_MS = 10_000


# Package scope: Playwright's own event loop is closed before the asyncio tests of other packages run.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (Debian package chromium)")
        pytest.skip("Chromium is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def ui_server(server_factory: Any) -> Server:
    """The server the browser tests use: defaults, plus thumbnails for video/audio off as by default."""
    return server_factory()  # type: ignore[no-any-return]


@pytest.fixture
def ui_api(ui_server: Server) -> Api:
    return ui_server.api


@contextmanager
def browser_page(browser: Any, base: str, screenshot: str) -> Iterator[Any]:
    """A page in a fresh browser context; its end state is saved as `<screenshot>.png`, and any uncaught
    error in the page fails the test."""
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800},
                                  accept_downloads=True, locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)
        stray = stray_words(page)
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not stray, f"the page shows {stray} as text (a missing value printed): {screenshot}.png"


# Whole words only: "nullable" or "Undefined behaviour" in a sentence are not a missing value printed.
STRAY_WORDS = re.compile(r"\b(?:null|undefined|NaN)\b")


def stray_words(page: Any) -> list[str]:
    """The words "null", "undefined" and "NaN" wherever the page shows them: a value missing in the UI
    code that the browser turned into text (e.g. `el.append(null)`)."""
    if page.is_closed():
        return []
    shown = page.evaluate("() => document.body ? document.body.innerText : ''")
    return [line for line in shown.splitlines() if STRAY_WORDS.search(line)]


@pytest.fixture
def page(browser: Any, ui_server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    with browser_page(browser, ui_server.base, request.node.name) as opened:
        yield opened


class Person:
    """A signed-up account and the browser page it uses: helpers that act as a person does."""

    def __init__(self, page: Any, api: Api, email: str, password: str):
        self.page = page
        self.api = api
        self.email = email
        self.password = password
        self._token = ""

    @property
    def token(self) -> str:
        """An API token for setting up fixtures (files, shares) without clicking."""
        if not self._token:
            self._token = self.api.sign_in(self.email, self.password)["token"]["access_token"]
        return self._token

    def sign_in(self) -> None:
        page = self.page
        page.goto("/session")
        page.get_by_label("Email").fill(self.email)
        page.get_by_label("Password", exact=True).fill(self.password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url("**/home**")


@pytest.fixture
def person(page: Any, ui_api: Api) -> Person:
    """A new account, already signed in through the sign-in form."""
    email, password = ui_api.sign_up()
    someone = Person(page, ui_api, email, password)
    someone.sign_in()
    return someone


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start_signed_in(page: Any, session: dict[str, Any]) -> None:
    """Put a sign-in's session in the page's storage before any of its scripts run, on every page load
    (signing in is not the flow under test). Documents without storage (a PDF frame, a download) are left alone."""
    stored = json.dumps(json.dumps(session))
    page.add_init_script(f"try {{ localStorage.setItem('pyreve.session', {stored}); }} catch {{}}")


def open_signed_in(page: Any, api: Api, path: str) -> tuple[str, str]:
    """A new account whose session is put in the browser once, then `path` opened (signing in is not the
    flow here; signing out later stays signed out). Returns the email and password."""
    email, password = api.sign_up()
    session = api.sign_in(email, password)
    page.goto("/session")
    page.evaluate("s => localStorage.setItem('pyreve.session', s)", json.dumps(session))
    page.goto(path)
    return email, password


class Owner:
    """An account with files made through the API, and a browser page already signed in as it.
    `group(email)` runs between sign-up and sign-in (to move the account to another group)."""

    def __init__(self, page: Any, api: Api, group: Callable[[str], None] | None = None):
        email, password = api.sign_up()
        if group:
            group(email)
        self.session = api.sign_in(email, password)
        self.token: str = self.session["token"]["access_token"]
        self.api = api
        self.page = page
        start_signed_in(page, self.session)

    def folder(self, path: str) -> dict[str, Any]:
        made = self.api.post("/file/create", {"uri": f"cloudreve://my/{path}", "type": "folder"}, self.token)
        assert made["code"] == 0, made
        return made["data"]  # type: ignore[no-any-return]

    def file(self, path: str, content: bytes = b"hello") -> dict[str, Any]:
        made = self.api.call("PUT", "/file/content", self.token, params={"uri": f"cloudreve://my/{path}"},
                             content=content, headers={"Content-Type": "application/octet-stream"})
        assert made["code"] == 0, made
        return made["data"]  # type: ignore[no-any-return]

    def names(self, uri: str = "cloudreve://my") -> set[str]:
        listed = self.api.get("/file", self.token, params={"uri": uri, "page_size": 500})
        assert listed["code"] == 0, listed
        return {f["name"] for f in listed["data"]["files"]}

    def content(self, path: str) -> bytes:
        urls = self.api.post("/file/url", {"uris": [f"cloudreve://my/{path}"]}, self.token)
        assert urls["code"] == 0, urls
        return httpx.get(urls["data"]["urls"][0]["url"], timeout=30).content

    def wait_for_metadata(self, path: str, key: str) -> None:
        """Media metadata is read in the background after an upload: wait until `key` is there."""
        deadline = time.monotonic() + 15
        while True:
            found = self.api.get("/file/info", self.token, params={"uri": f"cloudreve://my/{path}"})
            if key in (found["data"]["metadata"] or {}):
                return
            assert time.monotonic() < deadline, found
            time.sleep(0.2)

    def open(self, uri: str = "cloudreve://my") -> None:
        self.page.goto("/home?path=" + quote(uri, safe=""))
        self.grid().wait_for()

    def grid(self) -> Any:
        return self.page.get_by_role("grid", name="Files")

    def row(self, name: str) -> Any:
        return self.grid().locator(f'[role=row][data-name="{name}"]')

    def act(self, name: str, action: str) -> None:
        """Right-click an entry and choose an action from its menu."""
        self.row(name).click(button="right")
        self.page.get_by_role("menuitem", name=action).click()

    def dialog(self) -> Any:
        return self.page.get_by_role("dialog")

    def rename(self, name: str, new_name: str) -> None:
        """Rename an entry through its menu's dialog."""
        self.act(name, "Rename")
        self.dialog().get_by_label("New name").fill(new_name)
        self.dialog().get_by_role("button", name="Rename").click()


@pytest.fixture
def owner(page: Any, ui_api: Api) -> Owner:
    return Owner(page, ui_api)
