"""The profile rule by hand: a split only for a group of more than 1,000 users."""

from __future__ import annotations

import pytest

from tierwise.compass import CompassError, profile_shown, profile_split


def test_more_than_1000_users() -> None:
    assert not profile_shown(0)
    assert not profile_shown(1000)  # exactly 1,000 is not "more than"
    assert profile_shown(1001)


def test_the_split_or_nothing() -> None:
    # 400 + 350 + 200 + 50 = 1,000 → not enough users; one more → the split
    small = {"18-24": 400, "25-34": 350, "35+": 200, "unknown": 50}
    assert profile_split(small) is None
    big = small | {"unknown": 51}
    assert profile_split(big) == big


def test_negative_users_are_refused() -> None:
    with pytest.raises(CompassError):
        profile_shown(-1)
    with pytest.raises(CompassError):
        profile_split({"male": 2000, "female": -1})
