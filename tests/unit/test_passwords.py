"""Password digests: argon2id for new ones; Cloudreve's older formats verify and ask to be re-hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from pyreve.services.passwords import hash_password, verify_password

PASSWORD = "correct horse battery staple ✓"


def sha256_digest(password: str, salt: str) -> str:
    return f"{salt}:{hashlib.sha256((password + salt).encode()).hexdigest()}"


def sha1_digest(password: str, salt: str) -> str:
    return f"{salt}:{hashlib.sha1((password + salt).encode()).hexdigest()}"


def md5_digest(password: str, salt: str) -> str:
    return f"md5:{hashlib.md5((salt + password).encode()).hexdigest()}:{salt}"


def test_new_digests_are_argon2id_and_salted() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, PASSWORD) == (True, False)
    assert verify_password(second, PASSWORD) == (True, False)


def test_wrong_password_does_not_match_argon2() -> None:
    digest = hash_password(PASSWORD)
    assert verify_password(digest, PASSWORD + " ") == (False, False)
    assert verify_password(digest, "") == (False, False)


def test_weaker_argon2_parameters_ask_for_a_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert verify_password(weak, PASSWORD) == (True, True)
    assert verify_password(weak, "nope")[0] is False


@pytest.mark.parametrize("make", [sha256_digest, sha1_digest, md5_digest], ids=["sha256", "sha1", "md5"])
def test_legacy_digests_verify_and_ask_for_a_rehash(make: Callable[[str, str], str]) -> None:
    digest = make(PASSWORD, "Zm9vYmFyc2FsdA")
    assert verify_password(digest, PASSWORD) == (True, True)
    assert verify_password(digest, PASSWORD.upper())[0] is False
    assert verify_password(digest, "")[0] is False
    # the salt takes part: the same hash under another salt does not match
    assert verify_password(make(PASSWORD, "other"), PASSWORD) == (True, True)
    assert verify_password(digest.replace("Zm9vYmFyc2FsdA", "other"), PASSWORD)[0] is False


def test_legacy_hex_is_case_insensitive() -> None:
    salt, _, hexdigest = sha1_digest(PASSWORD, "salt").partition(":")
    assert verify_password(f"{salt}:{hexdigest.upper()}", PASSWORD) == (True, True)


@pytest.mark.parametrize("stored", ["", None])
@pytest.mark.parametrize("password", ["", "anything"])
def test_an_empty_digest_never_matches(stored: str | None, password: str) -> None:
    assert verify_password(stored, password) == (False, False)


@pytest.mark.parametrize("stored", [
    "no-separator",
    "salt:abcdef",  # a digest of no known length
    "salt:" + "0" * 64,  # right length, wrong value
    "md5:only-two",
    "md5:a:b:c",
    "$argon2id$v=19$m=65536,t=3,p=4$broken",
])
def test_malformed_digests_never_match(stored: str) -> None:
    assert verify_password(stored, PASSWORD)[0] is False
