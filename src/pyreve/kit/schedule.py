"""Cron settings written as ``@every <Go duration>`` (e.g. ``@every 15m``, ``@every 1h30m``)."""

from __future__ import annotations

import re

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def every(spec: str, default: float) -> float:
    """Seconds between runs, or ``default`` when the setting is not an ``@every`` duration."""
    text = spec.strip()
    if not text.startswith("@every"):
        return default
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text[len("@every"):].strip()))
    return seconds if seconds > 0 else default
