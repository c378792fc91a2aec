"""Sign-up, email activation and password reset against a real server and a real SMTP server (user.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import time
from email.header import decode_header, make_header
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hashids import Hashids

from tests.conftest import Api, Mailbox, Server, unique_email
from tests.e2e.helpers import setting, update_user

SITE = "https://drive.example.test"
SITE_NAME = "Test Drive"
USER_TYPE = 1


# --- helpers ------------------------------------------------------------------------------------

def set_status(server: Server, email: str, status: str) -> None:
    update_user(server, email, status=status)


def user_hash(server: Server, user_id: int) -> str:
    return str(Hashids(salt=setting(server, "hash_id_salt")).encode(user_id, USER_TYPE))


def decode_user(server: Server, hashed: str) -> int:
    decoded = Hashids(salt=setting(server, "hash_id_salt")).decode(hashed)
    assert len(decoded) == 2 and decoded[1] == USER_TYPE, hashed
    return int(decoded[0])


def subject(msg: Message) -> str:
    return str(make_header(decode_header(str(msg["Subject"]))))


def link_in(msg: Message, path: str) -> dict[str, str]:
    """The query of the one link in the mail's HTML that points at ``<SITE><path>``."""
    links = {html.unescape(href) for href in re.findall(r'href="([^"]+)"', Mailbox.html(msg))}
    wanted = [link for link in links if link.startswith(f"{SITE}{path}?")]
    assert len(wanted) == 1, links
    parts = urlsplit(wanted[0])
    query = parse_qs(parts.query, strict_parsing=True)
    assert all(len(v) == 1 for v in query.values()), query
    return {k: v[0] for k, v in query.items()}


def assert_no_mail(mailbox: Mailbox, to: str) -> None:
    # Mail is sent before the API answers, so a message would already be here.
    assert not [m for m in mailbox.messages if to.lower() in str(m["To"]).lower()]


def sign_in_code(api: Api, email: str, password: str) -> int:
    return int(api.post("/session/token", {"email": email, "password": password})["code"])


def activate(api: Api, user_id: str, sign: str | None) -> dict[str, Any]:
    params = {"sign": sign} if sign is not None else {}
    return api.get(f"/user/activate/{user_id}", params=params)


