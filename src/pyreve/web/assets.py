"""Serve the web UI's static files.

Every file under ``static/`` is read once at start-up. The tree gets one content hash; assets are
served under ``/assets/<hash>/…`` with a year-long immutable cache, so a new release (any changed
byte) moves every URL at once while ES module imports stay plain relative paths. Text assets are
gzip-compressed ahead of time. ``index.html`` is served for every client route (``/home``,
``/session``, …) and is never cached, so it always names the current hash.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

STATIC_DIR = Path(__file__).parent / "static"
ASSET_PREFIX = "/assets"
_TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
_IMMUTABLE = "public, max-age=31536000, immutable"
# The application, then the page most visits open (the file browser): preloaded before the other pages.
ENTRY_MODULES = ("app.js", "pages/home.js")
CLASSIC_SCRIPT = "boot.js"  # runs before the first paint as a plain script, not a module
# `import … from "./x.js"` and `import "./x.js"` (not `import("./x.js")`, which loads on demand).
_STATIC_IMPORT = re.compile(r"""^\s*import\s+(?:[^"';()]*?\s+from\s+)?["'](\.{1,2}/[^"']+)["']""", re.MULTILINE)
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".json": "application/json", ".html": "text/html; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", ".woff2": "font/woff2", ".png": "image/png"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


def _asset(body: bytes, media_type: str) -> Asset:
    compressible = media_type.startswith(_TEXT_TYPES) and len(body) > 256
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if compressible else None
    return Asset(body, gzipped, media_type, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def _load(path: Path) -> Asset:
    media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return _asset(path.read_bytes(), media_type)


class WebAssets:
    """The UI's files, their tree hash, and the rendered ``index.html``."""

    def __init__(self, root: Path = STATIC_DIR):
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "index.html")
        self.files = {p.relative_to(root).as_posix(): _load(p) for p in files}
        digest = hashlib.sha256()
        for name, asset in self.files.items():
            digest.update(name.encode() + b"\0" + asset.etag.encode())
        self.version = digest.hexdigest()[:12]
        base = f"{ASSET_PREFIX}/{self.version}"
        # Preloading every module turns the import waterfall into one parallel round of requests; the
        # modules the first page needs come first, as the browser fetches them in this order.
        modules = [name for name in self.files
                   if name.endswith(".js") and not name.startswith("vendor/") and name != CLASSIC_SCRIPT]
        preload = "\n".join(f'<link rel="modulepreload" href="{base}/{name}">'
                            for name in self._load_order(modules, ENTRY_MODULES))
        styles = "\n".join(f'<link rel="stylesheet" href="{base}/{name}">'
                           for name in self.files if name.startswith("styles/") and name.endswith(".css"))
        html = (root / "index.html").read_text().replace("%BASE%", base)
        html = html.replace("%STYLES%", styles).replace("%PRELOAD%", preload)
        self.index = _asset(html.encode(), "text/html; charset=utf-8")

    def _load_order(self, modules: list[str], entries: tuple[str, ...]) -> list[str]:
        """``modules`` with the static import closure of each entry first, each module before the ones it imports
        (the order the browser meets them in), then the rest."""
        ordered: dict[str, None] = {}

        def visit(name: str) -> None:
            if name in ordered or name not in self.files:
                return
            ordered[name] = None  # marked before its imports: a cycle ends here
            for target in _STATIC_IMPORT.findall(self.files[name].body.decode()):
                visit(posixpath.normpath(posixpath.join(posixpath.dirname(name), target)))

        for entry in entries:
            visit(entry)
        return [name for name in ordered if name in modules] + [name for name in modules if name not in ordered]

    def response(self, asset: Asset, request: Request, cache: str) -> Response:
        headers = {"Cache-Control": cache, "ETag": asset.etag, "Vary": "Accept-Encoding",
                   "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers=headers)
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            body = asset.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body if request.method != "HEAD" else b"", media_type=asset.media_type,
                        headers={**headers, "Content-Length": str(len(body))})

    async def serve_asset(self, request: Request) -> Response:
        asset = self.files.get(request.path_params["path"])
        if asset is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        # An old page asking for an old hash still gets today's file, but must not cache it for long.
        cache = _IMMUTABLE if request.path_params["version"] == self.version else "no-cache"
        return self.response(asset, request, cache)

    async def serve_index(self, request: Request) -> Response:
        response = self.response(self.index, request, "no-cache")
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'")
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def routes(self) -> list[Route]:
        return [Route(ASSET_PREFIX + "/{version}/{path:path}", self.serve_asset, methods=["GET", "HEAD"])]

