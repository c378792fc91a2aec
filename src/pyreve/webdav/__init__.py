"""The WebDAV endpoint at /dav (spec: webdav.md): an ASGI app on the services the File API uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pyreve.services import webdav as service
from pyreve.webdav import content, locking, props, tree
from pyreve.webdav.common import BASE_HEADERS, Call, DavError, authenticate, error_reply, reply

Handler = Callable[[Call], Awaitable[Response]]
HANDLERS: dict[str, Handler] = {
    "GET": content.get, "HEAD": content.get, "POST": content.get, "PUT": content.put,
    "PROPFIND": props.propfind, "PROPPATCH": props.proppatch,
    "MKCOL": tree.mkcol, "DELETE": tree.delete, "COPY": tree.copy, "MOVE": tree.move,
    "LOCK": locking.lock, "UNLOCK": locking.unlock,
}
MINIMAL_ALLOW = "OPTIONS, LOCK, PUT, MKCOL"


async def options(request: Request) -> Response:
    """Answered without credentials too (Windows asks first), then with the target's methods."""
    if not request.headers.get("authorization"):
        return Response(status_code=200, headers={**BASE_HEADERS, "allow": MINIMAL_ALLOW})
    call = await authenticate(request)
    allowed = await service.options(call.dav, call.elements)
    return Response(status_code=200, headers={**BASE_HEADERS, "allow": ", ".join(allowed)})


async def handle(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    request = Request(scope, receive)
    method = request.method
    try:
        if method == "OPTIONS":
            response = await options(request)
        else:
            handler = HANDLERS.get(method)
            if handler is None:
                raise DavError(400)
            response = await handler(await authenticate(request))
    except Exception as exc:  # every failure is a DAV status
        response = error_reply(exc)
        if method == "HEAD":
            response.body = b""
    await response(scope, receive, send)


class DavApp:
    """The ASGI app (an object, so routers call it as an app rather than as a request handler)."""

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await handle(scope, receive, send)


dav_app = DavApp()


def close(rt: Any) -> None:
    """Release what the endpoint keeps per worker (its lean database connection)."""
    service.close(rt)


__all__ = ["close", "dav_app", "reply"]
