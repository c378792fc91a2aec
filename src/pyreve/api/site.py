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
    return {
        "max_batch_size": s.int("max_batched_file", 3000),
        "file_viewers": viewers,
        "icons": s.str("explorer_icons"),
        "map_provider": s.str("map_provider"),
        "google_map_tile_type": s.str("map_google_tile_type"),
        "thumbnail_width": s.int("thumb_width", 400),
        "thumbnail_height": s.int("thumb_height", 300),
    }


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
        "captcha_cap_site_key": s.str("captcha_cap_key_id"),
        "app_promotion": s.bool("show_app_promotion"),
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
        data = {"app_promotion": rt.settings.bool("show_app_promotion")}
    else:
        data = _basic_section(rt, ctx)
    return ok(omit_empty(data, *list(data)))


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

