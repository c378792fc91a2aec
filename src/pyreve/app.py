"""Composition root: build the ASGI application for a configuration."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyreve import __version__
from pyreve import config as boot_config
from pyreve.api import dav_account, file, file_features, group, session, share, site, transfer, user
from pyreve.api.deps import MAX_JSON_BODY
from pyreve.api.envelope import (
    EnvelopeResponse,
    app_error_handler,
    http_error_handler,
    unhandled_error_handler,
    validation_error_handler,
)
from pyreve.api.fastlane import FastLane
from pyreve.api.thumb import router as thumb_router
from pyreve.api.viewer import RAW_ROUTES as VIEWER_ROUTES
from pyreve.api.viewer import router as viewer_router
from pyreve.errors import AppError, Code, ParamError
from pyreve.services import media
from pyreve.services.bootstrap import close_runtime, open_runtime
from pyreve.services.file import run_trash_collector
from pyreve.services.transfer import periodic_jobs, stop_background
from pyreve.web.assets import WebAssets
from pyreve.web.routes import client_routes
from pyreve.webdav import close as close_dav
from pyreve.webdav import dav_app

API_PREFIX = "/api/v4"
# Routes whose body is raw bytes with their own limits.
_RAW_BODY_PATHS = ("/api/v4/user/setting/avatar", "/api/v4/file/upload/", "/api/v4/file/content",
                   "/api/v4/file/wopi/", "/api/v4/callback/")

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class BodyLimit:
    """Cap JSON API bodies at 1 MiB: refused by declared length before anything reads them, and
    counted while streaming when no length is declared (chunked)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.startswith(API_PREFIX) or path.startswith(_RAW_BODY_PATHS):
            await self.app(scope, receive, send)
            return
        headers = []
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > MAX_JSON_BODY):
                await EnvelopeResponse({"code": int(Code.PARAM_ERR), "msg": "Request body too large"})(
                    scope, receive, send)
                return
            if name != b"content-type" or value.startswith(b"application/json"):
                headers.append((name, value))
        # Bodies are JSON whatever the client declares (as the reference binder reads them).
        scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_JSON_BODY:
                raise ParamError("Request body too large")
            return message

        await self.app(scope, counted, send)


def _plain(endpoint: Callable[..., Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Call a FastAPI-style handler ``(request, **path_params)`` from a plain Starlette route."""

    async def call(request: Request) -> Response:
        return await endpoint(request, **request.path_params)

    return call


def create_app(config: boot_config.Config, *, workers: int = 1) -> ASGIApp:
    web = WebAssets()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rt = await open_runtime(config, workers=workers)
        media.start(app.state.rt)
        trash_collector = asyncio.create_task(run_trash_collector(app.state.rt))
        transfer_jobs = asyncio.create_task(periodic_jobs(app.state.rt))
        try:
            yield
        finally:
            trash_collector.cancel()
            transfer_jobs.cancel()
            await asyncio.gather(trash_collector, transfer_jobs, return_exceptions=True)
            await media.stop(app.state.rt)
            await stop_background(app.state.rt)
            close_dav(app.state.rt)
            await close_runtime(app.state.rt)

    app = FastAPI(
        title="pyreve", version=__version__, lifespan=lifespan,
        description="A self-hosted cloud drive server speaking the Cloudreve v4 API.",
        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None,
    )
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)

    for router in (site.router, session.router, user.router, group.router, file.router, transfer.router,
                   dav_account.router, share.router, file_features.router):
        app.include_router(router, prefix=API_PREFIX)
    for router in (thumb_router, viewer_router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(site.manifest_router)
    app.include_router(share.short_router)

    @app.api_route(API_PREFIX + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
                   include_in_schema=False)
    async def unknown_api_route(rest: str, request: Request) -> Response:
        raise AppError(Code.NOT_FOUND, "Not found")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit)  # type: ignore[arg-type]

    def plain(path: str, endpoint: Callable[..., Awaitable[Response]], methods: list[str]) -> Route:
        return Route(path, _plain(endpoint), methods=methods)

    fast_routes = [
        Route("/dav", dav_app), Route("/dav/{rest:path}", dav_app),  # WebDAV: every method
        *(plain(API_PREFIX + path, endpoint, ["GET"]) for path, endpoint in [*site.HOT_ROUTES, *user.HOT_ROUTES]),
        *(plain(API_PREFIX + path, endpoint, methods) for path, endpoint, methods in transfer.RAW_ROUTES),
        *(plain(API_PREFIX + path, endpoint, methods) for path, endpoint, methods in VIEWER_ROUTES),
        plain("/f/{id}/{name}", file_features.follow_link, ["GET", "HEAD"]),
        plain("/f/d/{id}/{name}", file_features.follow_link_download, ["GET", "HEAD"]),
        *web.routes(), *client_routes(web.serve_index),
    ]
    served: ASGIApp = FastLane(app, fast_routes)  # type: ignore[arg-type]
    if config.cors.enabled:
        served = CORSMiddleware(  # type: ignore[assignment]
            served, allow_origins=config.cors.allow_origins, allow_methods=config.cors.allow_methods,
            allow_headers=config.cors.allow_headers, allow_credentials=config.cors.allow_credentials,
            expose_headers=config.cors.expose_headers,
        )
    return served


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, minus FastAPI's 422 responses: validation errors are 40001 envelopes."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def app_from_environment() -> ASGIApp:
    """Entry point for server workers: ``pyreve serve`` passes the configuration through the environment."""
    data_dir = Path(os.environ.get("PYREVE_DATA_DIR", "data"))
    conf = os.environ.get("PYREVE_CONF") or None
    workers = int(os.environ.get("PYREVE_WORKERS", "1"))
    return create_app(boot_config.load(data_dir, Path(conf) if conf else None), workers=workers)
