"""Orders that no exchange rate converts are refused, never dropped from the sums."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import EvaluationError, evaluate
from tierwise.testing.world import On, World


def test_an_agency_order_in_an_unconvertible_currency_is_an_error(on: On) -> None:
    w = World()
    w.partner("A")
    w.creator("c1")
    w.bind("A", "c1")
    w.seller("HK1", market="HK")  # a seller outside the program's markets
    w.fx("CNY", "0.14")
    w.order(datetime(2024, 9, 3, 4, tzinfo=UTC), "1000", creator_id="c1")
    # 2024-09-09 20:00 UTC is 2024-09-10 in Shanghai: the day named is the local one.
    w.order(
        datetime(2024, 9, 9, 20, tzinfo=UTC),
        "5000",
        creator_id="c1",
        seller_id="HK1",
        currency="HKD",
    )
    with pytest.raises(EvaluationError, match=r"no exchange rate for HKD on 2024-09-10"):
        evaluate(on(w), load_program("buyin-mcn"), Period.parse("2024-09"))
    # With the rate, the order counts, converted: 5000 × 0.128 / 0.14 = 4571.4286 CNY.
    w.fx("HKD", "0.128", date(2024, 1, 1))
    result = evaluate(on(w), load_program("buyin-mcn"), Period.parse("2024-09"))
    assert result.result("A").to_json()["metrics"]["settled_gmv"] == pytest.approx(
        5571.4286, abs=1e-4
    )
