"""The browser routes that all answer with the UI's ``index.html``; the UI's router takes it from there.

They are Cloudreve's own client routes, so links from its mails, share pages and bookmarks keep working.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CLIENT_PATHS = ("/", "/home", "/session", "/session/{rest:path}", "/tasks", "/downloads", "/shares",
                "/connect", "/settings", "/profile/{rest:path}")


def client_routes(index: Callable[[Request], Awaitable[Response]]) -> list[Route]:
    return [Route(path, index, methods=["GET", "HEAD"]) for path in CLIENT_PATHS]
