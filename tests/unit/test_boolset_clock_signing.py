"""Leaf helpers: boolsets, RFC 3339 time rendering, signed URLs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pyreve.db.seed import ADMIN_GROUP_ID, ANONYMOUS_GROUP_ID, USER_GROUP_ID, _group_rows
from pyreve.errors import AppError, Code
from pyreve.kit import boolset, clock
from pyreve.kit.signing import sign_path, verify_path

# --- boolset --------------------------------------------------------------------------------------


def test_first_nine_flags() -> None:
    raw = boolset.from_flags(range(9))
    assert raw == b"\xff\x01"
    assert boolset.encode(raw) == "/wE="


def test_default_group_permissions() -> None:
    groups = {row["id"]: row["permissions"] for row in _group_rows()}
    assert boolset.encode(groups[ADMIN_GROUP_ID]) == "/RoB"  # type: ignore[arg-type]
    assert boolset.encode(groups[USER_GROUP_ID]) == "hAg="  # type: ignore[arg-type]
    assert boolset.encode(groups[ANONYMOUS_GROUP_ID]) == "gg=="  # type: ignore[arg-type]


def test_flags_read_back() -> None:
    raw = boolset.decode("/RoB")
    on = {n for n in range(24) if boolset.enabled(raw, n)}
    assert on == {0, 2, 3, 4, 5, 6, 7, 9, 11, 12, 16}
    assert boolset.enabled(raw, 200) is False  # past the end
    assert boolset.enabled(b"", 0) is False
    assert boolset.enabled(None, 0) is False


def test_empty_and_round_trip() -> None:
    assert boolset.from_flags([]) == b""
    assert boolset.encode(b"") == boolset.encode(None) == ""
    assert boolset.decode("") == boolset.decode(None) == b""
    raw = boolset.from_flags([1, 8, 23, 8])
    assert boolset.decode(boolset.encode(raw)) == raw
    assert len(raw) == 3


# --- clock ----------------------------------------------------------------------------------------


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the process time zone (``TZ``) for one test."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def test_utc_renders_with_z(local_zone: Callable[[str], None]) -> None:
    local_zone("UTC0")
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    eight = timezone(timedelta(hours=8))
    assert clock.rfc3339(datetime(2024, 1, 2, 11, 4, 5, tzinfo=eight)) == "2024-01-02T03:04:05Z"


def test_fraction_trailing_zeros_are_trimmed(local_zone: Callable[[str], None]) -> None:
    local_zone("UTC0")
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, 120000)) == "2024-01-02T03:04:05.12Z"
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, 123456)) == "2024-01-02T03:04:05.123456Z"
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, 1)) == "2024-01-02T03:04:05.000001Z"
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, 0)) == "2024-01-02T03:04:05Z"


def test_local_offset_is_shown(local_zone: Callable[[str], None]) -> None:
    local_zone("CST-8")  # POSIX form: UTC+8, no tz database needed
    assert clock.rfc3339(datetime(2024, 1, 2, 3, 4, 5, 500000)) == "2024-01-02T11:04:05.5+08:00"


def test_missing_time_is_go_zero_time() -> None:
    assert clock.rfc3339(None) == "0001-01-01T00:00:00Z"


def test_utcnow_is_naive_utc() -> None:
    now = clock.utcnow()
    assert now.tzinfo is None
    assert abs((now.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()) < 5


# --- signing --------------------------------------------------------------------------------------

KEY = b"k" * 32
PATH = "/api/v4/user/activate/abc"


def code_of(sign: str | None, path: str = PATH, key: bytes = KEY) -> int:
    with pytest.raises(AppError) as caught:
        verify_path(key, path, sign)
    return caught.value.code


def test_valid_signature_passes() -> None:
    sign = sign_path(KEY, PATH, int(time.time()) + 60)
    verify_path(KEY, PATH, sign)
    verify_path(KEY, PATH, sign_path(KEY, PATH, 0))  # 0: never expires


def test_expired_signature() -> None:
    assert code_of(sign_path(KEY, PATH, int(time.time()) - 1)) == Code.SIGN_EXPIRED == 40005


def test_tampered_signature() -> None:
    expires = int(time.time()) + 60
    sign = sign_path(KEY, PATH, expires)
    digest, _, _ = sign.rpartition(":")
    assert code_of(sign, path=PATH + "x") == 40071  # another path
    assert code_of(sign, key=b"other key") == 40071  # another key
    assert code_of(f"{digest}:{expires + 3600}") == 40071  # a later expiry
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert code_of(f"{flipped}:{expires}") == 40071
    assert code_of("garbage") == 40071
    assert code_of(f"{digest}:soon") == 40071


@pytest.mark.parametrize("sign", [None, ""])
def test_missing_signature(sign: str | None) -> None:
    assert code_of(sign) == Code.NO_PERMISSION == 403
