"""Time helpers: the database stores naive UTC; the wire shows RFC 3339 in the server's local offset."""

from __future__ import annotations

from datetime import UTC, datetime

ZERO_TIME = "0001-01-01T00:00:00Z"


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def rfc3339(value: datetime | None) -> str:
    """Go's RFC3339Nano rendering: local offset, trailing fraction zeros trimmed, ``Z`` for UTC."""
    if value is None:
        return ZERO_TIME
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone().isoformat()
    if "." in text:
        head, _, rest = text.partition(".")
        digits = rest[:6].rstrip("0")
        text = head + ("." + digits if digits else "") + rest[6:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text
