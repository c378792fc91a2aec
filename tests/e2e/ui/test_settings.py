"""The settings page: profile, picture, password, two-factor sign-in, language and theme, phone layout."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import time
from typing import Any

import httpx
import pyotp
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.conftest import Api, Server
from tests.e2e.ui.conftest import Person, open_signed_in


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


def dismiss_toasts(page: Any) -> None:
    """Close the notices on screen, so the next one is known to come from the next action."""
    notices = page.get_by_role("status").get_by_role("button", name="Close")
    while notices.count():
        with contextlib.suppress(PlaywrightError):  # it may go away by itself meanwhile
            notices.first.click(timeout=1000)


def test_nickname_change_shows_in_the_account_menu_after_reload(page: Any, ui_api: Api) -> None:
    open_signed_in(page, ui_api, "/settings")
    nickname = page.get_by_label("Nickname")
    nickname.fill("Ada Lovelace")
    page.get_by_role("button", name="Save nickname").click()
    expect(page.get_by_text("Nickname saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Nickname")).to_have_value("Ada Lovelace")
    page.get_by_role("button", name="Account").click()
    expect(page.get_by_role("menuitem", name="Ada Lovelace")).to_be_visible()


def test_uploaded_picture_is_served_as_the_avatar(page: Any, ui_api: Api, ui_server: Server, tmp_path: Any) -> None:
    open_signed_in(page, ui_api, "/settings")
    user_id = page.evaluate("JSON.parse(localStorage.getItem('pyreve.session')).user.id")
    avatar = f"{ui_server.base}/api/v4/user/avatar/{user_id}?nocache=true"
    assert httpx.get(avatar).status_code == 404  # nothing uploaded yet
    picture = tmp_path / "me.png"
    picture.write_bytes(png((200, 30, 30)))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload picture").click()
    chooser.value.set_files(str(picture))
    expect(page.get_by_text("Profile picture updated.")).to_be_visible()
    served = httpx.get(avatar)
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(served.content)).convert("RGB").getpixel((10, 10)) == (200, 30, 30)
    # The top bar shows the new picture too, under an address the browser has not cached.
    top = page.get_by_role("button", name="Account").locator("img")
    expect(top).to_have_attribute("src", re.compile(r"\?v=\d+$"))
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", top.element_handle())

    dismiss_toasts(page)
    second = tmp_path / "again.png"
    second.write_bytes(png((20, 160, 40)))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload picture").click()
    chooser.value.set_files(str(second))
    expect(page.get_by_text("Profile picture updated.")).to_be_visible()
    again = httpx.get(avatar)
    assert hashlib.sha256(again.content).digest() != hashlib.sha256(served.content).digest()


def test_gravatar_replaces_the_uploaded_picture(page: Any, ui_api: Api, ui_server: Server) -> None:
    email, password = ui_api.sign_up()
    session = ui_api.sign_in(email, password)
    token, user_id = session["token"]["access_token"], session["user"]["id"]
    ui_api.call("PUT", "/user/setting/avatar", token, content=png((0, 0, 255)), headers={"Content-Type": "image/png"})
    page.goto("/session")
    page.evaluate("s => localStorage.setItem('pyreve.session', s)", json.dumps(session))
    page.goto("/settings")
    page.get_by_role("button", name="Use Gravatar").click()
    expect(page.get_by_text("Your Gravatar picture is used now.")).to_be_visible()
    served = httpx.get(f"{ui_server.base}/api/v4/user/avatar/{user_id}?nocache=true")
    assert served.status_code == 302
    assert hashlib.md5(email.lower().encode()).hexdigest() in served.headers["location"]


def test_password_change_then_sign_in_with_the_new_one(page: Any, ui_api: Api) -> None:
    email, old = open_signed_in(page, ui_api, "/settings")
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password", exact=True).fill("brand-new-secret")
    page.get_by_label("Repeat the new password").fill("not-the-same")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The two new passwords are not the same.")).to_be_visible()

    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("Repeat the new password").fill("brand-new-secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The current password is not correct.")).to_be_visible()

    page.get_by_label("Current password").fill(old)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url("**/session**")
    Person(page, ui_api, email, "brand-new-secret").sign_in()
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()
    assert ui_api.post("/session/token", {"email": email, "password": old})["code"] != 0


def test_two_factor_sign_in_after_enabling_it(page: Any, ui_api: Api) -> None:
    email, password = open_signed_in(page, ui_api, "/settings")
    page.get_by_role("button", name="Enable two-factor authentication").click()
    dialog = page.get_by_role("dialog", name="Set up two-factor authentication")
    expect(dialog.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = dialog.get_by_label("Setup key", exact=True).inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    dialog.get_by_label("Enter the 6-digit code the app shows").fill("000000" if totp.now() != "000000" else "111111")
    dialog.get_by_role("button", name="Enable two-factor authentication").click()
    expect(dialog.get_by_text("The verification code is not correct.")).to_be_visible()
    # Each code works once: confirm with the previous period's (still accepted), sign in with the current one.
    dialog.get_by_label("Enter the 6-digit code the app shows").fill(totp.at(time.time() - 30))
    dialog.get_by_role("button", name="Enable two-factor authentication").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn off two-factor authentication")).to_be_visible()

    page.get_by_role("button", name="Account").click()
    page.get_by_role("menuitem", name="Sign out").click()
    page.wait_for_url("**/session**")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Verification code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/home**")
    expect(page.get_by_role("navigation", name="Main navigation")).to_be_visible()


def test_turning_two_factor_off_needs_a_code(page: Any, ui_api: Api) -> None:
    email, password = ui_api.sign_up()
    token = ui_api.sign_in(email, password)["token"]["access_token"]
    totp = pyotp.TOTP(ui_api.get("/user/setting/2fa", token)["data"])
    # Each code works once: three neighbouring periods (all accepted) for three uses.
    enable = {"two_fa_enabled": True, "two_fa_code": totp.at(time.time() - 30)}
    assert ui_api.patch("/user/setting", enable, token)["code"] == 0
    session = ui_api.post("/session/token", {"email": email, "password": password})
    assert session["code"] == 203
    signed_in = ui_api.post("/session/token/2fa", {"otp": totp.now(), "session_id": session["data"]})["data"]
    page.goto("/session")
    page.evaluate("s => localStorage.setItem('pyreve.session', s)", json.dumps(signed_in))
    page.goto("/settings")
    page.get_by_role("button", name="Turn off two-factor authentication").click()
    dialog = page.get_by_role("dialog", name="Turn off two-factor authentication")
    dialog.get_by_label("6-digit code").fill(totp.at(time.time() + 30))
    dialog.get_by_role("button", name="Turn off two-factor authentication").click()
    expect(page.get_by_text("Two-factor authentication is off.")).to_be_visible()
    assert ui_api.get("/user/setting", token)["data"]["two_fa_enabled"] is False


def test_language_and_theme_preferences(page: Any, ui_api: Api) -> None:
    email, password = open_signed_in(page, ui_api, "/settings")
    page.get_by_role("combobox", name="Theme").select_option(label="Dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.get_by_role("combobox", name="Language").select_option(label="简体中文")
    expect(page.get_by_role("heading", name="设置", exact=True)).to_be_visible()
    expect(page.get_by_label("昵称")).to_be_visible()
    expect(page.get_by_role("link", name="设置")).to_be_visible()
    token = ui_api.sign_in(email, password)["token"]["access_token"]
    assert ui_api.get("/user/me", token)["data"]["language"] == "zh-CN"
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("heading", name="设置", exact=True)).to_be_visible()


def primary_colour(page: Any) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('button.primary')).backgroundColor")  # type: ignore[no-any-return]


def test_theme_colour_follows_the_account_after_reload_and_in_dark(page: Any, ui_api: Api) -> None:
    email, password = open_signed_in(page, ui_api, "/settings")
    colours = page.get_by_role("radiogroup", name="Theme colour")
    expect(colours.get_by_role("radio", name="#1976d2")).to_have_attribute("aria-checked", "true")
    assert primary_colour(page) == "rgb(25, 118, 210)"  # the site's default theme

    colours.get_by_role("radio", name="#3f51b5").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(colours.get_by_role("radio", name="#3f51b5")).to_have_attribute("aria-checked", "true")
    assert primary_colour(page) == "rgb(63, 81, 181)"
    token = ui_api.sign_in(email, password)["token"]["access_token"]
    assert ui_api.get("/user/me", token)["data"]["preferred_theme"] == "#3f51b5"

    page.get_by_role("combobox", name="Theme").select_option(label="Dark")
    assert primary_colour(page) == "rgb(159, 168, 218)"  # the same theme's dark shade
    page.reload()
    expect(page.get_by_role("radio", name="#3f51b5")).to_have_attribute("aria-checked", "true")
    assert primary_colour(page) == "rgb(159, 168, 218)"


def test_version_retention_is_saved(page: Any, ui_api: Api) -> None:
    email, password = open_signed_in(page, ui_api, "/settings")
    page.get_by_label("Versions to keep per file").fill("3")
    page.get_by_label("Only for these file extensions").fill(".docx, md")
    page.get_by_role("region", name="File versions").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    token = ui_api.sign_in(email, password)["token"]["access_token"]
    prefs = ui_api.get("/user/setting", token)["data"]
    assert prefs["version_retention_max"] == 3 and prefs["version_retention_ext"] == ["docx", "md"]
    dismiss_toasts(page)
    page.get_by_label("Keep previous versions of files").uncheck()
    expect(page.get_by_label("Versions to keep per file")).to_be_hidden()
    page.get_by_role("region", name="File versions").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    assert ui_api.get("/user/setting", token)["data"]["version_retention_enabled"] is False


def test_public_profile_lists_shares_without_password(page: Any, ui_api: Api) -> None:
    owner_email, owner_password = ui_api.sign_up()
    owner = ui_api.sign_in(owner_email, owner_password)
    token = owner["token"]["access_token"]
    assert ui_api.patch("/user/setting", {"nick": "Grace Hopper"}, token)["code"] == 0
    for name in ("open-notes.txt", "secret-plans.txt"):
        assert ui_api.post("/file/create", {"uri": f"cloudreve://my/{name}", "type": "file"}, token)["code"] == 0
    assert ui_api.put("/share", {"uri": "cloudreve://my/open-notes.txt"}, token)["code"] == 0
    assert ui_api.put("/share", {"uri": "cloudreve://my/secret-plans.txt", "is_private": True, "password": "pw1234"},
                      token)["code"] == 0
    page.goto(f"/profile/{owner['user']['id']}")
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    shares = page.get_by_role("list", name="Shared files")
    expect(shares.get_by_role("link", name="open-notes.txt")).to_be_visible()
    expect(shares.get_by_role("link", name="secret-plans.txt")).to_have_count(0)


def test_question_mark_opens_the_shortcut_help(page: Any, ui_api: Api) -> None:
    open_signed_in(page, ui_api, "/settings")
    page.get_by_role("heading", name="Settings").wait_for()
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog.get_by_role("cell", name="Show keyboard shortcuts")).to_be_visible()
    expect(help_dialog.get_by_role("cell", name="Search files")).to_be_visible()
    help_dialog.get_by_role("button", name="Close").first.click()
    expect(help_dialog).to_be_hidden()


def test_phone_layout_has_the_menu_button_and_no_sideways_scrolling(page: Any, ui_api: Api) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_signed_in(page, ui_api, "/settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    widths = page.evaluate("""() => {
        const main = document.querySelector('main');
        return [document.documentElement.scrollWidth, window.innerWidth, main.scrollWidth, main.clientWidth];
    }""")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="WebDAV")).to_be_visible()
