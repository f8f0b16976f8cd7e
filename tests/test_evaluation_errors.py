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


def test_only_orders_credited_to_a_partner_need_a_rate(on: On) -> None:
    """An order no rate converts is refused only where it counts for a partner: the
    order of a creator no agency holds when it is paid is not read, so not refused."""
    w = World()
    w.partner("A")
    w.creator("c1")
    w.creator("c2")
    w.creator("c3")
    w.bind("A", "c1")
    w.bind("A", "c2", started_on=date(2024, 9, 20))  # A's from 2024-09-20 only
    w.seller("HK1", market="HK")
    w.fx("CNY", "0.14")
    w.order(datetime(2024, 9, 3, 4, tzinfo=UTC), "1000", creator_id="c1")
    # c3 is bound to no agency; c2 is not yet A's on 2024-09-10: neither order counts.
    for creator in ("c3", "c2"):
        w.order(
            datetime(2024, 9, 10, 4, tzinfo=UTC),
            "5000",
            creator_id=creator,
            seller_id="HK1",
            currency="HKD",
        )
    program = load_program("buyin-mcn")
    result = evaluate(on(w), program, Period.parse("2024-09"))
    assert result.result("A").to_json()["metrics"]["settled_gmv"] == 1000
    # Once c2 is A's, its HKD order counts for A, and no rate converts it.
    w.order(
        datetime(2024, 9, 24, 4, tzinfo=UTC),
        "70",
        creator_id="c2",
        seller_id="HK1",
        currency="HKD",
    )
    with pytest.raises(EvaluationError, match=r"no exchange rate for HKD on 2024-09-24"):
        evaluate(on(w), program, Period.parse("2024-09"))
