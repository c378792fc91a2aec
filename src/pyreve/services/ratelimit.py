"""Attempt limits kept in the KV store (shared by every worker).

Two kinds. :func:`check` counts every attempt in a fixed window: for calls where each attempt costs
something whatever its outcome (an account created, a mail sent). :class:`Guard` counts only failed
password guesses, per (subject, client address) and per client address, and answers them with delays
that grow: a success is never counted, so nobody can lock an account's owner out by failing on purpose,
and the owner's own address stays free while another address fails.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pyreve.db.uow import after_write
from pyreve.errors import TooManyAttempts
from pyreve.services.context import Runtime


def _numbers(rt: Runtime, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Setting ``<name>`` as numbers separated by ``/``, the missing ones taken from ``default``."""
    try:
        given = tuple(int(part) for part in rt.settings.str(name).split("/"))
    except ValueError:
        return default
    if not 2 <= len(given) <= len(default):
        return default
    return given + default[len(given):]


async def check(rt: Runtime, name: str, key: str, default: tuple[int, int]) -> None:
    """Count one attempt; refuse it past ``<count>`` attempts in the window."""
    attempts, window = _numbers(rt, name, default)
    if attempts <= 0 or window <= 0:
        return
    count = await rt.kv.incr(f"rate_{name}_{key}", window)
    if count > attempts:
        raise TooManyAttempts(window)


# --- failed guesses --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A failure limit: setting ``name`` as ``"<free failures>/<seconds>[/<first delay>]"``: the
    failures are remembered ``<seconds>`` from the first; the one that reaches ``<free failures>``
    refuses the key for ``<first delay>`` seconds (1 unless given), each further one for twice as
    long as the one before, never more than ``<seconds>`` (docs/settings.md)."""

    name: str
    default: tuple[int, int, int]


LOGIN_ACCOUNT = Rule("login_rate_account", (5, 900, 1))
LOGIN_IP = Rule("login_rate_ip", (30, 900, 1))
DAV_ACCOUNT = Rule("dav_login_rate_account", (5, 900, 1))
DAV_IP = Rule("dav_login_rate_ip", (30, 900, 1))
SHARE = Rule("share_password_rate_share", (5, 900, 1))
SHARE_IP = Rule("share_password_rate_ip", (30, 900, 1))


def address_key(ip: str) -> str:
    """The client address as counted: IPv6 clients by their /64, which one host usually has whole."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "-"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _key(rule: Rule, *parts: str) -> str:
    # Hashed: the parts come from clients (emails, forwarded addresses) and KV keys are short.
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"fail_{rule.name}_{digest}"


async def _blocked_for(rt: Runtime, key: str) -> int:
    """Seconds left of the key's current refusal (0: none)."""
    until = await rt.kv.get(key + "_until")
    try:
        left = float(until or 0) - time.time()
    except ValueError:
        return 0
    return math.ceil(left) if left > 0 else 0


async def _record_failure(rt: Runtime, rule: Rule, key: str) -> None:
    free, window, first = _numbers(rt, rule.name, rule.default)
    if free <= 0 or window <= 0:
        return
    failures = await rt.kv.incr(key, window)
    if failures >= free:
        delay = min(max(first, 1) << min(failures - free, 32), window)
        await rt.kv.set(key + "_until", str(time.time() + delay), delay)


async def _later(write: Callable[[], Awaitable[None]]) -> None:
    """Write now, or once the caller's write transaction has ended: a share password is compared
    while one may be open (fs/navigators.py), and a KV write then, with the database as the store,
    would wait on that very transaction."""
    if not after_write(write):
        await write()


@dataclass
class Guard:
    """Password guesses from one client address against one subject (an account, a share).

    ``check`` before the password is compared: refused while the (subject, address) pair or the
    address alone is in a refusal delay, right passwords included (so a guesser cannot tell them
    apart). ``failed`` after a wrong one; ``succeeded`` after a right one clears the pair's failures
    (never the address's: one's own account must not wipe the failures against others).
    """

    rt: Runtime
    subject_rule: Rule | None
    address_rule: Rule
    subject: str
    ip: str
    _had_failures: bool = field(default=False, init=False)

    @property
    def _pair(self) -> str:
        assert self.subject_rule is not None
        return _key(self.subject_rule, self.subject, address_key(self.ip))

    @property
    def _address(self) -> str:
        return _key(self.address_rule, address_key(self.ip))

    async def check(self) -> None:
        left = await _blocked_for(self.rt, self._address)
        if self.subject_rule is not None:
            left = max(left, await _blocked_for(self.rt, self._pair))
            self._had_failures = await self.rt.kv.get(self._pair) is not None
        if left:
            raise TooManyAttempts(left)

    async def failures(self) -> int:
        """Failures of the (subject, address) pair still remembered."""
        raw = await self.rt.kv.get(self._pair) if self.subject_rule is not None else None
        return int(raw) if raw and raw.isdigit() else 0

    async def failed(self) -> None:
        await _later(self._failed)

    async def _failed(self) -> None:
        if self.subject_rule is not None:
            await _record_failure(self.rt, self.subject_rule, self._pair)
        await _record_failure(self.rt, self.address_rule, self._address)

    async def succeeded(self) -> None:
        if self.subject_rule is not None and self._had_failures:
            self._had_failures = False
            await _later(self._cleared)

    async def _cleared(self) -> None:
        await self.rt.kv.delete(self._pair)
