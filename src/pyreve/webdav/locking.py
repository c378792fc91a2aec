"""LOCK and UNLOCK (RFC 4918 §9.10–9.11): exclusive and shared write locks, kept in the lock table the File API
checks."""

from __future__ import annotations

from starlette.responses import Response

from pyreve.errors import AppError
from pyreve.fs import locks
from pyreve.services import webdav, webdav_write
from pyreve.webdav import ifheader, xmlio
from pyreve.webdav.common import Call, DavError, conditions, depth, read_body, xml_reply
from pyreve.webdav.props import lock_xml
from pyreve.webdav.xmlio import DAV, split

MAX_TIMEOUT = 7 * 24 * 3600


def timeout(header: str | None) -> int | None:
    """``Timeout: Second-N, Infinite`` → seconds (the first usable choice); None for infinite or absent."""
    if not header:
        return None
    for choice in header.split(","):
        value = choice.strip()
        if value.lower() == "infinite":
            return None
        if value.lower().startswith("second-") and value[7:].isdigit():
            return min(int(value[7:]), MAX_TIMEOUT)
    raise DavError(400)


def _lockinfo(body: bytes) -> tuple[str, bool] | None:
    """The owner element of a write lockinfo and whether the lock is shared; None for an empty body (a refresh)."""
    root = xmlio.parse(body)
    if root is None:
        return None
    if root.tag != f"{{{DAV}}}lockinfo":
        raise DavError(400)
    scope = kind = ""
    owner = ""
    for child in root:
        ns, local = split(child.tag)
        if ns != DAV:
            continue
        if local == "lockscope":
            scope = next((split(c.tag)[1] for c in child), "")
        elif local == "locktype":
            kind = next((split(c.tag)[1] for c in child), "")
        elif local == "owner":
            owner = xmlio.element(child)
    if not scope or not kind:
        raise DavError(400)
    if scope not in ("exclusive", "shared") or kind != "write":
        raise DavError(501)
    return owner, scope == "shared"


def _discovery(call: Call, info: webdav.LockInfo) -> str:
    return f'<D:prop xmlns:D="DAV:"><D:lockdiscovery>{lock_xml(call, info)}</D:lockdiscovery></D:prop>'


async def lock(call: Call) -> Response:
    seconds = timeout(call.request.headers.get("timeout"))
    wanted = _lockinfo(await read_body(call.request))
    if wanted is None:
        header = call.request.headers.get("if")
        if not header:
            raise DavError(400)
        tokens = sorted(ifheader.tokens(ifheader.parse(header)))
        info = await webdav_write.refresh(call.dav, call.elements, tokens, seconds)
        return xml_reply(200, _discovery(call, info))
    owner, shared = wanted
    level = depth(call.request, "infinity", ("0", "infinity"))
    submitted = await conditions(call)
    with locks.submitted(submitted):
        info = await webdav_write.lock(call.dav, call.elements, level == "infinity", owner, seconds, shared)
    return xml_reply(201 if info.created else 200, _discovery(call, info), {"lock-token": f"<{info.token}>"})


async def unlock(call: Call) -> Response:
    value = call.request.headers.get("lock-token", "").strip()
    if len(value) < 3 or value[0] != "<" or value[-1] != ">":
        raise DavError(400)
    try:
        await webdav_write.unlock(call.dav, call.elements, value[1:-1])
    except AppError as err:
        if err.code == 409:
            raise DavError(409, "lock-token-matches-request-uri") from None
        raise
    return Response(status_code=204, headers={"cache-control": "private, no-cache"})
