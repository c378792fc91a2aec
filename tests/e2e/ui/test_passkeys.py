"""Passkeys in the browser, with Chromium's own WebAuthn authenticator (a virtual one, driven over the
DevTools protocol): add one in the settings, sign out, sign in with it alone, remove it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.ui.conftest import browser_page, open_signed_in


@pytest.fixture(scope="module")
def localhost_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose site URL is http://localhost:<port>: WebAuthn takes a host name, not an IP address,
    as relying party."""
    server = Server(tmp_path_factory.mktemp("passkeys"))
    server.env["CR_SETTING_siteURL"] = f"http://localhost:{server.port}"
    server.start()
    yield server
    server.stop()


@pytest.fixture
def passkey_page(browser: Any, localhost_server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    with browser_page(browser, f"http://localhost:{localhost_server.port}", request.node.name) as page:
        devtools = page.context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
            "isUserVerified": True, "automaticPresenceSimulation": True}})
        yield page


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url(re.compile(r"/session$"))


def signed_in_email(page: Any) -> str:
    return json.loads(page.evaluate("localStorage.getItem('pyreve.session')"))["user"]["email"]  # type: ignore[no-any-return]


def test_add_a_passkey_sign_in_with_it_then_remove_it(passkey_page: Any, localhost_server: Server) -> None:
    page, api = passkey_page, localhost_server.api
    email, password = open_signed_in(page, api, "/settings")
    passkeys = page.get_by_role("region", name="Security")
    expect(passkeys.get_by_text("No passkey yet.")).to_be_visible()
    passkeys.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added.")).to_be_visible()
    listed = passkeys.get_by_role("list", name="Passkeys")
    expect(listed.get_by_role("listitem")).to_have_count(1)
    expect(listed).to_contain_text("Chrome on Linux")
    expect(listed).to_contain_text("never used")

    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(re.compile(r"/home"))
    expect(page.get_by_role("grid", name="Files")).to_be_visible()
    assert signed_in_email(page) == email

    page.goto("/settings")
    expect(listed).to_contain_text("last used")
    passkeys.get_by_role("button", name="Remove passkey Chrome on Linux").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove passkey").click()
    expect(passkeys.get_by_text("No passkey yet.")).to_be_visible()
    token = api.sign_in(email, password)["token"]["access_token"]
    assert api.get("/user/setting", token)["data"].get("passkeys") is None

    # The authenticator still holds the credential; the server no longer accepts it.
    sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_have_text("The passkey could not be verified.")
    expect(page).to_have_url(re.compile(r"/session$"))


def test_passkey_button_is_hidden_when_the_site_switches_passkeys_off(browser: Any, server_factory: Any) -> None:
    server: Server = server_factory({"authn_enabled": "0"})
    with browser_page(browser, server.base, "test_passkeys_switched_off") as page:
        page.goto("/session")
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Sign in with a passkey")).to_have_count(0)
        open_signed_in(page, server.api, "/settings")
        expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
        expect(page.get_by_role("heading", name="Passkeys")).to_have_count(0)
