"""The newer members of /site/config/{section}: their defaults and the settings behind them (site.md)."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from tests.conftest import Api

NAV_ITEMS = [{"icon": "fluent:home-24-regular", "name": "Home page", "url": "https://example.com"},
             {"name": "No icon", "url": "/about", "ignored": 1}, "not an item"]
SETTINGS = {
    "custom_nav_items": json.dumps(NAV_ITEMS), "headless_footer_html": "<b>footer</b>",
    "sidebar_bottom_html": "<i>side</i>", "captcha_cap_site_key": "cap-site", "captcha_cap_asset_server": "unpkg",
    "fts_enabled": "1", "show_encryption_status": "0", "map_mapbox_ak": "pk.mapbox",
    "viewer_default_apps": json.dumps({"pdf": "pdf", "md": "monaco"}),
    "custom_props": json.dumps([{"id": "stars", "name": "Stars", "type": "rating", "max": 10},
                                {"id": "tag", "name": "Tag", "type": "select", "options": ["a", "b"]}]),
    "show_desktop_app_promotion": "0", "thumb_builtin_enabled": "0", "thumb_music_cover_enabled": "0",
    "thumb_ffmpeg_enabled": "1", "thumb_ffmpeg_exts": "MP4,mkv",
}
DEFAULT_PROPS = [
    {"id": "description", "name": "fileManager.description", "type": "text", "icon": "fluent:slide-text-24-filled"},
    {"id": "rating", "name": "fileManager.rating", "type": "rating", "max": 5,
     "icon": "fluent:data-bar-vertical-star-24-filled"},
]


@pytest.fixture(scope="module")
def custom(server_factory: Any) -> Api:
    return server_factory(SETTINGS).api  # type: ignore[no-any-return]


def config(api: Api, section: str) -> dict[str, Any]:
    result = api.get(f"/site/config/{section}")
    assert result["code"] == 0, result
    return result["data"]  # type: ignore[no-any-return]


def test_basic_defaults(api: Api) -> None:
    data = config(api, "basic")
    assert data["custom_html"] == {}  # always an object, as Cloudreve sends it
    assert "custom_nav_items" not in data  # an empty list is omitted
    assert data["captcha_cap_asset_server"] == "jsdelivr"
    assert "captcha_cap_site_key" not in data


def test_basic_follows_the_settings(custom: Api) -> None:
    data = config(custom, "basic")
    assert data["custom_nav_items"] == [NAV_ITEMS[0], {"icon": "", "name": "No icon", "url": "/about"}]
    assert data["custom_html"] == {"headless_footer": "<b>footer</b>", "sidebar_bottom": "<i>side</i>"}
    assert data["captcha_cap_site_key"] == "cap-site" and data["captcha_cap_asset_server"] == "unpkg"


def test_explorer_defaults(api: Api) -> None:
    data = config(api, "explorer")
    assert data["custom_props"] == DEFAULT_PROPS
    assert data["show_encryption_status"] is True
    for absent in ("full_text_search", "mapbox_ak", "default_viewer_mapping"):
        assert absent not in data


def test_explorer_follows_the_settings(custom: Api) -> None:
    data = config(custom, "explorer")
    assert data["full_text_search"] is True
    assert "show_encryption_status" not in data
    assert data["mapbox_ak"] == "pk.mapbox"
    assert data["default_viewer_mapping"] == {"pdf": "pdf", "md": "monaco"}
    assert data["custom_props"] == [{"id": "stars", "name": "Stars", "type": "rating", "max": 10},
                                    {"id": "tag", "name": "Tag", "type": "select", "options": ["a", "b"]}]


def test_thumb_section_lists_what_the_enabled_generators_render(api: Api, custom: Api) -> None:
    exts = config(api, "thumb")["thumb_exts"]
    assert exts == sorted(exts)
    assert {"jpg", "jpeg", "png", "gif", "webp", "mp3", "flac"} <= set(exts)
    assert "mp4" not in exts  # ffmpeg is off by default
    custom_exts = config(custom, "thumb").get("thumb_exts", [])
    assert custom_exts == (["mkv", "mp4"] if shutil.which("ffmpeg") else [])


def test_app_section(api: Api, custom: Api) -> None:
    assert config(api, "app") == {"app_promotion": True, "desktop_app_promotion": True}
    assert config(custom, "app") == {"app_promotion": True}