def sign_url(key: str, path: str, expires: int) -> str:
    digest = hmac.new(key.encode(), f"{path}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode() + f":{expires}"


@pytest.fixture(scope="module")
def mail_server(server_factory: Any) -> Server:
    """Email activation on, with a distinctive site URL and name to look for in the mails."""
    return server_factory({"email_active": "1", "siteURL": SITE, "siteName": SITE_NAME})  # type: ignore[no-any-return]


@pytest.fixture
def mail_api(mail_server: Server) -> Api:
    return mail_server.api


def pending_user(api: Api, mailbox: Mailbox, language: str | None = None) -> tuple[str, Message]:
    email = unique_email("pending")
    body = {"email": email, "password": "password123"}
    if language is not None:
        body["language"] = language
    assert api.post("/user", body) == {"code": 203, "msg": ""}
    return email, mailbox.wait_for(email)


def active_user(api: Api, mailbox: Mailbox) -> str:
    """A user on the activation server, activated through the emailed link."""
    email, msg = pending_user(api, mailbox)
    query = link_in(msg, "/session/activate")
    assert activate(api, query["id"], query["sign"])["code"] == 0
    return email


# --- sign-up without activation ---------------------------------------------------------------------

def test_sign_up_returns_active_user_with_lowercased_email(api: Api, server: Server) -> None:
    local = f"MiXeD.{unique_email('Case').split('@')[0]}"
    result = api.post("/user", {"email": f"{local}@Example.COM", "password": "password123",
                                "language": "en-US"})
    assert result["code"] == 0, result
    user = result["data"]
    assert user["email"] == f"{local.lower()}@example.com"
    assert user["nickname"] == local.lower()
    assert user["status"] == "active"
    assert user["language"] == "en-US"
    assert "group" not in user
    assert "anonymous" not in user
    assert "avatar" not in user
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", user["created_at"])
    decode_user(server, user["id"])

    login = api.sign_in(f"{local.upper()}@EXAMPLE.com")
    assert login["user"]["id"] == user["id"]
    assert login["user"]["email"] == user["email"]


def test_sign_up_existing_email_in_any_case_is_refused(api: Api) -> None:
    email, _ = api.sign_up()
    for variant in (email, email.upper(), email.capitalize()):
        result = api.post("/user", {"email": variant, "password": "another-password"})
        assert result["code"] == 40032, result
        assert "data" not in result
    api.sign_in(email, "password123")
    assert sign_in_code(api, email, "another-password") == 40080


@pytest.mark.parametrize(("body", "msg"), [
    ({"email": "not-an-email", "password": "password123"}, "Email format error"),
    ({"password": "password123"}, "Email cannot be empty"),
    ({"email": "EMAIL", "password": "12345"}, "Password too short"),
    ({"email": "EMAIL"}, "Password cannot be empty"),
    ({"email": "EMAIL", "password": "x" * 129}, "Password too long"),
])
def test_sign_up_validation(api: Api, body: dict[str, str], msg: str) -> None:
    email = unique_email("invalid")
    body = {k: (email if v == "EMAIL" else v) for k, v in body.items()}
    result = api.post("/user", body)
    assert result == {"code": 40001, "msg": msg}
    if "email" in body:
        assert sign_in_code(api, email, "password123") == 40080
        assert sign_in_code(api, email, "12345") == 40080


def test_sign_up_disabled(server_factory: Any) -> None:
    api = server_factory({"register_enabled": "0"}).api
    email = unique_email("closed")
    result = api.post("/user", {"email": email, "password": "password123"})
    assert result["code"] == 40019, result
    assert sign_in_code(api, email, "password123") == 40080


# --- sign-up with email activation --------------------------------------------------------------

def test_activation_flow(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    email = unique_email("activate")
    result = mail_api.post("/user", {"email": email.upper(), "password": "password123"})
    assert result == {"code": 203, "msg": ""}
    assert sign_in_code(mail_api, email, "password123") == 40018

    msg = mailbox.wait_for(email)
    assert subject(msg).startswith(f"[{SITE_NAME}] ")
    query = link_in(msg, "/session/activate")
    assert set(query) == {"id", "sign"}
    uid = decode_user(mail_server, query["id"])
    assert re.fullmatch(r"[A-Za-z0-9_-]+=*:\d+", query["sign"])
    expires = int(query["sign"].rsplit(":", 1)[1])
    assert abs(expires - (time.time() + 24 * 3600)) < 120

    activated = activate(mail_api, query["id"], query["sign"])
    assert activated["code"] == 0, activated
    assert activated["data"]["id"] == query["id"] == user_hash(mail_server, uid)
    assert activated["data"]["email"] == email
    assert activated["data"]["status"] == "active"

    login = mail_api.sign_in(email)
    assert login["user"]["id"] == query["id"]
    assert login["user"]["status"] == "active"

    again = activate(mail_api, query["id"], query["sign"])
    assert again["code"] == 40034, again
    mail_api.sign_in(email)


def test_activation_link_signature_is_checked(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    email, msg = pending_user(mail_api, mailbox)
    query = link_in(msg, "/session/activate")
    uid, sign = query["id"], query["sign"]
    digest, expires = sign.rsplit(":", 1)

    assert activate(mail_api, uid, None)["code"] == 403
    assert activate(mail_api, uid, "")["code"] == 403
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert activate(mail_api, uid, f"{flipped}:{expires}")["code"] == 40071
    assert activate(mail_api, uid, f"{digest}:{int(expires) + 1}")["code"] == 40071

    # A valid signature for another user's activation path does not activate this one.
    _, other_msg = pending_user(mail_api, mailbox)
    other = link_in(other_msg, "/session/activate")
    assert activate(mail_api, uid, other["sign"])["code"] == 40071

    key = setting(mail_server, "secret_key")
    expired = sign_url(key, f"/api/v4/user/activate/{uid}", int(time.time()) - 60)
    assert activate(mail_api, uid, expired)["code"] == 40005

    missing = user_hash(mail_server, 10_000_000)
    signed = sign_url(key, f"/api/v4/user/activate/{missing}", int(time.time()) + 600)
    assert activate(mail_api, missing, signed)["code"] == 40021

    assert sign_in_code(mail_api, email, "password123") == 40018
    assert activate(mail_api, uid, sign)["code"] == 0
    mail_api.sign_in(email)


def test_sign_up_again_while_inactive_resends_mail(mail_api: Api, mailbox: Mailbox) -> None:
    email, first = pending_user(mail_api, mailbox)
    first_query = link_in(first, "/session/activate")

    result = mail_api.post("/user", {"email": email.upper(), "password": "different-password"})
    assert result["code"] == 40033, result
    assert "data" not in result
    second_query = link_in(mailbox.wait_for(email), "/session/activate")
    assert second_query["id"] == first_query["id"]

    assert activate(mail_api, second_query["id"], second_query["sign"])["code"] == 0
    mail_api.sign_in(email, "password123")
    assert sign_in_code(mail_api, email, "different-password") == 40080

    # Once active, the same email is simply taken.
    assert mail_api.post("/user", {"email": email, "password": "password123"})["code"] == 40032
    assert_no_mail(mailbox, email)


def _template_title(server: Server, key: str, language: str) -> str:
    templates = json.loads(setting(server, key))
    return next(str(t["title"]) for t in templates if t["language"].lower() == language.lower())


def test_activation_mail_uses_the_users_language(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    templates = json.loads(setting(mail_server, "mail_activation_template"))
    zh_title = _template_title(mail_server, "mail_activation_template", "zh-CN")
    en_title = _template_title(mail_server, "mail_activation_template", "en-US")
    assert re.search(r"[\u4e00-\u9fff]", zh_title)
    assert zh_title != en_title

    _, msg = pending_user(mail_api, mailbox, "zh-CN")
    assert subject(msg) == f"[{SITE_NAME}] {zh_title}"
    assert re.search(r"[\u4e00-\u9fff]", Mailbox.html(msg))
    assert link_in(msg, "/session/activate")

    _, msg = pending_user(mail_api, mailbox, "ZH-cn")
    assert subject(msg) == f"[{SITE_NAME}] {zh_title}"

    _, msg = pending_user(mail_api, mailbox, "en-US")
    assert subject(msg) == f"[{SITE_NAME}] {en_title}"

    # Unknown or absent language: the first template.
    _, msg = pending_user(mail_api, mailbox, "xx-YY")
    assert subject(msg) == f"[{SITE_NAME}] {templates[0]['title']}"
    _, msg = pending_user(mail_api, mailbox)
    assert subject(msg) == f"[{SITE_NAME}] {templates[0]['title']}"


# --- password reset ---------------------------------------------------------------------------------

def reset_link(api: Api, mailbox: Mailbox, email: str) -> dict[str, str]:
    result = api.post("/user/reset", {"email": email})
    assert result == {"code": 0, "msg": ""}
    query = link_in(mailbox.wait_for(email), "/session/reset")
    assert set(query) == {"id", "secret"}
    assert re.fullmatch(r"[0-9A-Za-z]{32}", query["secret"])
    return query


def test_reset_password_flow(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    email = active_user(mail_api, mailbox)
    login = mail_api.sign_in(email)
    old_refresh = login["token"]["refresh_token"]

    query = reset_link(mail_api, mailbox, email.upper())
    assert query["id"] == login["user"]["id"]

    wrong = mail_api.patch(f"/user/reset/{query['id']}", {"password": "new-password", "secret": "x" * 32})
    assert wrong["code"] == 40030, wrong
    too_short = mail_api.patch(f"/user/reset/{query['id']}", {"password": "12345", "secret": query["secret"]})
    assert too_short["code"] == 40001, too_short
    assert mail_api.patch(f"/user/reset/{query['id']}", {"password": "new-password"})["code"] == 40001
    mail_api.sign_in(email, "password123")

    done = mail_api.patch(f"/user/reset/{query['id']}", {"password": "new-password", "secret": query["secret"]})
    assert done["code"] == 0, done
    assert done["data"]["id"] == query["id"]
    assert done["data"]["email"] == email
    assert "group" not in done["data"]

    assert sign_in_code(mail_api, email, "password123") == 40080
    fresh = mail_api.sign_in(email, "new-password")
    assert mail_api.post("/session/token/refresh", {"refresh_token": old_refresh})["code"] == 40020
    assert mail_api.post("/session/token/refresh",
                         {"refresh_token": fresh["token"]["refresh_token"]})["code"] == 0

    again = mail_api.patch(f"/user/reset/{query['id']}", {"password": "third-password", "secret": query["secret"]})
    assert again["code"] == 40030, again
    mail_api.sign_in(email, "new-password")
    assert sign_in_code(mail_api, email, "third-password") == 40080


def test_reset_newer_mail_replaces_older_secret(mail_api: Api, mailbox: Mailbox) -> None:
    email = active_user(mail_api, mailbox)
    first = reset_link(mail_api, mailbox, email)
    second = reset_link(mail_api, mailbox, email)
    assert first["id"] == second["id"] and first["secret"] != second["secret"]
    old = mail_api.patch(f"/user/reset/{first['id']}", {"password": "new-password", "secret": first["secret"]})
    assert old["code"] == 40030
    mail_api.sign_in(email, "password123")
    new = mail_api.patch(f"/user/reset/{second['id']}", {"password": "new-password", "secret": second["secret"]})
    assert new["code"] == 0
    mail_api.sign_in(email, "new-password")


def test_reset_secret_belongs_to_its_user(mail_api: Api, mailbox: Mailbox) -> None:
    victim = active_user(mail_api, mailbox)
    attacker = active_user(mail_api, mailbox)
    victim_id = mail_api.sign_in(victim)["user"]["id"]
    query = reset_link(mail_api, mailbox, attacker)
    result = mail_api.patch(f"/user/reset/{victim_id}", {"password": "taken-over", "secret": query["secret"]})
    assert result["code"] == 40030
    mail_api.sign_in(victim, "password123")


def test_reset_mail_refusals(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    unknown = unique_email("nobody")
    assert mail_api.post("/user/reset", {"email": unknown})["code"] == 40021
    assert mail_api.post("/user/reset", {"email": "not-an-email"})["code"] == 40001
    assert mail_api.post("/user/reset", {})["code"] == 40001

    inactive, _ = pending_user(mail_api, mailbox)
    assert mail_api.post("/user/reset", {"email": inactive})["code"] == 40018
    assert_no_mail(mailbox, inactive)

    for status in ("manual_banned", "sys_banned"):
        banned = active_user(mail_api, mailbox)
        set_status(mail_server, banned, status)
        assert mail_api.post("/user/reset", {"email": banned})["code"] == 40017
        assert_no_mail(mailbox, banned)
    assert_no_mail(mailbox, unknown)


def test_reset_refused_when_user_is_no_longer_active(mail_api: Api, mail_server: Server,
                                                     mailbox: Mailbox) -> None:
    email = active_user(mail_api, mailbox)
    query = reset_link(mail_api, mailbox, email)
    set_status(mail_server, email, "manual_banned")
    result = mail_api.patch(f"/user/reset/{query['id']}", {"password": "new-password", "secret": query["secret"]})
    assert result["code"] == 40021, result
    set_status(mail_server, email, "active")
    mail_api.sign_in(email, "password123")
    assert sign_in_code(mail_api, email, "new-password") == 40080


def test_reset_with_malformed_id(mail_api: Api) -> None:
    assert mail_api.patch("/user/reset/not-an-id", {"password": "new-password", "secret": "s"})["code"] == 40001


def test_reset_mail_uses_the_users_language(mail_api: Api, mail_server: Server, mailbox: Mailbox) -> None:
    email, msg = pending_user(mail_api, mailbox, "zh-CN")
    query = link_in(msg, "/session/activate")
    assert activate(mail_api, query["id"], query["sign"])["code"] == 0
    assert mail_api.post("/user/reset", {"email": email, "language": "en-US"})["code"] == 0
    zh_title = _template_title(mail_server, "mail_reset_template", "zh-CN")
    assert re.search(r"[\u4e00-\u9fff]", zh_title)
    assert subject(mailbox.wait_for(email)) == f"[{SITE_NAME}] {zh_title}"
