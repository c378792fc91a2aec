"""Real responses validate against the OpenAPI document the server publishes (so the two cannot drift)."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pyotp
import pytest
from referencing import Registry, Resource

from tests.conftest import Api, Server


@pytest.fixture(scope="module")
def openapi(server: Server) -> dict[str, Any]:
    document = httpx.get(server.base + "/api/v4/openapi.json").json()
    assert document["openapi"].startswith("3.")
    return document  # type: ignore[no-any-return]


def check(document: dict[str, Any], method: str, template: str, payload: Any) -> None:
    operation = document["paths"]["/api/v4" + template][method]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.opaque(document))
    resolved = {"$ref": "urn:openapi#" + schema["$ref"][1:]} if "$ref" in schema else schema
    jsonschema.Draft202012Validator(resolved, registry=registry).validate(payload)


def test_every_documented_route_has_no_422_and_documents_its_envelope(openapi: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
            if path.startswith("/api/v4/") and method != "delete" or path.endswith("/token"):
                assert "200" in operation["responses"], (method, path)


def test_responses_match_the_document(api: Api, openapi: dict[str, Any]) -> None:
    check(openapi, "get", "/site/ping", api.get("/site/ping"))
    check(openapi, "get", "/site/captcha", api.get("/site/captcha"))
    for section in ("basic", "login", "explorer", "emojis", "app"):
        check(openapi, "get", "/site/config/{section}", api.get(f"/site/config/{section}"))

    email, password = api.sign_up()
    login = api.post("/session/token", {"email": email, "password": password})
    check(openapi, "post", "/session/token", login)
    token = login["data"]["token"]["access_token"]
    check(openapi, "get", "/site/config/{section}", api.get("/site/config/basic", token))
    check(openapi, "get", "/session/prepare", api.get("/session/prepare", params={"email": email}))
    check(openapi, "post", "/session/token/refresh",
          api.post("/session/token/refresh", {"refresh_token": login["data"]["token"]["refresh_token"]}))

    user_id = login["data"]["user"]["id"]
    for template, path in [("/user/me", "/user/me"), ("/user/capacity", "/user/capacity"),
                           ("/user/setting", "/user/setting"), ("/user/setting/2fa", "/user/setting/2fa"),
                           ("/user/setting/policies", "/user/setting/policies"),
                           ("/user/setting/nodes", "/user/setting/nodes"), ("/group/list", "/group/list"),
                           ("/user/info/{user_id}", f"/user/info/{user_id}")]:
        check(openapi, "get", template, api.get(path, token))
    check(openapi, "get", "/user/search", api.get("/user/search", token, params={"keyword": email[:6]}))
    for template in ("/user/creditChanges", "/user/payments"):
        check(openapi, "get", template, api.get(template, token, params={"page_size": 10}))
    check(openapi, "get", "/user/shares/{user_id}",
          api.get(f"/user/shares/{user_id}", token, params={"page_size": 10}))

    secret = api.get("/user/setting/2fa", token)["data"]
    assert api.patch("/user/setting", {"two_fa_enabled": True, "two_fa_code": pyotp.TOTP(secret).now()},
                     token)["code"] == 0
    pending = api.post("/session/token", {"email": email, "password": password})
    assert pending["code"] == 203
    check(openapi, "post", "/session/token", pending)


def test_manifest_matches_the_document(server: Server, openapi: dict[str, Any]) -> None:
    response = httpx.get(server.base + "/manifest.json")
    schema = openapi["paths"]["/manifest.json"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:openapi", Resource.opaque(openapi))
    jsonschema.Draft202012Validator({"$ref": "urn:openapi#" + schema["$ref"][1:]}, registry=registry).validate(
        response.json())
