"""Failed password guesses are held back per (account or share, address) and per address, with delays
that double; successes never count (services/ratelimit.py, docs/settings.md "Rate limits").

Every client below comes from an address of its own (X-Forwarded-For, trusted from loopback). The
servers run two workers, so the counters live in the database KV store as they do for users.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.conftest import Server, unique_email
from tests.e2e.dav_helpers import DAV_GROUP, DavClient, dav_server
from tests.e2e.helpers import kv_value
from tests.e2e.test_session import _enable_two_factor, _unused_code, _wrong_code
from tests.e2e.test_share import Owner, Visitor, random_ip

WRONG_CREDENTIALS = 40080
WRONG_SHARE_PASSWORD = 40069
# "<free failures>/<seconds>/<first delay>": a long first delay where a test checks that a key is
# refused, a short one where it waits for the delays to pass.
HELD = {"login_rate_account": "3/120/60", "login_rate_ip": "8/120/60"}
SHORT = {"login_rate_account": "2/60/1", "login_rate_ip": "5/60/1"}


def sign_in(server: Server, ip: str, email: str, password: str = "password123", **extra: Any) -> httpx.Response:
    return server.api.client.post("/api/v4/session/token", json={"email": email, "password": password, **extra},
                                  headers={"x-forwarded-for": ip})


def code(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["code"])


def refused(response: httpx.Response) -> int:
    """The seconds a refusal asks to wait (asserting it is one)."""
    body = response.json()
    assert body["code"] == 403 and body["msg"].startswith("Too many attempts"), body
    assert "data" not in body
    return int(response.headers["retry-after"])


@pytest.fixture(scope="module")
def held(server_factory: Any) -> Server:
    return server_factory(HELD, workers=2)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def short(server_factory: Any) -> Server:
    return server_factory(SHORT, workers=2)  # type: ignore[no-any-return]


# --- password sign-in ----------------------------------------------------------------------------

def test_failures_from_other_addresses_do_not_lock_the_owner_out(held: Server) -> None:
    email, password = held.api.sign_up()
    for _ in range(5):  # attackers, each failing until held back
        attacker = random_ip()
        for _ in range(3):
            assert code(sign_in(held, attacker, email, "not-the-password")) == WRONG_CREDENTIALS
        assert refused(sign_in(held, attacker, email, password)) == 60  # the right password too
    assert code(sign_in(held, random_ip(), email, password)) == 0
    assert code(sign_in(held, random_ip(), email.upper(), password)) == 0


def test_many_devices_sign_in_from_one_address(held: Server) -> None:
    email, password = held.api.sign_up()
    office = random_ip()
    for _ in range(30):
        assert code(sign_in(held, office, email, password)) == 0
    # A success clears the failures of the account from that address: mistakes never add up.
    for _ in range(3):
        for _ in range(2):
            assert code(sign_in(held, office, email, "typo-typo")) == WRONG_CREDENTIALS
        assert code(sign_in(held, office, email, password)) == 0


def test_an_address_failing_against_many_accounts_is_held_back(held: Server) -> None:
    email, password = held.api.sign_up()
    sprayer = random_ip()
    for _ in range(8):
        assert code(sign_in(held, sprayer, unique_email(), "password123")) == WRONG_CREDENTIALS
    assert refused(sign_in(held, sprayer, email, password)) == 60  # an account it never tried
    assert code(sign_in(held, random_ip(), email, password)) == 0


def test_delays_double_and_end(short: Server) -> None:
    email, password = short.api.sign_up()
    ip = random_ip()
    assert code(sign_in(short, ip, email, "wrong-one")) == WRONG_CREDENTIALS
    assert code(sign_in(short, ip, email, "wrong-two")) == WRONG_CREDENTIALS
    assert refused(sign_in(short, ip, email, password)) == 1
    time.sleep(1.1)
    assert code(sign_in(short, ip, email, "wrong-three")) == WRONG_CREDENTIALS
    assert refused(sign_in(short, ip, email, "wrong-four")) == 2  # not counted: no password checked
    time.sleep(2.1)
    assert code(sign_in(short, ip, email, password)) == 0
    # The success cleared the account's failures from there: the next mistake is free again.
    assert code(sign_in(short, ip, email, "wrong-five")) == WRONG_CREDENTIALS
    assert code(sign_in(short, ip, email, password)) == 0


def test_an_address_held_back_is_let_in_again(short: Server) -> None:
    email, password = short.api.sign_up()
    ip = random_ip()
    for _ in range(5):
        assert code(sign_in(short, ip, unique_email(), "password123")) == WRONG_CREDENTIALS
    assert refused(sign_in(short, ip, email, password)) == 1
    time.sleep(1.1)
    assert code(sign_in(short, ip, email, password)) == 0


def test_two_factor_codes_are_held_back_and_the_password_alone_does_not_clear_them(held: Server) -> None:
    email, password = held.api.sign_up()
    totp = _enable_two_factor(held.api, email, password)
    ip = random_ip()
    for _ in range(3):
        started = sign_in(held, ip, email, password).json()
        assert started["code"] == 203
        wrong = held.api.post("/session/token/2fa", {"otp": _wrong_code(totp), "session_id": started["data"]},
                              headers={"x-forwarded-for": ip})
        assert wrong["code"] == 40022
    assert refused(sign_in(held, ip, email, password)) == 60
    # From elsewhere the owner finishes signing in.
    other = random_ip()
    started = sign_in(held, other, email, password).json()
    done = held.api.post("/session/token/2fa", {"otp": _unused_code(totp), "session_id": started["data"]},
                         headers={"x-forwarded-for": other})
    assert done["code"] == 0, done


def test_the_captcha_can_be_asked_for_after_failures_only(server_factory: Any) -> None:
    server: Server = server_factory({"login_captcha": "1", "login_captcha_failures": "2", **SHORT}, workers=2)
    email, password = server.api.sign_up()
    ip = random_ip()
    assert code(sign_in(server, ip, email, password)) == 0  # no failures: no captcha needed
    for _ in range(2):
        assert code(sign_in(server, ip, email, "not-the-password")) == WRONG_CREDENTIALS
    time.sleep(1.1)  # the second failure also held the pair back for a second
    assert code(sign_in(server, ip, email, password)) == 40026
    assert code(sign_in(server, random_ip(), email, password)) == 0  # other addresses need none
    ticket = server.api.get("/site/captcha")["data"]["ticket"]
    answer = kv_value(server, f"captcha_{ticket}")
    assert code(sign_in(server, ip, email, password, captcha=answer, ticket=ticket)) == 0
    assert code(sign_in(server, ip, email, password)) == 0  # the success cleared the failures


# --- WebDAV ----------------------------------------------------------------------------------------

def propfind(server: Server, ip: str, auth: tuple[str, str]) -> httpx.Response:
    return httpx.request("PROPFIND", server.base + "/dav/", auth=auth,
                         headers={"Depth": "0", "x-forwarded-for": ip})


def test_webdav_failures_are_held_back_per_account_and_address(server_factory: Any) -> None:
    server = dav_server(server_factory, dav_login_rate_account="2/60/1", dav_login_rate_ip="5/60/1")
    client = DavClient.new(server, DAV_GROUP)
    right, wrong = (client.email, client.password), (client.email, "z" * 32)
    attacker = random_ip()
    assert propfind(server, attacker, wrong).status_code == 401
    assert propfind(server, attacker, wrong).status_code == 401
    blocked = propfind(server, attacker, right)  # the right password too
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "1"
    # The owner's own address is not affected, and its many requests count for nothing. (From here on
    # the right password is a verified login the workers keep for a few seconds: the attacker probes
    # with wrong ones.)
    owner = random_ip()
    for _ in range(20):
        assert propfind(server, owner, right).status_code == 207
    time.sleep(1.1)
    assert propfind(server, attacker, wrong).status_code == 401
    blocked = propfind(server, attacker, wrong)
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "2"
    time.sleep(2.1)
    assert propfind(server, attacker, wrong).status_code == 401
    # An address failing against many accounts is held back as a whole.
    sprayer = random_ip()
    for _ in range(5):
        assert propfind(server, sprayer, (unique_email(), "z" * 32)).status_code == 401
    assert propfind(server, sprayer, (client.email, "y" * 32)).status_code == 429


# --- share passwords -----------------------------------------------------------------------------

def test_share_password_failures_are_held_back_per_share_and_address(server_factory: Any) -> None:
    server: Server = server_factory({"share_password_rate_share": "3/60/1", "share_password_rate_ip": "5/60/1"},
                                    workers=2)
    owner = Owner.new(server)
    owner.folder("cloudreve://my/Guarded")
    link = owner.share("cloudreve://my/Guarded", is_private=True)
    other = owner.share("cloudreve://my/Guarded", is_private=True)
    guesser = Visitor(server)
    # /file/info opens the share inside a write transaction: the failures are still counted.
    for attempt in range(3):
        info = guesser.call("GET", "/file/info", params={"uri": link.uri(password=f"guess{attempt}")})
        assert info["code"] == WRONG_SHARE_PASSWORD, info
    held_back = guesser.call("GET", "/file/info", params={"uri": link.uri()})
    assert held_back["code"] == 403 and held_back["msg"].startswith("Too many attempts")
    # Visitors from elsewhere get in, and the guesser may still open other links.
    for _ in range(10):
        assert Visitor(server).list(link.uri())["code"] == 0
    assert guesser.list(other.uri())["code"] == 0
    time.sleep(1.1)
    assert guesser.info(link.id, password="guess3")["data"]["unlocked"] is False
    assert guesser.list(link.uri())["code"] == 403
    time.sleep(2.1)
    assert guesser.list(link.uri())["code"] == 0
    # Five failures from one address, whatever the links, hold the address back.
    assert guesser.list(other.uri(password="nope"))["code"] == WRONG_SHARE_PASSWORD
    assert guesser.list(other.uri())["code"] == 403
    assert guesser.list(link.uri())["code"] == 403
    assert guesser.list(link.uri(password=""))["code"] == WRONG_SHARE_PASSWORD  # no password: no guess
