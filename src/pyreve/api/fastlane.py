"""Routes served ahead of the framework's middleware stack and router.

The hottest reads (ping, site config, the signed-in user), the byte-moving routes (chunks, content,
archives, direct links), WOPI and WebDAV take no body models and no dependencies, so FastAPI's six
middleware layers and nested-router matching are pure overhead for them (about 50 µs per request,
more than the handler itself). Errors still render exactly as on every other route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match, Route

from pyreve.api.envelope import app_error_handler, http_error_handler, unhandled_error_handler
from pyreve.errors import AppError

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FastLane:
    def __init__(self, app: ASGIApp, routes: list[Route]):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    await self._serve(route, {**scope, **child, "app": self.app}, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await route.handle(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            request = Request(scope, receive)
            if isinstance(exc, AppError):
                response = await app_error_handler(request, exc)
            elif isinstance(exc, HTTPException):
                response = await http_error_handler(request, exc)
            else:
                response = await unhandled_error_handler(request, exc)
            await response(scope, receive, send)
