"""Browser tests: Playwright for Python driving Debian's Chromium against a real `pyreve serve`.

Every test gets a fresh browser context (no shared cookies or storage). At the end of each test a
screenshot of the page is saved under ``tests/artifacts/ui/<test name>.png``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def page(browser: Any, ui_server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=ui_server.base, viewport={"width": 1280, "height": 800},
                                  accept_downloads=True, locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


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
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/home**")


@pytest.fixture
def person(page: Any, ui_api: Api) -> Person:
    """A new account, already signed in through the sign-in form."""
    email, password = ui_api.sign_up()
    someone = Person(page, ui_api, email, password)
    someone.sign_in()
    return someone
