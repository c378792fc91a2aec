"""Session group end to end: sign-in, 2FA, refresh, sign-out, prepare, access tokens (spec: session.md)."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest

from pyreve.kit.hashid import IdType
from tests.conftest import Api, Mailbox, Server, unique_email
from tests.e2e.helpers import (
    UUID_RE,
    claims_of,
    forge_token,
    group_hash,
    hash_ids,
    parse_time,
    tamper,
    update_user,
    user_hash,
    user_row,
)

WRONG_CREDENTIALS = 40080


def sign_in(api: Api, email: str, password: str = "password123", **extra: Any) -> dict[str, Any]:
    return api.post("/session/token", {"email": email, "password": password, **extra})


def refresh(api: Api, refresh_token: str) -> dict[str, Any]:
    return api.post("/session/token/refresh", {"refresh_token": refresh_token})


def sign_out(api: Api, refresh_token: str) -> dict[str, Any]:
    return api.delete("/session/token", {"refresh_token": refresh_token})


# --- password sign-in -------------------------------------------------------------------------

def test_sign_in_answers_the_user_and_a_token_pair(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    before = datetime.now(UTC)
    result = sign_in(api, email, password)
    assert result["code"] == 0 and result["msg"] == ""
    assert set(result["data"]) == {"user", "token"}
    user, token = result["data"]["user"], result["data"]["token"]

    row = user_row(server, email)
    assert user["id"] == user_hash(server, row["id"])
    assert user["email"] == email
    assert user["nickname"] == email.split("@")[0]
    assert user["status"] == "active"
    assert "anonymous" not in user
    parse_time(user["created_at"])
    group = user["group"]
    assert group["id"] == group_hash(server, row["group_users"])
    assert group["name"] in ("Admin", "User")
    assert group["permission"] and group["direct_link_batch_size"] > 0 and group["trash_retention"] > 0

    assert set(token) == {"access_token", "refresh_token", "access_expires", "refresh_expires"}
    access_expires, refresh_expires = parse_time(token["access_expires"]), parse_time(token["refresh_expires"])
    assert abs((access_expires - before).total_seconds() - 3600) < 30
    assert abs((refresh_expires - before).total_seconds() - 1209600) < 30

    access, refresh_claims = claims_of(token["access_token"]), claims_of(token["refresh_token"])
    assert access["token_type"] == "access" and refresh_claims["token_type"] == "refresh"
    assert access["sub"] == refresh_claims["sub"] == user["id"]
    assert UUID_RE.match(refresh_claims["root_token_id"])
    assert abs(access["exp"] - access_expires.timestamp()) < 2

    me = api.get("/user/me", token["access_token"])
    assert me["code"] == 0 and me["data"]["id"] == user["id"]


def test_every_sign_in_starts_a_new_token_family(api: Api) -> None:
    email, password = api.sign_up()
    first = api.sign_in(email, password)["token"]["refresh_token"]
    second = api.sign_in(email, password)["token"]["refresh_token"]
    assert claims_of(first)["root_token_id"] != claims_of(second)["root_token_id"]


def test_sign_in_email_is_case_insensitive(api: Api) -> None:
    email, password = api.sign_up()
    result = sign_in(api, email.upper(), password)
    assert result["code"] == 0, result
    assert result["data"]["user"]["email"] == email


def test_wrong_password_and_unknown_email_look_the_same(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    digest = user_row(server, email)["password"]
    wrong = sign_in(api, email, "not-the-password")
    unknown = sign_in(api, unique_email(), password)
    assert wrong["code"] == unknown["code"] == WRONG_CREDENTIALS
    assert wrong["msg"] == unknown["msg"] and wrong["msg"]
    assert "data" not in wrong and "data" not in unknown
    assert user_row(server, email)["password"] == digest
    # A passwordless account never matches.
    update_user(server, email, password=None)
    assert sign_in(api, email, password)["code"] == WRONG_CREDENTIALS
    assert sign_in(api, email, "")["code"] == 40001


def test_banned_account(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    token = api.sign_in(email, password)["token"]
    update_user(server, email, status="manual_banned")
    assert sign_in(api, email, password)["code"] == 40017
    # The status is not revealed to someone without the password.
    assert sign_in(api, email, "not-the-password")["code"] == WRONG_CREDENTIALS
    # A valid token of a banned user cannot be used, nor refreshed.
    assert api.get("/user/me", token["access_token"])["code"] == 50001
    assert refresh(api, token["refresh_token"])["code"] == 40020
    update_user(server, email, status="sys_banned")
    assert sign_in(api, email, password)["code"] == 40017


def test_inactive_account(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    update_user(server, email, status="inactive")
    assert sign_in(api, email, password)["code"] == 40018
    assert sign_in(api, email, "not-the-password")["code"] == WRONG_CREDENTIALS


# --- legacy password digests ------------------------------------------------------------------

def _sha256(password: str, salt: str) -> str:
    return f"{salt}:{hashlib.sha256((password + salt).encode()).hexdigest()}"


def _sha1(password: str, salt: str) -> str:
    return f"{salt}:{hashlib.sha1((password + salt).encode()).hexdigest()}"


def _md5(password: str, salt: str) -> str:
    return f"md5:{hashlib.md5((salt + password).encode()).hexdigest()}:{salt}"


@pytest.mark.parametrize("make_digest", [_sha256, _sha1, _md5], ids=["sha256", "sha1", "md5"])
def test_legacy_digests_verify_and_are_rehashed(api: Api, server: Server, make_digest: Any) -> None:
    email, _ = api.sign_up()
    password = "legacy-Secret-42"
    legacy = make_digest(password, "aB3dE5gH7jK9mN1p")
    update_user(server, email, password=legacy)

    assert sign_in(api, email, "legacy-Secret-43")["code"] == WRONG_CREDENTIALS
    assert user_row(server, email)["password"] == legacy

    first = sign_in(api, email, password)
    assert first["code"] == 0, first
    stored = user_row(server, email)["password"]
    assert stored.startswith("$argon2id$")
    assert sign_in(api, email, password)["code"] == 0
    assert sign_in(api, email, "legacy-Secret-43")["code"] == WRONG_CREDENTIALS
    # Tokens issued by the sign-in that upgraded the digest stay usable.
    assert refresh(api, first["data"]["token"]["refresh_token"])["code"] == 0


# --- two-factor sign-in -----------------------------------------------------------------------

def _enable_two_factor(api: Api, email: str, password: str) -> pyotp.TOTP:
    token = api.sign_in(email, password)["token"]["access_token"]
    secret = api.get("/user/setting/2fa", token)
    assert secret["code"] == 0, secret
    totp = pyotp.TOTP(secret["data"])
    enabled = api.patch("/user/setting", {"two_fa_enabled": True, "two_fa_code": totp.now()}, token)
    assert enabled["code"] == 0, enabled
    return totp


def _unused_code(totp: pyotp.TOTP) -> str:
    """A code from a step the server has not seen (the next one, valid with the ±1 step skew)."""
    return totp.at(time.time() + 30)


def _wrong_code(totp: pyotp.TOTP) -> str:
    now = time.time()
    valid = {totp.at(now + step * 30) for step in range(-2, 4)}
    return next(code for code in (f"{n:06d}" for n in range(123456, 999999, 7919)) if code not in valid)


def test_two_factor_sign_in(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    totp = _enable_two_factor(api, email, password)

    started = sign_in(api, email, password)
    assert started["code"] == 203
    assert set(started) == {"code", "data", "msg"}
    session_id = started["data"]
    assert isinstance(session_id, str) and UUID_RE.match(session_id)

    wrong = api.post("/session/token/2fa", {"otp": _wrong_code(totp), "session_id": session_id})
    assert wrong["code"] == 40022 and "data" not in wrong

    # The session survives a wrong code.
    code = _unused_code(totp)
    done = api.post("/session/token/2fa", {"otp": code, "session_id": session_id})
    assert done["code"] == 0, done
    assert done["data"]["user"]["email"] == email
    assert done["data"]["user"]["id"] == user_hash(server, user_row(server, email)["id"])
    access = done["data"]["token"]["access_token"]
    assert api.get("/user/me", access)["data"]["email"] == email

    # The session is gone once used.
    again = api.post("/session/token/2fa", {"otp": code, "session_id": session_id})
    assert again["code"] == 404

    # A code is accepted only once, even in a new sign-in session.
    replay_session = sign_in(api, email, password)
    assert replay_session["code"] == 203
    replay = api.post("/session/token/2fa", {"otp": code, "session_id": replay_session["data"]})
    assert replay["code"] == 40022


def test_two_factor_session_must_exist(api: Api) -> None:
    missing = api.post("/session/token/2fa", {"otp": "123456", "session_id": "a3f0c9d2-5b7e-4d1a-9c3b-2e8f6a4d1b07"})
    assert missing["code"] == 404
    assert api.post("/session/token/2fa", {"otp": "123456"})["code"] == 40001


def test_two_factor_session_is_not_a_token(api: Api) -> None:
    email, password = api.sign_up()
    _enable_two_factor(api, email, password)
    started = sign_in(api, email, password)
    assert started["code"] == 203
    assert api.get("/user/me", started["data"])["code"] == 401


# --- refresh ----------------------------------------------------------------------------------

def test_refresh_issues_a_working_pair_of_the_same_family(api: Api) -> None:
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    result = refresh(api, pair["refresh_token"])
    assert result["code"] == 0, result
    fresh = result["data"]
    assert set(fresh) == {"access_token", "refresh_token", "access_expires", "refresh_expires"}
    parse_time(fresh["access_expires"])
    parse_time(fresh["refresh_expires"])
    assert claims_of(fresh["refresh_token"])["root_token_id"] == claims_of(pair["refresh_token"])["root_token_id"]
    assert claims_of(fresh["access_token"])["sub"] == claims_of(pair["access_token"])["sub"]
    assert api.get("/user/me", fresh["access_token"])["data"]["email"] == email
    assert refresh(api, fresh["refresh_token"])["code"] == 0


def test_refresh_refuses_anything_but_a_valid_refresh_token(api: Api, server: Server) -> None:
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    assert refresh(api, pair["access_token"])["code"] == 40020
    assert refresh(api, tamper(pair["refresh_token"]))["code"] == 40020
    assert refresh(api, "not-a-token")["code"] == 40020

    claims = claims_of(pair["refresh_token"])
    expired = forge_token(server, {**claims, "nbf": int(time.time()) - 100, "exp": int(time.time()) - 10})
    assert refresh(api, expired)["code"] == 40020
    no_root = forge_token(server, {k: v for k, v in claims.items() if k != "root_token_id"})
    assert refresh(api, no_root)["code"] == 40020
    wrong_state = forge_token(server, {**claims, "state_hash": "AAAA"})
    assert refresh(api, wrong_state)["code"] == 40020
    other_key = forge_token(server, claims, key="another-secret-" + "x" * 64)
    assert refresh(api, other_key)["code"] == 40020
    not_a_user = forge_token(server, {**claims, "sub": group_hash(server, 1)})
    assert refresh(api, not_a_user)["code"] == 40020
    # The original is untouched by all of that.
    assert refresh(api, pair["refresh_token"])["code"] == 0


def test_password_change_ends_refresh(api: Api) -> None:
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    changed = api.patch("/user/setting", {"current_password": password, "new_password": "another-pass-1"},
                        pair["access_token"])
    assert changed["code"] == 0, changed
    assert refresh(api, pair["refresh_token"])["code"] == 40020
    assert sign_in(api, email, password)["code"] == WRONG_CREDENTIALS
    fresh = api.sign_in(email, "another-pass-1")["token"]
    assert refresh(api, fresh["refresh_token"])["code"] == 0


# --- sign-out ---------------------------------------------------------------------------------

def test_sign_out_revokes_the_sign_in(api: Api) -> None:
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    other = api.sign_in(email, password)["token"]
    refreshed = refresh(api, pair["refresh_token"])["data"]

    result = sign_out(api, pair["refresh_token"])
    assert result == {"code": 0, "data": "", "msg": ""}

    assert refresh(api, pair["refresh_token"])["code"] == 40020
    # Every refresh token of that sign-in is revoked, not the other sign-in.
    assert refresh(api, refreshed["refresh_token"])["code"] == 40020
    assert refresh(api, other["refresh_token"])["code"] == 0
    # Access tokens run until they expire.
    assert api.get("/user/me", pair["access_token"])["code"] == 0


def test_sign_out_needs_a_valid_token(api: Api) -> None:
    assert sign_out(api, "not-a-token")["code"] == 40020
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    assert sign_out(api, tamper(pair["refresh_token"]))["code"] == 40020
    assert refresh(api, pair["refresh_token"])["code"] == 0
    assert api.delete("/session/token", {})["code"] == 40001


# --- prepare ----------------------------------------------------------------------------------

def test_prepare_login(api: Api, server: Server) -> None:
    email, _ = api.sign_up()
    result = api.get("/session/prepare", params={"email": email.upper()})
    assert result["code"] == 0 and result["msg"] == ""
    assert result["data"]["webauthn_enabled"] is False
    assert result["data"]["password_enabled"] is True
    update_user(server, email, password=None)
    result = api.get("/session/prepare", params={"email": email})
    assert result["data"]["webauthn_enabled"] is False
    assert result["data"]["password_enabled"] is False


def test_prepare_login_errors(api: Api) -> None:
    assert api.get("/session/prepare", params={"email": unique_email()})["code"] == 404
    bad = api.get("/session/prepare", params={"email": "not-an-email"})
    assert bad["code"] == 40001 and "correlation_id" not in bad
    assert api.get("/session/prepare")["code"] == 40001


# --- OpenID is not available (passkeys: test_passkeys.py) ------------------------------------

@pytest.mark.parametrize("method,path", [
    ("PUT", "/session/openid"), ("POST", "/session/openid"), ("DELETE", "/session/openid/1"),
])
def test_openid_routes_are_switched_off(api: Api, method: str, path: str) -> None:
    result = api.call(method, path, json={})
    assert result["code"] == 40019 and result["msg"]


# --- access tokens on other routes ------------------------------------------------------------

def test_bad_access_tokens_are_anonymous(api: Api, server: Server) -> None:
    email, token = api.new_user()
    claims = claims_of(token)
    expired = forge_token(server, {**claims, "nbf": int(time.time()) - 100, "exp": int(time.time()) - 1})
    not_yet = forge_token(server, {**claims, "nbf": int(time.time()) + 600})
    other_key = forge_token(server, claims, key="another-secret-" + "x" * 64)
    for bad in (expired, not_yet, other_key, tamper(token), "garbage"):
        assert api.get("/user/me", bad)["code"] == 401, bad
        # On routes where signing in is optional the caller is anonymous.
        basic = api.get("/site/config/basic", bad)
        assert basic["code"] == 0 and basic["data"]["user"]["anonymous"] is True
    assert api.get("/user/me", token)["data"]["email"] == email


def test_forged_token_with_the_right_key_is_accepted(api: Api, server: Server) -> None:
    email, token = api.new_user()
    forged = forge_token(server, {**claims_of(token), "exp": int(time.time()) + 60})
    assert api.get("/user/me", forged)["data"]["email"] == email


def test_refresh_token_is_not_an_access_token(api: Api) -> None:
    email, password = api.sign_up()
    pair = api.sign_in(email, password)["token"]
    assert api.get("/user/me", pair["refresh_token"])["code"] == 40020
    assert api.get("/site/config/basic", pair["refresh_token"])["code"] == 40020


def test_token_subject_must_be_a_user_id(api: Api, server: Server) -> None:
    _, token = api.new_user()
    claims = claims_of(token)
    for sub in (group_hash(server, 1), "garbage", ""):
        forged = forge_token(server, {**claims, "sub": sub})
        assert api.get("/user/me", forged)["code"] == 404, sub
    missing_user = forge_token(server, {**claims, "sub": hash_ids(server).encode(10_000_000, IdType.USER)})
    assert api.get("/user/me", missing_user)["code"] == 50001


def test_sign_in_ignores_an_authorization_header(api: Api) -> None:
    email, password = api.sign_up()
    other_email, other_token = api.new_user()
    result = api.post("/session/token", {"email": email, "password": password}, other_token)
    assert result["data"]["user"]["email"] == email
    assert api.post("/session/token", {"email": email, "password": password}, "garbage")["code"] == 0


# --- attempt limits ---------------------------------------------------------------------------

def _is_limited(result: dict[str, Any]) -> bool:
    return result["code"] not in (0, 203, WRONG_CREDENTIALS, 40017, 40018, 40021) and bool(result["msg"])


def test_reset_requests_per_address_are_limited(server_factory: Any, mailbox: Mailbox) -> None:
    server = server_factory({"reset_rate_ip": "2/60"}, fresh=True)
    api = server.api
    email, _ = api.sign_up()
    other, _ = api.sign_up()
    assert api.post("/user/reset", {"email": email})["code"] == 0
    mailbox.wait_for(email)
    assert api.post("/user/reset", {"email": unique_email()})["code"] == 40021
    limited = api.post("/user/reset", {"email": other})
    assert _is_limited(limited), limited
    time.sleep(0.5)
    assert not any(other in str(message["To"]) for message in mailbox.messages)
