"""Passkeys over the API: registration, username-less sign-in, deletion, and what forged or replayed
ceremonies get (spec: user.md "Passkey registration", session.md "/session/authn").

`SoftAuthenticator` plays the browser and the authenticator: a P-256 key pair, "none" attestation,
client data with the origin it is told. The web UI's flow with Chromium's own authenticator is in
tests/e2e/ui/test_passkeys.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import Api, Server
from tests.e2e.helpers import UUID_RE, parse_time, update_user

ORIGIN = "http://localhost:5212"  # the default site URL
FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One discoverable credential, made and used the way a platform authenticator does."""

    origin: str = ORIGIN
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    user_handle: bytes = b""
    sign_count: int = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict[str, Any]) -> str:
        """The attestation for PUT /user/authn's options, as the JSON text POST /user/authn takes."""
        public_key = options["publicKey"]
        self.user_handle = from_b64url(public_key["user"]["id"])
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        attested = (b"\0" * 16 + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose_key())
        auth_data = (hashlib.sha256(public_key["rp"]["id"].encode()).digest()
                     + bytes([FLAG_UP | FLAG_UV | FLAG_AT]) + struct.pack(">I", self.sign_count) + attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                                        "transports": ["internal"]}})

    def get(self, options: dict[str, Any], rp_id: str | None = None) -> str:
        """The assertion for PUT /session/authn's options, as the JSON text POST /session/authn takes."""
        public_key = options["publicKey"]
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", public_key["challenge"])
        auth_data = (hashlib.sha256((rp_id or public_key["rpId"]).encode()).digest()
                     + bytes([FLAG_UP | FLAG_UV]) + struct.pack(">I", self.sign_count))
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                           "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                                        "signature": b64url(signature), "userHandle": b64url(self.user_handle)}})

    @property
    def passkey_id(self) -> str:
        return base64.b64encode(self.credential_id).decode()


def register(api: Api, token: str, authenticator: SoftAuthenticator, name: str = "{browser} on {os}") -> dict[str, Any]:
    options = api.put("/user/authn", token=token)
    assert options["code"] == 0, options
    ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
    return api.post("/user/authn", {"response": authenticator.create(options["data"]), "name": name, "ua": ua}, token)


def begin_sign_in(api: Api) -> dict[str, Any]:
    started = api.put("/session/authn")
    assert started["code"] == 0, started
    return started["data"]  # type: ignore[no-any-return]


def sign_in_with(api: Api, authenticator: SoftAuthenticator, **kw: Any) -> dict[str, Any]:
    started = begin_sign_in(api)
    return api.post("/session/authn", {"session_id": started["session_id"],
                                       "response": authenticator.get(started["options"], **kw)})


def test_register_then_sign_in_without_email_or_password(api: Api) -> None:
    email, token = api.new_user()
    key = SoftAuthenticator()
    made = register(api, token, key)
    assert made["code"] == 0, made
    assert made["data"]["id"] == key.passkey_id and made["data"]["name"] == "Chrome on Linux"
    assert "used_at" not in made["data"]
    assert api.get("/session/prepare", params={"email": email})["data"]["webauthn_enabled"] is True

    signed_in = sign_in_with(api, key)
    assert signed_in["code"] == 0, signed_in
    assert signed_in["data"]["user"]["email"] == email
    assert api.get("/user/me", signed_in["data"]["token"]["access_token"])["data"]["email"] == email
    listed = api.get("/user/setting", token)["data"]["passkeys"]
    assert [p["id"] for p in listed] == [key.passkey_id]
    assert parse_time(listed[0]["used_at"]) >= parse_time(listed[0]["created_at"])


