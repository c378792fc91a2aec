"""Site group end to end: ping, captcha, public configuration sections, PWA manifest (spec: site.md)."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import httpx
import pytest
from PIL import Image

from pyreve.kit.hashid import IdType
from tests.conftest import Api, Server
from tests.e2e.helpers import group_hash, hash_ids, kv_value, setting

# A server with sign-in captcha on; two workers, so captcha answers live in the database KV store.
CAPTCHA_SETTINGS = {"login_captcha": "1", "captcha_width": "200", "captcha_height": "50",
                    "file_viewers": "{not json"}
VIEWERS_WITH_WOPI: list[dict[str, list[dict[str, Any]]]] = [{"viewers": [
    {"id": "office", "type": "wopi", "display_name": "Office Online", "exts": ["docx", "xlsx"],
     "icon": "/office.svg", "max_size": 1024,
     "wopi_actions": {"docx": {"view": "https://wopi.example/view", "edit": "https://wopi.example/edit"}}},
    {"id": "pdf", "type": "builtin", "display_name": "fileManager.pdfViewer", "exts": ["pdf"]},
]}]
CUSTOM_SETTINGS = {
    "siteName": "Test Drive", "show_app_promotion": "0", "register_enabled": "0", "reg_captcha": "1",
    "forget_captcha": "1", "tos_url": "", "captcha_turnstile_site_key": "turnstile-site-key",
    "pwa_display": "fullscreen", "pwa_theme_color": "#123456", "map_provider": "google",
    "file_viewers": json.dumps(VIEWERS_WITH_WOPI),
}


@pytest.fixture(scope="module")
def captcha_server(server_factory: Any) -> Server:
    return server_factory(CAPTCHA_SETTINGS, workers=2)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def custom_server(server_factory: Any) -> Server:
    return server_factory(CUSTOM_SETTINGS)  # type: ignore[no-any-return]


def config(api: Api, section: str, token: str | None = None) -> dict[str, Any]:
    result = api.get(f"/site/config/{section}", token)
    assert result["code"] == 0, result
    assert result["msg"] == ""
    return result["data"]  # type: ignore[no-any-return]


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


# --- ping -------------------------------------------------------------------------------------

def test_ping_answers_a_semantic_version(api: Api) -> None:
    result = api.get("/site/ping")
    assert set(result) == {"code", "data", "msg"}
    assert result["code"] == 0 and result["msg"] == ""
    assert re.fullmatch(r"4\.\d+\.\d+(-pro)?", result["data"]), result["data"]


# --- captcha ----------------------------------------------------------------------------------

def _captcha(api: Api) -> tuple[Image.Image, str]:
    result = api.get("/site/captcha")
    assert result["code"] == 0, result
    assert set(result["data"]) == {"image", "ticket"}
    prefix = "data:image/png;base64,"
    assert result["data"]["image"].startswith(prefix)
    raw = base64.b64decode(result["data"]["image"][len(prefix):], validate=True)
    assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(raw))
    image.load()
    assert image.format == "PNG"
    return image, result["data"]["ticket"]


def test_captcha_is_a_png_of_the_default_size(api: Api) -> None:
    image, ticket = _captcha(api)
    assert image.size == (240, 60)
    _, other = _captcha(api)
    assert ticket and other != ticket


def test_captcha_uses_the_configured_size(captcha_server: Server) -> None:
    image, _ = _captcha(captcha_server.api)
    assert image.size == (200, 50)


def test_sign_in_captcha_refuses_a_wrong_or_missing_answer(captcha_server: Server) -> None:
    api = captcha_server.api
    email, password = api.sign_up()
    assert config(api, "login")["login_captcha"] is True

    refused = api.post("/session/token", {"email": email, "password": password})
    assert refused["code"] == 40026 and refused["msg"]
    assert "data" not in refused

    _, ticket = _captcha(api)
    answer = kv_value(captcha_server, f"captcha_{ticket}")
    assert answer
    refused = api.post("/session/token", {"email": email, "password": password, "ticket": ticket})
    assert refused["code"] == 40026
    refused = api.post("/session/token", {"email": email, "password": password,
                                          "captcha": answer, "ticket": "not-a-ticket"})
    assert refused["code"] == 40026

    # A wrong answer uses the ticket up: the right answer afterwards fails too.
    _, ticket = _captcha(api)
    answer = kv_value(captcha_server, f"captcha_{ticket}")
    assert answer
    wrong = answer + "x"
    refused = api.post("/session/token", {"email": email, "password": password, "captcha": wrong, "ticket": ticket})
    assert refused["code"] == 40026
    assert kv_value(captcha_server, f"captcha_{ticket}") is None
    refused = api.post("/session/token", {"email": email, "password": password, "captcha": answer, "ticket": ticket})
    assert refused["code"] == 40026


def test_sign_in_captcha_ticket_is_single_use(captcha_server: Server) -> None:
    api = captcha_server.api
    email, password = api.sign_up()
    _, ticket = _captcha(api)
    answer = kv_value(captcha_server, f"captcha_{ticket}")
    assert answer
    # Compared without regard to case.
    body = {"email": email, "password": password, "captcha": answer.swapcase(), "ticket": ticket}
    signed_in = api.post("/session/token", body)
    assert signed_in["code"] == 0, signed_in
    assert signed_in["data"]["user"]["email"] == email
    replay = api.post("/session/token", body)
    assert replay["code"] == 40026
    assert "data" not in replay


def test_captcha_is_checked_before_the_body(captcha_server: Server) -> None:
    api = captcha_server.api
    # Nothing else in the body is valid: the captcha answers first.
    assert api.post("/session/token", {"email": "not-an-email"})["code"] == 40026
    unparsable = api.client.post("/api/v4/session/token", content=b"{nope",
                                 headers={"content-type": "application/json"})
    assert unparsable.json()["code"] == 40026


def test_captcha_is_only_asked_on_the_forms_that_are_switched_on(captcha_server: Server) -> None:
    api = captcha_server.api
    # Sign-up has its own switch, off here.
    email, _ = api.sign_up()
    assert api.post("/user/reset", {"email": email})["code"] == 0


# --- config: basic ----------------------------------------------------------------------------

def test_basic_config_for_an_anonymous_caller(api: Api, server: Server) -> None:
    data = config(api, "basic")
    assert data["instance_id"] == setting(server, "siteID")
    assert data["title"] == setting(server, "siteName")
    assert data["default_theme"] == setting(server, "defaultTheme")
    themes = json.loads(data["themes"])
    assert data["default_theme"] in themes
    assert data["logo"] == "/static/img/logo.svg"
    assert data["logo_light"] == "/static/img/logo_light.svg"
    assert data["captcha_type"] == "normal"
    assert data["captcha_ReCaptchaKey"] == setting(server, "captcha_ReCaptchaKey")
    assert data["app_promotion"] is True
    # Empty settings are omitted, not sent as "".
    for empty in ("turnstile_site_id", "captcha_cap_instance_url", "captcha_cap_key_id"):
        assert empty not in data

    user = data["user"]
    assert user["id"] == hash_ids(server).encode(0, IdType.USER)
    assert user["anonymous"] is True
    assert user["nickname"] == ""
    assert user["created_at"] == "0001-01-01T00:00:00Z"
    assert user["group"] == {"id": group_hash(server, 3), "name": "Anonymous", "permission": "gg=="}
    for absent in ("email", "status", "avatar", "preferred_theme"):
        assert absent not in user


def test_basic_config_for_a_signed_in_caller(api: Api, server: Server) -> None:
    email, token = api.new_user()
    anonymous = config(api, "basic")
    data = config(api, "basic", token)
    user = data["user"]
    assert user["email"] == email
    assert user["status"] == "active"
    assert "anonymous" not in user
    assert user["id"] != anonymous["user"]["id"]
    assert user["group"]["id"] in (group_hash(server, 1), group_hash(server, 2))
    assert user["group"]["permission"]
    # Everything but the caller is the same as for an anonymous caller.
    assert {k: v for k, v in data.items() if k != "user"} == {k: v for k, v in anonymous.items() if k != "user"}


@pytest.mark.parametrize("section", ["vas", "no-such-section", "BASIC"])
def test_unknown_sections_answer_the_basic_payload(api: Api, section: str) -> None:
    assert config(api, section) == config(api, "basic")


def test_basic_config_omits_false_and_empty_values(custom_server: Server) -> None:
    data = config(custom_server.api, "basic")
    assert data["title"] == "Test Drive"
    assert data["turnstile_site_id"] == "turnstile-site-key"
    assert "app_promotion" not in data
    assert None not in data.values()


# --- config: other sections -------------------------------------------------------------------

def test_login_config_defaults(api: Api) -> None:
    data = config(api, "login")
    assert data["register_enabled"] is True
    assert data["tos_url"] == "https://cloudreve.org/privacy-policy"
    assert data["privacy_policy_url"] == "https://cloudreve.org/privacy-policy"
    for off in ("login_captcha", "reg_captcha", "forget_captcha"):
        assert off not in data
    # Passkeys are only advertised when their routes work.
    if data.get("authn"):
        assert api.put("/session/authn")["code"] == 0
    else:
        assert api.put("/session/authn")["code"] == 40019


def test_login_config_follows_the_settings(custom_server: Server) -> None:
    data = config(custom_server.api, "login")
    assert data["reg_captcha"] is True and data["forget_captcha"] is True
    for off in ("login_captcha", "register_enabled", "tos_url"):
        assert off not in data
    assert data["privacy_policy_url"] == "https://cloudreve.org/privacy-policy"
    assert None not in data.values() and False not in data.values()


def test_explorer_config_defaults(api: Api, server: Server) -> None:
    data = config(api, "explorer")
    assert data["max_batch_size"] == 3000
    assert data["thumbnail_width"] == 400 and data["thumbnail_height"] == 300
    assert data["map_provider"] == "openstreetmap"
    assert data["google_map_tile_type"] == "regular"
    assert isinstance(json.loads(data["icons"]), list)
    assert data["icons"] == setting(server, "explorer_icons")
    groups = data["file_viewers"]
    assert isinstance(groups, list) and groups
    ids = {viewer["id"] for group in groups for viewer in group["viewers"]}
    assert {"pdf", "image", "video", "markdown"} <= ids
    for group in groups:
        for viewer in group["viewers"]:
            assert viewer["type"] in ("builtin", "wopi", "custom")
            assert isinstance(viewer["exts"], list) and viewer["display_name"]
    assert "wopi_actions" not in keys_anywhere(data)


def test_explorer_config_strips_wopi_actions(custom_server: Server) -> None:
    data = config(custom_server.api, "explorer")
    assert data["map_provider"] == "google"
    viewers = data["file_viewers"][0]["viewers"]
    assert "wopi_actions" not in keys_anywhere(data)
    expected = [{k: v for k, v in viewer.items() if k != "wopi_actions"} for viewer in VIEWERS_WITH_WOPI[0]["viewers"]]
    assert viewers == expected


def test_explorer_config_omits_unparsable_viewers(captcha_server: Server) -> None:
    data = config(captcha_server.api, "explorer")
    assert "file_viewers" not in data
    assert data["max_batch_size"] == 3000


def test_emojis_config(api: Api, server: Server) -> None:
    data = config(api, "emojis")
    assert set(data) == {"emoji_preset"}
    assert data["emoji_preset"] == setting(server, "emojis")
    presets = json.loads(data["emoji_preset"])
    assert isinstance(presets, dict) and presets


def test_app_config(api: Api, custom_server: Server) -> None:
    assert config(api, "app") == {"app_promotion": True, "desktop_app_promotion": True}
    assert config(custom_server.api, "app") == {"desktop_app_promotion": True}


# --- headers and manifest ---------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v4/site/ping"), ("GET", "/api/v4/site/config/basic"), ("GET", "/api/v4/site/captcha"),
    ("GET", "/api/v4/user/me"), ("GET", "/api/v4/no/such/route"), ("POST", "/api/v4/session/token"),
    ("GET", "/api/v4/session/prepare?email=bad"),
])
def test_api_responses_are_private_and_uncached(server: Server, method: str, path: str) -> None:
    response = httpx.request(method, server.base + path, json={} if method == "POST" else None)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json()["code"], int)


def test_manifest(server: Server) -> None:
    response = httpx.get(server.base + "/manifest.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, no-cache"
    body = response.json()
    assert "code" not in body
    assert body == {
        "short_name": "Cloudreve", "name": "Cloudreve",
        "icons": [
            {"src": "/static/img/favicon.ico", "sizes": "64x64 32x32 24x24 16x16", "type": "image/x-icon"},
            {"src": "/static/img/logo192.png", "type": "image/png", "sizes": "192x192"},
            {"src": "/static/img/logo512.png", "type": "image/png", "sizes": "512x512"},
        ],
        "start_url": ".", "display": "standalone", "theme_color": "#000000", "background_color": "#ffffff",
    }


def test_manifest_follows_the_settings(custom_server: Server) -> None:
    body = httpx.get(custom_server.base + "/manifest.json").json()
    assert body["name"] == body["short_name"] == "Test Drive"
    assert body["display"] == "fullscreen"
    assert body["theme_color"] == "#123456"
