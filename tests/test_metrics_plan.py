"""The metric plan on small hand-built worlds; every expectation is worked out by hand, and
holds on every engine (`on`: DuckDB, then Spark)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tierwise.core.periods import Period
from tierwise.metrics import catalog as lib
from tierwise.metrics.plan import MetricRequest, PlanError, Scope, compile_plan
from tierwise.store.engine import EventEngine
from tierwise.testing.world import On, World

SEP = Period.parse("2024-09")


def run(
    engine: EventEngine, scope: Scope, **metrics: tuple[str, lib.Params]
) -> dict[str, dict[str, Any]]:
    """The metrics' values per partner, computed on the engine (in its dialect)."""
    reqs = [MetricRequest(name, m, p) for name, (m, p) in metrics.items()]
    cols, rows = engine.fetch(compile_plan(reqs, replace(scope, dialect=engine.dialect)))
    return {row[0]: dict(zip(cols, row, strict=True)) for row in rows}


def mcn_scope(period: Period = SEP) -> Scope:
    return Scope(period, "mcn", "Asia/Shanghai", "CNY", ("CN",))


def test_settled_gmv_follows_the_binding_in_force_at_paid_time(on: On) -> None:
    w = World()
    w.partner("A")
    w.partner("B")
    w.creator("c1")
    # c1 moves from A to B on 2024-09-15 (Shanghai dates).
    w.bind("A", "c1", started_on=date(2024, 1, 1), ended_on=date(2024, 9, 15))
    w.bind("B", "c1", started_on=date(2024, 9, 15))
    w.order(datetime(2024, 9, 10, 4, tzinfo=UTC), "100.00", creator_id="c1", refund="30")
    # 2024-09-14 16:30 UTC is 2024-09-15 00:30 in Shanghai: already B's.
    w.order(datetime(2024, 9, 14, 16, 30, tzinfo=UTC), "50", creator_id="c1")
    # 2024-08-31 16:30 UTC is 2024-09-01 00:30 in Shanghai: in September, A's.
    w.order(datetime(2024, 8, 31, 16, 30, tzinfo=UTC), "7", creator_id="c1", refund="7")
    # 2024-09-30 16:00 UTC is October in Shanghai: not counted.
    w.order(datetime(2024, 9, 30, 16, 0, tzinfo=UTC), "1000", creator_id="c1")
    # Abnormal order: left out.
    w.order(datetime(2024, 9, 12, tzinfo=UTC), "999", creator_id="c1", abnormal=True)
    got = run(
        on(w),
        mcn_scope(),
        gmv=("gmv", lib.OrderParams()),
        settled=("settled_gmv", lib.OrderParams()),
        orders=("settled_orders", lib.OrderParams()),
    )
    # A: paid 100 + 7 = 107; settled 70 + 0; settled orders: 1 (the 7 was fully refunded).
    assert got["A"]["gmv"] == Decimal("107")
    assert got["A"]["settled"] == Decimal("70")
    assert got["A"]["orders"] == 1
    assert got["B"]["gmv"] == Decimal("50")
    assert got["B"]["settled"] == Decimal("50")


def test_abnormal_creator_is_left_out_of_gmv_and_counts(on: On) -> None:
    w = World()
    w.partner("A")
    for c in ("c1", "c2"):
        w.creator(c)
        w.bind("A", c)
        w.fact(c, "creator_level", 6, date(2024, 9, 1))
    w.fact("c2", "abnormal", 1, date(2024, 9, 20))
    w.order(datetime(2024, 9, 10, tzinfo=UTC), "10", creator_id="c1")
    w.order(datetime(2024, 9, 10, tzinfo=UTC), "20", creator_id="c2")
    got = run(
        on(w),
        mcn_scope(),
        gmv=("gmv", lib.OrderParams()),
        lv6=("creators_with_fact", lib.FactCountParams(fact="creator_level", at_least=6)),
        bound=("bound_subjects", lib.BoundParams()),
    )
    assert got["A"] == {**got["A"], "gmv": Decimal("10"), "lv6": 1, "bound": 1}


