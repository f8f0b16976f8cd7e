"""The checks of an entered operator fact (tierwise.facts.service), pure: what the ISV
program accepts, and the value range as a property."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierwise.definitions.registry import load_program
from tierwise.facts.service import FactRefused, checked_period, checked_value, operator_facts

ISV = load_program("tts-sea-isv")


def test_the_isv_operator_facts_are_the_seeds_seven() -> None:
    assert sorted(operator_facts(ISV)) == [
        "activity",
        "adaptation",
        "bug_fix",
        "complaint_response",
        "compliance",
        "key_project",
        "new_capability",
    ]
    title = operator_facts(ISV)["compliance"]
    assert title is not None and title.en.startswith("Compliance")
    assert operator_facts(load_program("buyin-mcn")) == {}


def test_periods_in_the_programs_kind_only() -> None:
    assert str(checked_period(ISV, "2026Q3")) == "2026Q3"
    for text in ("2026-09", "2026H1", "Q3"):
        with pytest.raises(FactRefused) as refused:
            checked_period(ISV, text)
        assert refused.value.field == "period"


@given(st.decimals(min_value=0, max_value=1, places=6))
def test_every_value_from_0_to_1_with_6_places_is_kept_exactly(value: Decimal) -> None:
    assert checked_value(str(value)) == value


@given(
    st.one_of(
        st.decimals(min_value=Decimal("1.000001"), max_value=10**6, places=6),
        st.decimals(max_value=Decimal("-0.000001"), min_value=-(10**6), places=6),
    )
)
def test_values_outside_0_to_1_are_refused_naming_the_value(value: Decimal) -> None:
    with pytest.raises(FactRefused) as refused:
        checked_value(str(value))
    assert refused.value.field == "value" and "between 0 and 1" in refused.value.message


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "", "0.1234567"])
def test_not_a_usable_number(text: str) -> None:
    with pytest.raises(FactRefused) as refused:
        checked_value(text)
    assert refused.value.field == "value"
