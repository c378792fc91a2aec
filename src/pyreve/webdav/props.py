"""PROPFIND and PROPPATCH (RFC 4918 §9.1–9.2; quota properties RFC 4331)."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response

from pyreve.db.lean import timestamp
from pyreve.fs import locks
from pyreve.services import transfer, webdav, webdav_write
from pyreve.webdav import xmlio
from pyreve.webdav.common import Call, DavError, conditions, depth, href, read_body, xml_reply
from pyreve.webdav.xmlio import DAV, empty, split, status_line, text

OC = "http://owncloud.org/ns"
LIVE = ("resourcetype", "displayname", "getcontentlength", "getlastmodified", "creationdate", "getcontenttype",
        "getetag", "supportedlock", "lockdiscovery")
QUOTA = ("quota-used-bytes", "quota-available-bytes")
PROTECTED = frozenset(LIVE + QUOTA)
SUPPORTED_LOCK = ("<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope>"
                  "<D:locktype><D:write/></D:locktype></D:lockentry><D:lockentry><D:lockscope><D:shared/>"
                  "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry></D:supportedlock>")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
OK_LINE = status_line(200, "OK")
MISSING_LINE = status_line(404, "Not Found")


_DATES: dict[str, str] = {}


def http_date(moment: datetime | str) -> str:
    """RFC 1123 (``Mon, 02 Jan 2006 15:04:05 GMT``) of a naive UTC datetime (or SQLite's text of one)."""
    if isinstance(moment, str):
        second = moment[:19]
        hit = _DATES.get(second)
        if hit is None:
            if len(_DATES) > 100_000:
                _DATES.clear()
            hit = _DATES[second] = _rfc1123(timestamp(second))
        return hit
    return _rfc1123(moment)


def _rfc1123(moment: datetime) -> str:
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT")


def iso_date(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = timestamp(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def lock_xml(call: Call, info: webdav.LockInfo) -> str:
    root = call.dav.root.elements
    parts = [e for e in info.path.split("/") if e]
    under = parts[len(root):] if parts[:len(root)] == root else call.elements
    timeout = f"Second-{info.timeout}" if info.timeout is not None else "Infinite"
    scope = "<D:shared/>" if info.shared else "<D:exclusive/>"
    return (f"<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>{scope}</D:lockscope>"
            f"<D:depth>{'infinity' if info.infinite else '0'}</D:depth>{info.owner}"
            f"<D:timeout>{timeout}</D:timeout><D:locktoken><D:href>{text(info.token)}</D:href></D:locktoken>"
            f"<D:lockroot><D:href>{text(href(under, False))}</D:href></D:lockroot></D:activelock>")


class Renderer:
    def __init__(self, call: Call, found: webdav.Found):
        self.call = call
        self.found = found

    def live(self, entry: webdav.Entry, local: str) -> str | None:
        if local == "resourcetype":
            return "<D:resourcetype><D:collection/></D:resourcetype>" if entry.folder else "<D:resourcetype/>"
        if local == "displayname":
            return f"<D:displayname>{text(entry.name)}</D:displayname>"
        if local == "getlastmodified":
            return f"<D:getlastmodified>{http_date(entry.updated_at)}</D:getlastmodified>"
        if local == "creationdate":
            return f"<D:creationdate>{iso_date(entry.created_at)}</D:creationdate>"
        if local == "supportedlock":
            return SUPPORTED_LOCK
        if local == "lockdiscovery":
            held = [lock_xml(self.call, webdav.lock_info(lock)) for lock in self.found.locks
                    if webdav.covers(lock, entry.lock_path)]
            return f"<D:lockdiscovery>{''.join(held)}</D:lockdiscovery>"
        if entry.folder:
            if local in QUOTA and entry.owned:
                value = self.found.used if local == "quota-used-bytes" else self.found.available
                return f"<D:{local}>{value}</D:{local}>"
            return None
        if local == "getcontentlength":
            return f"<D:getcontentlength>{entry.size}</D:getcontentlength>"
        if local == "getcontenttype":
            return f"<D:getcontenttype>{text(transfer.media_type(self.call.rt, entry.name))}</D:getcontenttype>"
        if local == "getetag" and entry.etag:
            return f"<D:getetag>{text(entry.etag)}</D:getetag>"
        if local in QUOTA and entry.owned:
            value = self.found.used if local == "quota-used-bytes" else self.found.available
            return f"<D:{local}>{value}</D:{local}>"
        return None

    def one(self, entry: webdav.Entry, ns: str, local: str) -> str | None:
        if ns == DAV and local in PROTECTED:
            return self.live(entry, local)
        if ns == OC and local == "checksums":
            if entry.checksums:
                return (f'<O:checksums xmlns:O="{OC}"><O:checksum>{text(entry.checksums)}</O:checksum>'
                        "</O:checksums>")
            return None
        return entry.dead.get(f"{ns}|{local}")

    def response(self, entry: webdav.Entry, mode: str, wanted: list[tuple[str, str]]) -> str:
        found: list[str] = []
        missing: list[str] = []
        if mode == "propname":
            names = [f"<D:{n}/>" for n in LIVE if self.live(entry, n) is not None]
            names += [empty(*key.split("|", 1)) for key in entry.dead]
            found = names
        elif mode == "allprop":
            found = [v for n in LIVE if (v := self.live(entry, n)) is not None]
            found += list(entry.dead.values())
            for ns, local in wanted:  # allprop's include list
                if not (ns == DAV and local in LIVE) and (value := self.one(entry, ns, local)) is not None:
                    found.append(value)
        else:
            for ns, local in wanted:
                value = self.one(entry, ns, local)
                if value is None:
                    missing.append(empty(ns, local))
                else:
                    found.append(value)
        out = [f"<D:response><D:href>{text(entry.href or href(entry.elements, entry.folder))}</D:href>"]
        if found or not missing:
            out.append(f"<D:propstat><D:prop>{''.join(found)}</D:prop>{OK_LINE}</D:propstat>")
        if missing:
            out.append(f"<D:propstat><D:prop>{''.join(missing)}</D:prop>{MISSING_LINE}</D:propstat>")
        out.append("</D:response>")
        return "".join(out)


def _request(body: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(allprop | propname | prop, the properties named by prop or by allprop's include)."""
    root = xmlio.parse(body)
    if root is None:
        return "allprop", []
    if root.tag != f"{{{DAV}}}propfind":
        raise DavError(400)
    modes: list[str] = []
    wanted: list[tuple[str, str]] = []
    include: list[tuple[str, str]] = []
    for child in root:
        ns, local = split(child.tag)
        if ns != DAV:
            continue
        if local in ("allprop", "propname", "prop"):
            modes.append(local)
            if local == "prop":
                wanted = [split(p.tag) for p in child]
        elif local == "include":
            include = [split(p.tag) for p in child]
    if len(modes) != 1:
        raise DavError(400)
    return modes[0], wanted if modes[0] == "prop" else include


async def propfind(call: Call) -> Response:
    level = depth(call.request, "infinity", ("0", "1", "infinity"))
    mode, wanted = _request(await read_body(call.request))
    dead = mode != "prop" or any(not (ns == DAV and local in PROTECTED) and (ns, local) != (OC, "checksums")
                                 for ns, local in wanted)
    checksums = (OC, "checksums") in wanted
    found = await webdav.propfind(call.dav, call.elements, None if level == "infinity" else int(level), dead,
                                  checksums)
    renderer = Renderer(call, found)
    parts = ['<D:multistatus xmlns:D="DAV:">']
    parts.extend(renderer.response(entry, mode, wanted) for entry in found.entries)
    parts.append("</D:multistatus>")
    return xml_reply(207, "".join(parts))


# --- PROPPATCH -------------------------------------------------------------------------------------

def _updates(body: bytes) -> list[tuple[str, str, str | None]]:
    """(namespace, local name, serialized element or None to remove), in document order."""
    root = xmlio.parse(body)
    if root is None or root.tag != f"{{{DAV}}}propertyupdate":
        raise DavError(400)
    out: list[tuple[str, str, str | None]] = []
    for action in root:
        ns, local = split(action.tag)
        if ns != DAV or local not in ("set", "remove"):
            continue
        for prop in action:
            if prop.tag != f"{{{DAV}}}prop":
                continue
            for item in prop:
                item_ns, item_local = split(item.tag)
                out.append((item_ns, item_local, xmlio.element(item) if local == "set" else None))
    if not out:
        raise DavError(400)
    return out


async def proppatch(call: Call) -> Response:
    updates = _updates(await read_body(call.request))
    tokens = await conditions(call)
    failed: dict[int, list[tuple[str, str]]] = {}
    for ns, local, _ in updates:
        key = f"{ns}|{local}"
        if ns == DAV and local in PROTECTED:
            failed.setdefault(403, []).append((ns, local))
        elif len((webdav.DEAD_PREFIX + key).encode()) > 255:
            failed.setdefault(507, []).append((ns, local))
    if failed:
        blocked = {name for names in failed.values() for name in names}
        rest = [(ns, local) for ns, local, _ in updates if (ns, local) not in blocked]
        if rest:
            failed[424] = rest
        return xml_reply(207, _multistatus(call, failed))
    patch = webdav_write.PropPatch([(f"{ns}|{local}", value) for ns, local, value in updates])
    with locks.submitted(tokens):
        await webdav_write.proppatch(call.dav, call.elements, patch)
    return xml_reply(207, _multistatus(call, {200: [(ns, local) for ns, local, _ in updates]}))


_PATCH_REASONS = {200: "OK", 403: "Forbidden", 424: "Failed Dependency", 507: "Insufficient Storage"}


def _multistatus(call: Call, by_status: dict[int, list[tuple[str, str]]]) -> str:
    stats = "".join(
        f"<D:propstat><D:prop>{''.join(empty(ns, local) for ns, local in names)}</D:prop>"
        f"{status_line(code, _PATCH_REASONS[code])}</D:propstat>"
        for code, names in sorted(by_status.items()))
    return (f'<D:multistatus xmlns:D="DAV:"><D:response><D:href>{text(href(call.elements, False))}</D:href>'
            f"{stats}</D:response></D:multistatus>")
