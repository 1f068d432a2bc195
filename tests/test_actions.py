from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.actions import MAX_LENGTH, ActionError, action, pack, unpack


@action("t1")
class Sample:
    item_id: int
    note: str
    flag: bool
    maybe: int | None
    mode: Literal["join", "leave"]


def test_round_trip_with_separators_and_japanese():
    a = Sample(item_id=42, note="防災:訓練|a b", flag=True, maybe=None, mode="join")
    data = pack(a)
    assert data.startswith("k1:t1:42:")
    assert unpack(data) == a


@given(
    item_id=st.integers(min_value=0, max_value=10**12),
    note=st.text(max_size=30),
    flag=st.booleans(),
    maybe=st.none() | st.integers(min_value=-5, max_value=5),
)
def test_any_value_round_trips(item_id, note, flag, maybe):
    a = Sample(item_id=item_id, note=note, flag=flag, maybe=maybe, mode="leave")
    assert unpack(pack(a)) == a


def test_too_long_payload_is_refused_before_it_reaches_line():
    with pytest.raises(ActionError):
        pack(Sample(item_id=1, note="あ" * 200, flag=False, maybe=None, mode="join"))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "hello",
        "k0:t1:1:a:1::join",  # old version
        "k1:zz:1",  # unknown action
        "k1:t1:1:a:1:",  # missing field
        "k1:t1:x:a:1::join",  # not an int
        "k1:t1:1:a:2::join",  # not a bool
        "k1:t1:1:a:1::admin",  # not an allowed literal
        "k1:t1:" + "9" * MAX_LENGTH,
    ],
)
def test_malformed_or_tampered_payloads_raise(data):
    with pytest.raises(ActionError):
        unpack(data)


def test_prefix_cannot_be_registered_twice():
    with pytest.raises(ValueError):

        @action("t1")
        class Other:
            x: int


@action("t2")
class Other:
    item_id: int


def test_unpack_with_the_expected_type_returns_it_and_refuses_another_action():
    data = pack(Sample(item_id=7, note="n", flag=False, maybe=3, mode="join"))
    typed: Sample = unpack(data, Sample)
    assert typed.item_id == 7 and typed.maybe == 3
    with pytest.raises(ActionError, match="expected Other"):
        unpack(data, Other)


def test_actions_are_frozen_dataclasses():
    with pytest.raises(AttributeError):
        Other(1).item_id = 2  # type: ignore[misc]  # deliberately writing a frozen field
