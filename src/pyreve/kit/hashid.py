"""Hash IDs exactly as Cloudreve encodes them: hashids of ``[object_id, type_tag]``."""

from __future__ import annotations

from enum import IntEnum

from hashids import Hashids

from pyreve.errors import ParamError


class IdType(IntEnum):
    SHARE = 0
    USER = 1
    FILE = 2
    FOLDER = 3
    TAG = 4
    POLICY = 5
    SOURCE_LINK = 6
    GROUP = 7
    ENTITY = 8
    AUDIT_LOG = 9
    NODE = 10
    TASK = 11
    DAV_ACCOUNT = 12
    PAYMENT = 13


class HashIds:
    def __init__(self, salt: str):
        self._h = Hashids(salt=salt)
        self._cache: dict[tuple[int, int], str] = {}
        self._decoded: dict[str, tuple[int, ...]] = {}

    def encode(self, object_id: int, kind: IdType) -> str:
        key = (object_id, int(kind))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._h.encode(object_id, int(kind))
            if len(self._cache) < 100_000:
                self._cache[key] = hit
        return hit

    def decode(self, value: str, kind: IdType) -> int:
        """The object id, or ParamError (40001) for a malformed or wrong-type id."""
        decoded = self._decoded.get(value)
        if decoded is None:
            decoded = tuple(self._h.decode(value)) if value else ()
            if len(self._decoded) < 100_000:
                self._decoded[value] = decoded
        if len(decoded) != 2:
            raise ParamError("Failed to parse object ID")
        if decoded[1] != int(kind):
            raise ParamError("Failed to parse object ID: mismatched ID type")
        return int(decoded[0])