def test_double_binding_counts_for_the_earliest_then_smallest_partner(on: On) -> None:
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    w.partner("T2", kind="tsp", market="TH")
    w.partner("T3", kind="tsp", market="TH")
    for s in ("s1", "s2", "s3"):
        w.seller(s, market="TH")
    w.bind("T2", "s1", "fulfillment", started_on=date(2024, 1, 1))
    w.bind("T1", "s1", "fulfillment", started_on=date(2024, 3, 1))  # later: T2 keeps s1
    w.bind("T2", "s2", "fulfillment", started_on=date(2024, 2, 1))
    w.bind("T1", "s2", "fulfillment", started_on=date(2024, 2, 1))  # same day: T1 (smaller id)
    # s3 bound only in August and September: counts for the quarter; ended before: no.
    w.bind("T3", "s3", "fulfillment", started_on=date(2024, 8, 10), ended_on=date(2024, 9, 2))
    w.bind("T1", "s3", "fulfillment", started_on=date(2024, 1, 1), ended_on=date(2024, 7, 1))
    q3 = Scope(Period.parse("2024Q3"), "tsp", "Asia/Bangkok", "USD", ("TH",))
    got = run(
        on(w),
        q3,
        n=(
            "bound_subjects",
            lib.BoundParams(subject_kind="seller", service="fulfillment", at="window"),
        ),
    )
    assert {p: r["n"] for p, r in got.items()} == {"T1": 1, "T2": 1, "T3": 1}


def test_author_level_is_read_on_the_second_of_the_next_month(on: On) -> None:
    w = World()
    w.partner("A")
    w.creator("c1")
    w.bind("A", "c1")
    w.fact("c1", "author_level", 4, date(2024, 9, 2))
    w.fact("c1", "author_level", 5, date(2024, 10, 2))
    w.fact("c1", "author_level", 7, date(2024, 10, 3))  # after the day it is read: ignored
    got = run(
        on(w),
        mcn_scope(),
        on_end=(
            "creators_with_fact",
            lib.FactCountParams(fact="author_level", at_least=5, on="second_of_next"),
        ),
        on_last=("creators_with_fact", lib.FactCountParams(fact="author_level", at_least=5)),
    )
    assert (got["A"]["on_end"], got["A"]["on_last"]) == (1, 0)


def test_shares_live_days_reputation_and_credit(on: On) -> None:
    w = World()
    w.partner("A")
    w.partner("B")
    for c in ("c1", "c2", "c3"):
        w.creator(c)
        w.bind("A", c)
    w.fact("c1", "reputation", "4.5", date(2024, 9, 1))
    w.fact("c2", "reputation", "3.0", date(2024, 8, 1))
    w.fact("A", "credit_score", 75, date(2024, 6, 1), subject_kind="partner")
    t = datetime(2024, 9, 5, 3, tzinfo=UTC)
    w.order(t, "300", creator_id="c1", channel="showcase")
    w.order(t, "100", creator_id="c2", channel="live", refund="100")  # settles 0
    w.order(t, "100", creator_id="c3", channel="live")
    # c1 lives on 2 distinct Shanghai days (two lives on 09-05), c2 on 1, c3 none.
    w.live("c1", datetime(2024, 9, 5, 1, tzinfo=UTC), datetime(2024, 9, 5, 2, tzinfo=UTC))
    w.live("c1", datetime(2024, 9, 5, 10, tzinfo=UTC), datetime(2024, 9, 5, 11, tzinfo=UTC))
    w.live("c1", datetime(2024, 9, 6, 10, tzinfo=UTC), None)
    w.live("c2", datetime(2024, 9, 30, 15, tzinfo=UTC), None)  # 23:00 in Shanghai
    got = run(
        on(w),
        mcn_scope(),
        settled=("settled_gmv", lib.OrderParams()),
        showcase=("settled_gmv", lib.OrderParams(channels=("showcase",))),
        share=("ratio", lib.RatioParams(numerator="showcase", denominator="settled")),
        sellers=("creators_with_sales", lib.CreatorSalesParams(channels=("showcase",))),
        bound=("bound_subjects", lib.BoundParams()),
        author_share=("ratio", lib.RatioParams(numerator="sellers", denominator="bound")),
        live=("live_days_per_creator", lib.LiveDaysParams()),
        rep=("creator_fact_mean", lib.FactMeanParams(fact="reputation")),
        credit=("partner_fact", lib.PartnerFactParams(fact="credit_score", default=100)),
    )
    a, b = got["A"], got["B"]
    assert a["settled"] == Decimal("400")
    assert a["share"] == Decimal("0.75")  # 300 / 400
    assert a["author_share"] == Decimal("1") / 3 * 0 + Decimal("0.3333333333")
    assert a["live"] == Decimal("1")  # (2 + 1 + 0) / 3
    assert a["rep"] == Decimal("3.75")  # creators with a reputation only
    assert a["credit"] == Decimal("75")
    assert b["credit"] == Decimal("100")  # the default
    assert b["rep"] is None and b["share"] == 0


