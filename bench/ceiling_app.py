"""The ceiling for the API benchmark: a bare Starlette app that answers a constant JSON body.

Served by granian with the same options as ``pyreve serve``, it shows how fast this machine and
this server stack can answer the smallest possible API call; ``api_bench.py`` reports every pyreve
route as a fraction of it.

    python -m granian --interface asgi --loop uvloop --http 1 --no-ws --no-access-log \
        --working-dir bench ceiling_app:app
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = b'{"code":0,"data":"4.0.0","msg":""}'
HEADERS = {"cache-control": "private, no-cache"}


async def ping(request: Request) -> Response:
    return Response(BODY, media_type="application/json", headers=HEADERS)


app = Starlette(routes=[Route("/api/v4/site/ping", ping)])
