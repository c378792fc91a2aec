"""``cloudreve://[id[:password]@]fs[/path][?query]`` file URIs (spec: file-uri.md)."""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from pyreve.errors import ParamError

SCHEME = "cloudreve"
MY, SHARE, TRASH, SHARED_WITH_ME = "my", "share", "trash", "shared_with_me"
FILE_SYSTEMS = (MY, SHARE, TRASH, SHARED_WITH_ME)
MAX_URI_LENGTH = 65535
_COMPONENT_SAFE = "-_.~!*'()"  # JavaScript encodeURIComponent leaves these (and alphanumerics) as is


def encode_component(text: str) -> str:
    return quote(text, safe=_COMPONENT_SAFE)


def clean_path(raw: str) -> str:
    """POSIX clean of ``"/" + raw``: collapses ``//``, resolves ``.``/``..``, never climbs above ``/``."""
    cleaned = posixpath.normpath("/" + raw)
    if cleaned.startswith("//"):  # normpath keeps a leading double slash
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


@dataclass(frozen=True)
class FileURI:
    fs: str
    path: str = "/"  # cleaned, decoded, NFC
    id: str = ""
    password: str = ""
    query: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def parse(cls, text: str) -> FileURI:
        if not isinstance(text, str) or len(text) > MAX_URI_LENGTH or any(c < " " or c == "\x7f" for c in text):
            raise ParamError("Invalid URI")
        try:
            parts = urlsplit(text)
        except ValueError:
            raise ParamError("Invalid URI") from None
        if parts.scheme.lower() != SCHEME:
            raise ParamError("unknown uri scheme")
        netloc = parts.netloc
        ident = password = ""
        if "@" in netloc:
            userinfo, _, netloc = netloc.rpartition("@")
            ident, _, password = userinfo.partition(":")
            ident, password = unquote(ident), unquote(password)
        fs = netloc.lower()
        if fs not in FILE_SYSTEMS:
            raise ParamError("unknown file system")
        path = unicodedata.normalize("NFC", clean_path(unquote(parts.path)))
        if "\x00" in path:
            raise ParamError("Invalid URI")
        query = tuple(parse_qsl(parts.query, keep_blank_values=True))
        return cls(fs=fs, path=path, id=ident, password=password, query=query)

    @property
    def elements(self) -> list[str]:
        return [e for e in self.path.split("/") if e]

    @property
    def name(self) -> str:
        elements = self.elements
        return elements[-1] if elements else ""

    @property
    def is_root(self) -> bool:
        return self.path == "/"

    def dir(self) -> FileURI:
        return replace(self, path=posixpath.dirname(self.path) or "/")

    def join(self, *names: str) -> FileURI:
        return replace(self, path=clean_path(posixpath.join(self.path, *names)), query=())

    def root(self) -> FileURI:
        return replace(self, path="/", query=())

    def without_query(self) -> FileURI:
        return replace(self, query=())

    def same(self, other: FileURI, default_id: str = "") -> bool:
        """Same file system, id (``default_id`` standing in for a missing one) and path; the query is ignored."""
        return (self.fs, self.id or default_id, self.path) == (other.fs, other.id or default_id, other.path)

    def is_descendant_of(self, parent: FileURI, default_id: str = "") -> bool:
        """Equal to or below ``parent`` in the same file system."""
        if (self.fs, self.id or default_id) != (parent.fs, parent.id or default_id):
            return False
        return parent.path == "/" or self.path == parent.path or self.path.startswith(parent.path + "/")

    def query_values(self, key: str) -> list[str]:
        return [v for k, v in self.query if k == key]

    def has_query(self, key: str) -> bool:
        return any(k == key for k, _ in self.query)

    def __str__(self) -> str:
        out = f"{SCHEME}://"
        if self.id:
            out += encode_component(self.id)
            if self.password:
                out += ":" + encode_component(self.password)
            out += "@"
        out += self.fs
        if self.path != "/":
            out += "/" + "/".join(encode_component(e) for e in self.elements)
        if self.query:
            out += "?" + "&".join(
                encode_component(k) + ("=" + encode_component(v) if v else "") for k, v in self.query)
        return out