def test_money_is_converted_at_the_rate_in_force_on_the_paid_day(on: On) -> None:
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    w.seller("s1", market="TH")
    w.bind("T1", "s1", "fulfillment")
    w.fx("USD", "1")
    w.fx("THB", "0.025", date(2024, 1, 1))
    w.fx("THB", "0.030", date(2024, 9, 15))
    w.order(
        datetime(2024, 9, 1, 5, tzinfo=UTC),
        "1000",
        seller_id="s1",
        currency="THB",
        channel="shop_tab",
    )
    w.order(
        datetime(2024, 9, 20, 5, tzinfo=UTC),
        "1000",
        seller_id="s1",
        currency="THB",
        channel="shop_tab",
    )
    scope = Scope(SEP, "tsp", "Asia/Bangkok", "USD", ("TH",))
    got = run(
        on(w),
        scope,
        gmv=("gmv", lib.OrderParams(attribution="seller_binding", service="fulfillment")),
    )
    assert got["T1"]["gmv"] == Decimal("55")  # 1000 × 0.025 + 1000 × 0.030


def test_seller_rates_are_averaged_over_sellers_with_orders(on: On) -> None:
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    for s in ("s1", "s2", "s3"):
        w.seller(s, market="TH")
        w.bind("T1", s, "fulfillment")
    t = datetime(2024, 9, 10, tzinfo=UTC)
    # s1: 4 orders, 1 cancelled by the seller → 25%; s2: 1 order, none → 0%; s3: no orders.
    w.order(t, "1", seller_id="s1", cancelled_by="seller")
    for _ in range(3):
        w.order(t, "1", seller_id="s1")
    w.order(t, "1", seller_id="s2")
    w.order(t, "1", seller_id="s2", abnormal=True, cancelled_by="seller")  # left out
    scope = Scope(Period.parse("2024Q3"), "tsp", "Asia/Bangkok", "USD", ("TH",))
    got = run(on(w), scope, r=("seller_rate", lib.SellerRateParams(rate="seller_cancellation")))
    assert got["T1"]["r"] == Decimal("0.125")


def test_violations_revoked_by_the_generation_date_do_not_count(on: On) -> None:
    w = World()
    w.partner("T1", kind="tsp", market="TH")
    w.seller("s1", market="TH")
    w.seller("s2", market="TH")
    w.bind("T1", "s1", "content")
    w.bind("T1", "s2", "content")
    w.creator("c1", seller_id="s1", account_type="official")
    t = datetime(2024, 9, 10, tzinfo=UTC)
    w.violation("s1", t, severe=True, points="1")
    w.violation("c1", t, severe=True, points="2", subject_kind="creator")
    # Revoked 2024-10-01 (Bangkok) = the generation date of Q3: does not count.
    w.violation("s1", t, severe=True, points="4", revoked_at=datetime(2024, 9, 30, 20, tzinfo=UTC))
    # Revoked after the generation date: still counts.
    w.violation("s2", t, severe=True, points="1", revoked_at=datetime(2024, 10, 5, tzinfo=UTC))
    scope = Scope(Period.parse("2024Q3"), "tsp", "Asia/Bangkok", "USD", ("TH",))
    vp = {"kind": "content", "service": "content", "subjects": "sellers_and_creators"}
    got = run(
        on(w),
        scope,
        mx=("violations", lib.ViolationParams(**vp, severe=True, aggregate="max_per_seller")),
        pts=("violations", lib.ViolationParams(**vp, aggregate="points_per_seller")),
    )
    assert got["T1"]["mx"] == 2  # s1: its own and its creator's
    assert got["T1"]["pts"] == Decimal("2")  # (1 + 2 + 1) / 2 sellers


