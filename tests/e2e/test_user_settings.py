"""Preferences, password change and 2FA through PATCH /user/setting, against a real server (user.md)."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest

from tests.conftest import Api, Server

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STEP = 30


def settings_of(api: Api, token: str) -> dict[str, Any]:
    result = api.get("/user/setting", token)
    assert result["code"] == 0, result
    return result["data"]  # type: ignore[no-any-return]


def me(api: Api, token: str) -> dict[str, Any]:
    result = api.get("/user/me", token)
    assert result["code"] == 0, result
    return result["data"]  # type: ignore[no-any-return]


def patch(api: Api, token: str, body: dict[str, Any]) -> dict[str, Any]:
    return api.patch("/user/setting", body, token)


def sign_in_code(api: Api, email: str, password: str) -> int:
    return int(api.post("/session/token", {"email": email, "password": password})["code"])


def refresh_code(api: Api, refresh_token: str) -> int:
    return int(api.post("/session/token/refresh", {"refresh_token": refresh_token})["code"])


def snapshot(api: Api, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return me(api, token), settings_of(api, token)


@pytest.fixture(scope="module")
def shared_user(server: Server) -> tuple[str, str]:
    """One account for the tests that must leave it unchanged."""
    return server.api.new_user()


# --- reading ----------------------------------------------------------------------------------------

def test_new_user_settings(api: Api) -> None:
    _, token = api.new_user()
    data = settings_of(api, token)
    assert data["version_retention_enabled"] is True
    assert data["version_retention_max"] == 10
    assert data["passwordless"] is False
    assert data["two_fa_enabled"] is False
    assert data["disable_view_sync"] is False
    assert data.get("share_links_in_profile", "") == ""
    assert "version_retention_ext" not in data
    assert "passkeys" not in data


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/user/setting"), ("GET", "/user/setting/2fa"), ("PATCH", "/user/setting"),
])
def test_settings_require_login(api: Api, method: str, path: str) -> None:
    kwargs: dict[str, Any] = {"json": {"nick": "x"}} if method == "PATCH" else {}
    assert api.call(method, path, **kwargs)["code"] == 401


# --- updating preferences -----------------------------------------------------------------------

def test_patch_each_preference(api: Api) -> None:
    _, token = api.new_user()
    done = {"code": 0, "msg": ""}

    assert patch(api, token, {"nick": "Ada Lovelace ✓"}) == done
    assert me(api, token)["nickname"] == "Ada Lovelace ✓"

    assert patch(api, token, {"language": "zh-CN"}) == done
    assert me(api, token)["language"] == "zh-CN"

    for theme in ("#1976d2", "#ABC", "#1976d2cc", "rgb(25, 118, 210)", "rgba(25,118,210,0.5)",
                  "hsl(210, 79%, 46%)"):
        assert patch(api, token, {"preferred_theme": theme}) == done, theme
        assert me(api, token)["preferred_theme"] == theme

    assert patch(api, token, {"version_retention_enabled": False}) == done
    assert settings_of(api, token)["version_retention_enabled"] is False
    assert patch(api, token, {"version_retention_enabled": True}) == done
    assert settings_of(api, token)["version_retention_enabled"] is True

    assert patch(api, token, {"version_retention_ext": ["pdf", "docx"]}) == done
    assert settings_of(api, token)["version_retention_ext"] == ["pdf", "docx"]
    assert patch(api, token, {"version_retention_ext": ["md"]}) == done
    assert settings_of(api, token)["version_retention_ext"] == ["md"]
    assert patch(api, token, {"version_retention_ext": []}) == done
    assert "version_retention_ext" not in settings_of(api, token)

    assert patch(api, token, {"version_retention_max": 3}) == done
    assert settings_of(api, token)["version_retention_max"] == 3
    assert patch(api, token, {"version_retention_max": 0}) == done
    assert "version_retention_max" not in settings_of(api, token)

    assert patch(api, token, {"disable_view_sync": True}) == done
    assert settings_of(api, token)["disable_view_sync"] is True
    assert me(api, token)["disable_view_sync"] is True
    assert patch(api, token, {"disable_view_sync": False}) == done
    assert settings_of(api, token)["disable_view_sync"] is False
    assert "disable_view_sync" not in me(api, token)

    for value in ("hide_share", "all_share"):
        assert patch(api, token, {"share_links_in_profile": value}) == done
        assert me(api, token)["share_links_in_profile"] == value
        assert settings_of(api, token)["share_links_in_profile"] == value
    assert patch(api, token, {"share_links_in_profile": ""}) == done
    assert me(api, token).get("share_links_in_profile", "") == ""

    # Everything stuck; an empty PATCH changes nothing.
    before = snapshot(api, token)
    assert patch(api, token, {}) == done
    assert snapshot(api, token) == before
    user, prefs = before
    assert (user["nickname"], user["language"], user["preferred_theme"]) == (
        "Ada Lovelace ✓", "zh-CN", "hsl(210, 79%, 46%)")
    assert prefs["version_retention_enabled"] is True
    assert prefs["two_fa_enabled"] is False


def test_patch_several_fields_at_once(api: Api) -> None:
    _, token = api.new_user()
    body = {"nick": "Grace", "language": "en-US", "preferred_theme": "#00ff00", "version_retention_enabled": False,
            "version_retention_ext": ["txt"], "version_retention_max": 7, "disable_view_sync": True,
            "share_links_in_profile": "hide_share"}
    assert patch(api, token, body)["code"] == 0
    user, prefs = snapshot(api, token)
    assert (user["nickname"], user["language"], user["preferred_theme"], user["disable_view_sync"],
            user["share_links_in_profile"]) == ("Grace", "en-US", "#00ff00", True, "hide_share")
    assert (prefs["version_retention_enabled"], prefs["version_retention_ext"], prefs["version_retention_max"],
            prefs["disable_view_sync"]) == (False, ["txt"], 7, True)


@pytest.mark.parametrize("bad", [
    {"preferred_theme": "blue"},
    {"preferred_theme": "#12345"},
    {"preferred_theme": "#1234567"},
    {"preferred_theme": "url(javascript:alert(1))"},
    {"nick": ""},
    {"nick": "n" * 256},
    {"language": ""},
    {"version_retention_max": -1},
    {"version_retention_enabled": "sometimes"},
    {"version_retention_ext": "pdf"},
    {"share_links_in_profile": "everyone"},
    {"new_password": "12345", "current_password": "password123"},
    {"new_password": "new-password", "current_password": "abc"},
    {"two_fa_enabled": True},
    {"two_fa_enabled": False},
])
def test_refused_patch_changes_nothing(api: Api, shared_user: tuple[str, str], bad: dict[str, Any]) -> None:
    email, token = shared_user
    before = snapshot(api, token)
    result = patch(api, token, {"nick": "Changed", "version_retention_max": 2, **bad})
    assert result["code"] == 40001, result
    assert snapshot(api, token) == before
    if "new_password" in bad:
        assert sign_in_code(api, email, bad["new_password"]) == 40080


# --- password --------------------------------------------------------------------------------------

def test_password_change(api: Api) -> None:
    email, _ = api.sign_up()
    login = api.sign_in(email)
    token, old_refresh = login["token"]["access_token"], login["token"]["refresh_token"]

    # Either half alone changes nothing.
    assert patch(api, token, {"new_password": "brand-new-pass"}) == {"code": 0, "msg": ""}
    assert patch(api, token, {"current_password": "password123"}) == {"code": 0, "msg": ""}
    assert sign_in_code(api, email, "brand-new-pass") == 40080
    assert refresh_code(api, old_refresh) == 0

    before = snapshot(api, token)
    wrong = patch(api, token, {"current_password": "not-my-password", "new_password": "brand-new-pass",
                               "nick": "Changed"})
    assert wrong["code"] == 40069, wrong
    assert snapshot(api, token) == before
    api.sign_in(email, "password123")
    assert refresh_code(api, old_refresh) == 0

    assert patch(api, token, {"current_password": "password123", "new_password": "brand-new-pass"})["code"] == 0
    assert sign_in_code(api, email, "password123") == 40080
    fresh = api.sign_in(email, "brand-new-pass")
    assert refresh_code(api, old_refresh) == 40020
    assert refresh_code(api, fresh["token"]["refresh_token"]) == 0
    assert settings_of(api, token)["passwordless"] is False


# --- two-factor authentication -------------------------------------------------------------------

def steady_window() -> float:
    """A moment well inside a TOTP step, so codes for now, the step before and the step after stay valid."""
    left = STEP - time.time() % STEP
    if left < 4:
        time.sleep(left + 0.2)
    return time.time()


def wrong_code(totp: pyotp.TOTP, now: float) -> str:
    valid = {totp.at(now + k * STEP) for k in range(-2, 3)}
    return next(code for code in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if code not in valid)


def test_prepare_two_factor_secret(api: Api) -> None:
    _, token = api.new_user()
    first = api.get("/user/setting/2fa", token)
    assert first["code"] == 0
    assert re.fullmatch(r"[A-Z2-7]{32}", first["data"])
    second = api.get("/user/setting/2fa", token)["data"]
    assert second != first["data"]
    assert settings_of(api, token)["two_fa_enabled"] is False


def test_enable_without_prepared_secret(api: Api) -> None:
    _, token = api.new_user()
    result = patch(api, token, {"two_fa_enabled": True, "two_fa_code": "123456", "nick": "Changed"})
    assert result["code"] == 50005, result
    assert settings_of(api, token)["two_fa_enabled"] is False
    assert me(api, token)["nickname"] != "Changed"


def test_two_factor_enable_sign_in_and_disable(api: Api) -> None:
    email, token = api.new_user()
    stale = api.get("/user/setting/2fa", token)["data"]
    secret = api.get("/user/setting/2fa", token)["data"]
    totp = pyotp.TOTP(secret)

    # A wrong code, or a code for a replaced secret, leaves 2FA off (and the nick alone).
    t0 = time.time()
    wrong = wrong_code(totp, t0)
    assert patch(api, token, {"two_fa_enabled": True, "two_fa_code": wrong, "nick": "X"})["code"] == 40022
    stale_code = pyotp.TOTP(stale).at(t0)
    if stale_code not in {totp.at(t0 + k * STEP) for k in range(-2, 3)}:
        assert patch(api, token, {"two_fa_enabled": True, "two_fa_code": stale_code})["code"] == 40022
    assert patch(api, token, {"two_fa_enabled": True, "two_fa_code": ""})["code"] in (40001, 40022)
    assert settings_of(api, token)["two_fa_enabled"] is False
    assert me(api, token)["nickname"] != "X"
    assert api.sign_in(email)["user"]["email"] == email

    # Codes of three different steps: one step's code is accepted only once.
    now = steady_window()
    assert patch(api, token, {"two_fa_enabled": True, "two_fa_code": totp.at(now - STEP)}) == {"code": 0, "msg": ""}
    assert settings_of(api, token)["two_fa_enabled"] is True

    step = api.post("/session/token", {"email": email, "password": "password123"})
    assert step["code"] == 203, step
    assert UUID.match(step["data"])
    finished = api.post("/session/token/2fa", {"session_id": step["data"], "otp": totp.at(now)})
    assert finished["code"] == 0, finished
    assert finished["data"]["user"]["email"] == email

    # Disabling needs a valid code for the secret in use.
    other = pyotp.TOTP(api.get("/user/setting/2fa", token)["data"])
    assert patch(api, token, {"two_fa_enabled": False})["code"] == 40001
    if other.at(now + STEP) not in {totp.at(now + k * STEP) for k in range(-2, 3)}:
        assert patch(api, token, {"two_fa_enabled": False, "two_fa_code": other.at(now + STEP)})["code"] == 40022
    assert patch(api, token, {"two_fa_enabled": False, "two_fa_code": wrong_code(totp, now)})["code"] == 40022
    assert settings_of(api, token)["two_fa_enabled"] is True
    assert api.post("/session/token", {"email": email, "password": "password123"})["code"] == 203

    assert patch(api, token, {"two_fa_enabled": False, "two_fa_code": totp.at(now + STEP)}) == {"code": 0, "msg": ""}
    assert settings_of(api, token)["two_fa_enabled"] is False
    assert api.sign_in(email)["user"]["email"] == email
