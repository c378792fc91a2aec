"""Hash ids: the published test vectors (conventions.md §4, salt ``example-salt``)."""

from __future__ import annotations

import pytest
from hashids import Hashids

from pyreve.errors import AppError
from pyreve.kit.hashid import HashIds, IdType

VECTORS = [
    (1, IdType.USER, "bPhN"),
    (0, IdType.USER, "Dqs1"),
    (1, IdType.GROUP, "zbhO"),
    (2, IdType.GROUP, "VOFy"),
    (3, IdType.GROUP, "rwTq"),
    (3, IdType.DAV_ACCOUNT, "xLTM"),
    (5, IdType.SHARE, "LbSJ"),
    (1, IdType.POLICY, "9rhX"),
]


@pytest.fixture
def ids() -> HashIds:
    return HashIds("example-salt")


@pytest.mark.parametrize("object_id,kind,expected", VECTORS)
def test_encode_matches_the_published_vectors(ids: HashIds, object_id: int, kind: IdType, expected: str) -> None:
    assert ids.encode(object_id, kind) == expected
    # Cached and uncached answers agree.
    assert ids.encode(object_id, kind) == expected
    assert HashIds("example-salt").encode(object_id, kind) == expected


@pytest.mark.parametrize("object_id,kind,encoded", VECTORS)
def test_decode_matches_the_published_vectors(ids: HashIds, object_id: int, kind: IdType, encoded: str) -> None:
    assert ids.decode(encoded, kind) == object_id


def test_round_trip(ids: HashIds) -> None:
    for kind in IdType:
        for object_id in (0, 1, 2, 99, 12345, 2**31, 2**53):
            assert ids.decode(ids.encode(object_id, kind), kind) == object_id


def test_salt_changes_the_ids() -> None:
    assert HashIds("another-salt").encode(1, IdType.USER) != "bPhN"


@pytest.mark.parametrize("value", ["", "bPhN!", "bphn", "zzzzzzzzzzzz", "0", "bPhNbPhN"])
def test_malformed_ids_are_refused(ids: HashIds, value: str) -> None:
    with pytest.raises(AppError) as caught:
        ids.decode(value, IdType.USER)
    assert caught.value.code == 40001


@pytest.mark.parametrize("encoded,wrong", [("bPhN", IdType.GROUP), ("zbhO", IdType.USER), ("LbSJ", IdType.FILE)])
def test_ids_of_another_type_are_refused(ids: HashIds, encoded: str, wrong: IdType) -> None:
    with pytest.raises(AppError) as caught:
        ids.decode(encoded, wrong)
    assert caught.value.code == 40001
    assert "mismatched" in caught.value.msg


def test_a_single_number_is_not_an_id(ids: HashIds) -> None:
    one_number = Hashids(salt="example-salt").encode(1)
    with pytest.raises(AppError):
        ids.decode(one_number, IdType.USER)
    three_numbers = Hashids(salt="example-salt").encode(1, 1, 1)
    with pytest.raises(AppError):
        ids.decode(three_numbers, IdType.USER)