def test_growth_against_the_previous_period(on: On) -> None:
    w = World()
    w.partner("A")
    w.partner("B")
    w.creator("c1")
    w.creator("c2")
    w.bind("A", "c1")
    w.bind("B", "c2")
    w.order(datetime(2024, 8, 10, tzinfo=UTC), "100", creator_id="c1")
    w.order(datetime(2024, 9, 10, tzinfo=UTC), "130", creator_id="c1")
    w.order(datetime(2024, 9, 10, tzinfo=UTC), "5", creator_id="c2")
    got = run(
        on(w),
        mcn_scope(),
        g=("gmv", lib.OrderParams()),
        growth=("growth", lib.GrowthParams(of="g")),
    )
    assert got["A"]["growth"] == Decimal("0.3")
    assert got["B"]["growth"] == Decimal("1")  # from nothing: counted as +100%


def test_isv_sellers_and_api_calls(on: On) -> None:
    w = World()
    w.partner("I1", kind="isv", market="TH")
    w.add("apps", app_id="a1", partner_id="I1", published_on=date(2024, 1, 1), status="published")
    w.add("apps", app_id="a2", partner_id="I1", published_on=None, status="unpublished")
    for s, app, end in (("s1", "a1", None), ("s2", "a1", date(2024, 9, 30)), ("s1", "a2", None)):
        w.add("subscriptions", app_id=app, seller_id=s, started_on=date(2024, 2, 1), ended_on=end)
    w.add("api_calls", app_id="a1", day=date(2024, 9, 1), calls=920)
    w.add("api_calls", app_id="a2", day=date(2024, 8, 1), calls=920)
    scope = Scope(Period.parse("2024Q3"), "isv", "Asia/Bangkok", "USD", ("TH",))
    got = run(
        on(w),
        scope,
        sellers=("subscribed_sellers", lib.IsvParams()),
        api=("api_calls_per_day", lib.ApiParams()),
        apps=("published_apps", lib.IsvParams()),
    )
    # s2's subscription ended on the last day (exclusive); a2 is unpublished.
    assert got["I1"]["sellers"] == 1
    assert got["I1"]["api"] == Decimal("20")  # 1840 calls / 92 days
    assert got["I1"]["apps"] == 1


def test_a_derived_metric_must_name_metrics_of_the_program() -> None:
    reqs = [MetricRequest("r", "ratio", lib.RatioParams(numerator="x", denominator="y"))]
    with pytest.raises(PlanError, match="'x'"):
        compile_plan(reqs, mcn_scope())


def test_orders_of_a_creator_bound_twice_go_to_the_registered_binding(on: On) -> None:
    w = World()
    for p in ("A", "B", "C"):
        w.partner(p)
    w.creator("c1")
    w.creator("c2")
    # c1: A from January until 09-20, B from 09-10 (overlap 09-10..09-19: A is registered,
    # started first); from 09-20 only B.
    w.bind("A", "c1", started_on=date(2024, 1, 1), ended_on=date(2024, 9, 20))
    w.bind("B", "c1", started_on=date(2024, 9, 10))
    # c2: bound to A only, never overlapping: its orders are A's.
    w.bind("A", "c2", started_on=date(2024, 2, 1))
    for day, amount in ((5, "1"), (15, "10"), (25, "100")):
        w.order(datetime(2024, 9, day, 4, tzinfo=UTC), amount, creator_id="c1")
    w.order(datetime(2024, 9, 25, 4, tzinfo=UTC), "1000", creator_id="c2")
    got = run(on(w), mcn_scope(), gmv=("gmv", lib.OrderParams()))
    assert {p: r["gmv"] for p, r in got.items()} == {
        "A": Decimal("1011"),  # 1 + 10 (c1 before 09-20) + 1000 (c2)
        "B": Decimal("100"),
        "C": Decimal("0"),
    }