def test_the_reference_web_clients_request_shapes_are_accepted(api: Api) -> None:
    """Cloudreve's web client sends registrations without transports and assertions with an empty
    attestationObject, and no clientExtensionResults."""
    email, token = api.new_user()
    key = SoftAuthenticator()
    options = api.put("/user/authn", token=token)["data"]
    attestation = json.loads(key.create(options))
    del attestation["response"]["transports"]
    made = api.post("/user/authn", {"response": json.dumps(attestation), "name": "Passkey", "ua": ""}, token)
    assert made["code"] == 0, made
    started = begin_sign_in(api)
    assertion = json.loads(key.get(started["options"]))
    assertion["response"]["attestationObject"] = ""
    signed_in = api.post("/session/authn", {"session_id": started["session_id"], "response": json.dumps(assertion)})
    assert signed_in["code"] == 0 and signed_in["data"]["user"]["email"] == email


def test_options_follow_the_spec(api: Api) -> None:
    email, token = api.new_user()
    registration = api.put("/user/authn", token=token)["data"]["publicKey"]
    me = api.get("/user/me", token)["data"]
    assert registration["rp"]["id"] == "localhost"
    assert from_b64url(registration["user"]["id"]).decode() == me["id"]
    assert registration["user"]["name"] == email
    assert registration["authenticatorSelection"]["residentKey"] == "required"
    assert {p["alg"] for p in registration["pubKeyCredParams"]} >= {-7, -257}
    assert len(from_b64url(registration["challenge"])) >= 16

    started = begin_sign_in(api)
    assert UUID_RE.match(started["session_id"])
    request = started["options"]["publicKey"]
    assert request["rpId"] == "localhost" and request["timeout"] > 0
    assert "allowCredentials" not in request or request["allowCredentials"] == []


def test_a_registered_passkey_is_excluded_from_the_next_registration(api: Api) -> None:
    _, token = api.new_user()
    key = SoftAuthenticator()
    assert register(api, token, key)["code"] == 0
    excluded = api.put("/user/authn", token=token)["data"]["publicKey"]["excludeCredentials"]
    assert [from_b64url(c["id"]) for c in excluded] == [key.credential_id]


def test_registration_needs_its_prepared_ceremony_and_a_valid_attestation(api: Api) -> None:
    _, token = api.new_user()
    key = SoftAuthenticator()
    options = api.put("/user/authn", token=token)["data"]
    response = key.create(options)
    body = {"response": response, "name": "laptop", "ua": ""}

    assert api.post("/user/authn", {**body, "response": "{not json"}, token)["code"] == 40001
    # The ceremony is used once, even by a malformed attempt.
    assert api.post("/user/authn", body, token)["code"] == 404

    options = api.put("/user/authn", token=token)["data"]
    assert api.post("/user/authn", {**body, "response": SoftAuthenticator(origin="https://evil.example").create(options)},
                    token)["code"] == 40025
    options = api.put("/user/authn", token=token)["data"]
    stale = json.loads(key.create(options))
    stale["response"]["clientDataJSON"] = b64url(key._client_data("webauthn.create", b64url(b"another challenge")))
    assert api.post("/user/authn", {**body, "response": json.dumps(stale)}, token)["code"] == 40025
    assert api.get("/user/setting", token)["data"].get("passkeys") is None
    assert api.post("/user/authn", body)["code"] == 401


def test_sign_in_refuses_forged_replayed_and_foreign_assertions(api: Api) -> None:
    _, token = api.new_user()
    key = SoftAuthenticator()
    assert register(api, token, key)["code"] == 0

    unknown = {"session_id": "no-such-session", "response": key.get(begin_sign_in(api)["options"])}
    assert api.post("/session/authn", unknown)["code"] == 404
    started = begin_sign_in(api)
    replayed = {"session_id": started["session_id"], "response": key.get(started["options"])}
    assert api.post("/session/authn", replayed)["code"] == 0
    assert api.post("/session/authn", replayed)["code"] == 404  # a session is single-use

    impostor = SoftAuthenticator(credential_id=key.credential_id, user_handle=key.user_handle)
    assert sign_in_with(api, impostor)["code"] == 40025  # the right id, the wrong key
    assert sign_in_with(api, SoftAuthenticator(origin="https://evil.example", key=key.key,
                                               credential_id=key.credential_id, user_handle=key.user_handle)
                        )["code"] == 40025
    assert sign_in_with(api, key, rp_id="evil.example")["code"] == 40025
    stranger = SoftAuthenticator(user_handle=b"not-a-user")
    assert sign_in_with(api, stranger)["code"] == 40025
    started = begin_sign_in(api)
    assert api.post("/session/authn", {"session_id": started["session_id"], "response": "[]"})["code"] == 40001

    key.sign_count = 0  # a cloned authenticator: its counter goes backwards
    assert sign_in_with(api, key)["code"] == 40025


