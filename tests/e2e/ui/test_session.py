"""Signing in and out in the browser: sign-up, activation, wrong password, captcha, 2FA, reset, refresh."""

from __future__ import annotations

import html
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect

from tests.conftest import Api, Mailbox, Server, unique_email
from tests.e2e.helpers import kv_value
from tests.e2e.ui.conftest import Person


def mail_link(msg: Any, path: str, server: Server) -> str:
    """The mail's link to ``path``, pointed at the test server (mails name the configured site URL)."""
    for href in re.findall(r'href="([^"]+)"', Mailbox.html(msg)):
        parts = urlsplit(html.unescape(href))
        if parts.path == path:
            return f"{server.base}{parts.path}?{parts.query}"
    raise AssertionError(f"no link to {path} in the mail")


def sign_in_form(page: Any, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def file_list(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main navigation")


def test_sign_up_lands_in_the_file_list(page: Any) -> None:
    page.goto("/session")
    page.get_by_role("link", name="Create one").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    email = unique_email("signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_label("Confirm password").fill("secret-pas")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords are not the same.")
    page.get_by_label("Confirm password").fill("secret-pass")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()
    # Signed in, the sign-in page has nothing to offer.
    page.goto("/session")
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()


def test_sign_up_with_email_activation(page: Any, server_factory: Any, mailbox: Mailbox) -> None:
    server = server_factory({"email_active": "1"})
    email = unique_email("activate")
    page.goto(server.base + "/session/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_label("Confirm password").fill("secret-pass")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()
    expect(page.get_by_text(f"We sent an activation link to {email}")).to_be_visible()

    link = mail_link(mailbox.wait_for(email), "/session/activate", server)
    page.get_by_role("link", name="Back to sign in").click()
    sign_in_form(page, email, "secret-pass")
    expect(page.get_by_role("alert")).to_have_text(re.compile("not activated yet"))

    page.goto(link)
    expect(page.get_by_text("Your account is active. You can sign in now.")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill("secret-pass")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()


def test_wrong_password_shows_a_readable_message(page: Any, ui_api: Api) -> None:
    email, password = ui_api.sign_up()
    page.goto("/session")
    sign_in_form(page, email, password + "-wrong")
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    assert "/session" in page.url
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/home**")


def test_sign_in_with_captcha(page: Any, server_factory: Any) -> None:
    # Two workers keep captcha answers in the database, where the test can read them.
    server = server_factory({"login_captcha": "1"}, workers=2)
    email, password = server.api.sign_up()
    with page.expect_response("**/api/v4/site/captcha") as first:
        page.goto(server.base + "/session")
    ticket = first.value.json()["data"]["ticket"]
    expect(page.get_by_role("img", name="Captcha picture")).to_be_visible()
    answer = kv_value(server, f"captcha_{ticket}")
    assert answer

    page.get_by_label("Captcha").fill("wrong" if answer.lower() != "wrong" else "other")
    with page.expect_response("**/api/v4/site/captcha") as renewed:
        sign_in_form(page, email, password)
    expect(page.get_by_role("alert")).to_have_text("The captcha is not correct.")
    # The attempt spent the ticket: a new picture with a new answer.
    ticket = renewed.value.json()["data"]["ticket"]
    answer = kv_value(server, f"captcha_{ticket}")
    assert answer
    page.get_by_label("Captcha").fill(answer)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()


def test_two_factor_sign_in(page: Any, ui_api: Api) -> None:
    email, password = ui_api.sign_up()
    token = ui_api.sign_in(email, password)["token"]["access_token"]
    totp = pyotp.TOTP(ui_api.get("/user/setting/2fa", token)["data"])
    assert ui_api.patch("/user/setting", {"two_fa_enabled": True, "two_fa_code": totp.now()}, token)["code"] == 0

    page.goto("/session")
    sign_in_form(page, email, password)
    expect(page.get_by_role("heading", name="Two-step verification")).to_be_visible()
    valid = {totp.at(time.time() + step * 30) for step in range(-2, 4)}
    wrong = next(code for code in ("111111", "222222", "333333") if code not in valid)
    page.get_by_label("Verification code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_have_text("The verification code is not correct.")
    # The next step's code: the current one was spent turning 2FA on.
    page.get_by_label("Verification code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()


def test_forgot_password_on_a_phone(page: Any, ui_api: Api, ui_server: Server, mailbox: Mailbox) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    email, old_password = ui_api.sign_up()
    page.goto("/session")
    page.get_by_label("Email").fill(email)
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()

    link = mail_link(mailbox.wait_for(email), "/session/reset", ui_server)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("brand-new-pass")
    page.get_by_label("Confirm new password").fill("brand-new-pass")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed. Sign in with the new one.")).to_be_visible()
    assert ui_api.post("/session/token", {"email": email, "password": old_password})["code"] == 40080
    sign_in_link = page.get_by_role("link", name="Sign in").get_attribute("href")

    # The link works once.
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("another-pass")
    page.get_by_label("Confirm new password").fill("another-pass")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("This link has expired or was already used.")

    page.goto(sign_in_link)

    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_label("Password", exact=True).fill("brand-new-pass")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/home**")


def test_sign_out_returns_to_sign_in_and_the_old_page_asks_again(person: Person) -> None:
    page = person.page
    expect(file_list(page)).to_be_visible()
    # The same account open in a second tab: it must notice the sign-out.
    old = page.context.new_page()
    old.goto("/shares")
    expect(file_list(old)).to_be_visible()

    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url(re.compile(r"/session$"))
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

    file_list(old).get_by_role("link", name="My files").click()
    old.wait_for_url(re.compile(r"/session\?redirect="))
    expect(old.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    # Signing in again returns to the page that asked.
    sign_in_form(old, person.email, person.password)
    old.wait_for_url("**/home**")
    expect(file_list(old)).to_be_visible()


def test_language_switch_before_sign_in_and_the_account_language(page: Any, ui_api: Api) -> None:
    email = unique_email("lang")
    assert ui_api.post("/user", {"email": email, "password": "password123", "language": "zh-CN"})["code"] == 0
    page.goto("/session")
    page.get_by_role("button", name="Language").click()
    page.get_by_role("menuitem", name="简体中文").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_role("button", name="语言").click()
    page.get_by_role("menuitem", name="English").click()
    sign_in_form(page, email, "password123")
    page.wait_for_url("**/home**")
    # The account prefers Chinese: the app follows it once signed in.
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()


def test_silent_refresh_keeps_the_person_signed_in(page: Any, server_factory: Any) -> None:
    server = server_factory({"access_token_ttl": "2"})
    email, password = server.api.sign_up()
    page.goto(server.base + "/session")
    sign_in_form(page, email, password)
    page.wait_for_url("**/home**")
    first = page.evaluate("JSON.parse(localStorage.getItem('pyreve.session')).token.access_token")
    time.sleep(2.5)
    refreshed: list[str] = []
    page.on("request", lambda r: refreshed.append(r.url) if r.url.endswith("/session/token/refresh") else None)
    with page.expect_response("**/api/v4/user/capacity") as capacity:
        page.reload()
    assert capacity.value.json()["code"] == 0
    assert refreshed
    assert "/home" in page.url
    expect(file_list(page)).to_be_visible()
    assert page.evaluate("JSON.parse(localStorage.getItem('pyreve.session')).token.access_token") != first

    # A refresh lost on the network keeps the session; the next one succeeds.
    page.route("**/session/token/refresh", lambda route: route.abort())
    with page.expect_request("**/session/token/refresh"):
        file_list(page).get_by_role("link", name="My shares").click()
    page.unroute("**/session/token/refresh")
    assert page.evaluate("localStorage.getItem('pyreve.session')") is not None
    with page.expect_response("**/session/token/refresh") as again:
        file_list(page).get_by_role("link", name="My files").click()
    assert again.value.json()["code"] == 0
    page.wait_for_url("**/home**")
    expect(file_list(page)).to_be_visible()
