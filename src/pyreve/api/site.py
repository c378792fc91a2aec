"""Site group: ping, captcha, public configuration, PWA manifest (spec: site.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from pyreve import __version__
from pyreve.api.deps import CtxDep, get_ctx
from pyreve.api.envelope import EnvelopeResponse, ok
from pyreve.api.schemas.common import omit_empty
from pyreve.api.schemas.docs import CaptchaOut, ManifestOut, SiteConfigOut, doc
from pyreve.api.schemas.user import user_wire
from pyreve.services import captcha
from pyreve.services import thumb as thumbs
from pyreve.services.context import Ctx, Runtime

router = APIRouter(prefix="/site", tags=["site"])

_PING = EnvelopeResponse({"code": 0, "data": __version__, "msg": ""}).body


@router.get("/ping", summary="Ping: the server version", **doc(str))
async def ping(request: Request) -> Response:
    return Response(_PING, media_type="application/json", headers={"cache-control": "private, no-cache"})


@router.get("/captcha", summary="Get a captcha image and its ticket", **doc(CaptchaOut))
async def get_captcha(ctx: CtxDep) -> Response:
    return ok(await captcha.create(ctx.rt))


def _login_section(rt: Runtime) -> dict[str, Any]:
    s = rt.settings
    return {
        "login_captcha": s.bool("login_captcha"),
        "reg_captcha": s.bool("reg_captcha"),
        "forget_captcha": s.bool("forget_captcha"),
        "authn": s.bool("authn_enabled"),
        "register_enabled": s.bool("register_enabled"),
        "tos_url": s.str("tos_url"),
        "privacy_policy_url": s.str("privacy_policy_url"),
    }


def _explorer_section(rt: Runtime) -> dict[str, Any]:
    s = rt.settings
    viewers = s.json("file_viewers", default=[])
    if not isinstance(viewers, list):
        viewers = []
    for group in viewers:
        for viewer in (group.get("viewers") or []) if isinstance(group, dict) else []:
            if isinstance(viewer, dict):
                viewer.pop("wopi_actions", None)
    mapping = s.json("viewer_default_apps", default={})
    return {
        "max_batch_size": s.int("max_batched_file", 3000),
        "file_viewers": viewers,
        "default_viewer_mapping": mapping if isinstance(mapping, dict) else {},
        "icons": s.str("explorer_icons"),
        "map_provider": s.str("map_provider"),
        "google_map_tile_type": s.str("map_google_tile_type"),
        "mapbox_ak": s.str("map_mapbox_ak"),
        "thumbnail_width": s.int("thumb_width", 400),
        "thumbnail_height": s.int("thumb_height", 300),
        "custom_props": _custom_props(s.json("custom_props", default=[])),
        "show_encryption_status": s.bool("show_encryption_status"),
        "full_text_search": s.bool("fts_enabled"),
    }


def _custom_props(raw: Any) -> list[dict[str, Any]]:
    """The custom file properties, each with Cloudreve's members (the optional ones only when set)."""
    out = []
    for prop in raw if isinstance(raw, list) else []:
        if isinstance(prop, dict):
            item = {key: prop.get(key, "") for key in ("id", "name", "type")}
            item.update({key: prop.get(key) for key in ("max", "min", "default", "options", "icon")})
            out.append(omit_empty(item, "max", "min", "default", "options", "icon"))
    return out


def _nav_items(raw: Any) -> list[dict[str, Any]]:
    """Links added to the sidebar: ``{icon, name, url}`` each."""
    items = raw if isinstance(raw, list) else []
    return [{key: str(item.get(key) or "") for key in ("icon", "name", "url")} for item in items
            if isinstance(item, dict)]


def _thumb_section(rt: Runtime) -> dict[str, Any]:
    return {"thumb_exts": thumbs.supported_exts(rt)}


def _basic_section(rt: Runtime, ctx: Ctx) -> dict[str, Any]:
    s = rt.settings
    return {
        "instance_id": s.str("siteID"),
        "title": s.str("siteName"),
        "themes": s.str("theme_options"),
        "default_theme": s.str("defaultTheme"),
        "user": user_wire(rt, ctx.user),
        "logo": s.str("site_logo"),
        "logo_light": s.str("site_logo_light"),
        "captcha_type": s.str("captcha_type"),
        "turnstile_site_id": s.str("captcha_turnstile_site_key"),
        "captcha_ReCaptchaKey": s.str("captcha_ReCaptchaKey"),
        "captcha_cap_instance_url": s.str("captcha_cap_instance_url"),
        "captcha_cap_key_id": s.str("captcha_cap_key_id"),
        # Cap 2 names the key "site key"; installs from before that keep it under the older key.
        "captcha_cap_site_key": s.str("captcha_cap_site_key") or s.str("captcha_cap_key_id"),
        "captcha_cap_asset_server": s.str("captcha_cap_asset_server"),
        "app_promotion": s.bool("show_app_promotion"),
        "custom_nav_items": _nav_items(s.json("custom_nav_items", default=[])),
        # Always an object, as Cloudreve sends it; its members only when set.
        "custom_html": omit_empty({"headless_footer": s.str("headless_footer_html"),
                                   "headless_bottom": s.str("headless_bottom_html"),
                                   "sidebar_bottom": s.str("sidebar_bottom_html")},
                                  "headless_footer", "headless_bottom", "sidebar_bottom"),
    }


@router.get("/config/{section}", summary="Get public site settings of a section", **doc(SiteConfigOut))
async def site_config(request: Request, section: str) -> Response:
    ctx = await get_ctx(request)
    rt = ctx.rt
    if section == "login":
        data = _login_section(rt)
    elif section == "explorer":
        data = _explorer_section(rt)
    elif section == "emojis":
        data = {"emoji_preset": rt.settings.str("emojis")}
    elif section == "app":
        data = {"app_promotion": rt.settings.bool("show_app_promotion"),
                "desktop_app_promotion": rt.settings.bool("show_desktop_app_promotion")}
    elif section == "thumb":
        data = _thumb_section(rt)
    else:
        data = _basic_section(rt, ctx)
    return ok(omit_empty(data, *[key for key in data if key != "custom_html"]))


# Read on every page load: served as plain routes ahead of the framework's router (same handlers).
HOT_ROUTES = [("/site/ping", ping), ("/site/config/{section}", site_config)]

manifest_router = APIRouter(tags=["site"])


@manifest_router.get("/manifest.json", summary="PWA manifest (plain JSON, no envelope)",
                     responses={200: {"model": ManifestOut, "description": "manifest"}})
async def manifest(ctx: CtxDep) -> Response:
    s = ctx.rt.settings
    body = {
        "short_name": s.str("siteName"),
        "name": s.str("siteName"),
        "icons": [
            {"src": s.str("pwa_small_icon"), "sizes": "64x64 32x32 24x24 16x16", "type": "image/x-icon"},
            {"src": s.str("pwa_medium_icon"), "type": "image/png", "sizes": "192x192"},
            {"src": s.str("pwa_large_icon"), "type": "image/png", "sizes": "512x512"},
        ],
        "start_url": ".",
        "display": s.str("pwa_display"),
        "theme_color": s.str("pwa_theme_color"),
        "background_color": s.str("pwa_background_color"),
    }
    return EnvelopeResponse(body, headers={"cache-control": "public, no-cache"})