def test_a_blocked_account_cannot_sign_in_with_its_passkey(api: Api, server: Server) -> None:
    email, token = api.new_user()
    key = SoftAuthenticator()
    assert register(api, token, key)["code"] == 0
    update_user(server, email, status="manual_banned")
    assert sign_in_with(api, key)["code"] == 40017
    update_user(server, email, status="active")
    assert sign_in_with(api, key)["code"] == 0


def test_another_users_passkey_cannot_be_deleted_and_deleting_ends_its_sign_in(api: Api) -> None:
    _, owner = api.new_user()
    _, other = api.new_user()
    key = SoftAuthenticator()
    assert register(api, owner, key)["code"] == 0
    assert api.delete("/user/authn", token=other, params={"id": key.passkey_id})["code"] == 404
    assert sign_in_with(api, key)["code"] == 0
    assert api.delete("/user/authn", token=owner, params={"id": key.passkey_id})["code"] == 0
    assert api.delete("/user/authn", token=owner, params={"id": key.passkey_id})["code"] == 404
    assert sign_in_with(api, key)["code"] == 40025
    assert api.get("/user/setting", owner)["data"].get("passkeys") is None


def test_the_relying_party_is_the_site_url_the_request_came_through(server_factory: Any) -> None:
    server: Server = server_factory({"siteURL": "https://files.example.com,https://drive.example.org:8443"})
    assert server.api.call("PUT", "/session/authn", headers={"Host": "drive.example.org:8443"}
                           )["data"]["options"]["publicKey"]["rpId"] == "drive.example.org"
    assert server.api.put("/session/authn")["data"]["options"]["publicKey"]["rpId"] == "files.example.com"


@pytest.mark.parametrize("method,path", [
    ("PUT", "/session/authn"), ("POST", "/session/authn"),
    ("PUT", "/user/authn"), ("POST", "/user/authn"), ("DELETE", "/user/authn?id=x"),
])
def test_switched_off_passkeys_answer_40019(server_factory: Any, method: str, path: str) -> None:
    server: Server = server_factory({"authn_enabled": "0"})
    _, token = server.api.new_user()
    body = {"session_id": "x", "response": "{}", "name": "n", "ua": ""}
    result = server.api.call(method, path, token if path.startswith("/user") else None, json=body)
    assert result["code"] == 40019 and result["msg"]
    assert server.api.get("/site/config/login")["data"].get("authn") is not True


@pytest.mark.external
@pytest.mark.parametrize("kind", [pytest.param("postgres", id="postgres"), pytest.param("mysql", id="mariadb")])
def test_passkeys_on_postgresql_and_mariadb(kind: str, database_env: Any, server_factory: Any) -> None:
    server: Server = server_factory(env=database_env(kind), fresh=True)
    try:
        api = server.api
        _, token = api.new_user()
        key = SoftAuthenticator()
        assert register(api, token, key)["code"] == 0
        for _ in range(2):  # the sign count is stored and must keep increasing
            assert sign_in_with(api, key)["code"] == 0
        key.sign_count = 1
        assert sign_in_with(api, key)["code"] == 40025
        assert api.delete("/user/authn", token=token, params={"id": key.passkey_id})["code"] == 0
        assert api.get("/user/setting", token)["data"].get("passkeys") is None
    finally:
        server.stop()
