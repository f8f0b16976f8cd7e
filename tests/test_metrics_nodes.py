"""The plan's nodes and compilers: pieces de-duplicated by structure, names that cannot
collide, one compiler per library metric."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlglot

from tierwise.core.periods import Period
from tierwise.metrics import catalog as lib
from tierwise.metrics.compilers import COMPILERS, compiler_for
from tierwise.metrics.nodes import Node, with_list
from tierwise.metrics.plan import MetricRequest, PlanError, Scope, build_plan
from tierwise.testing.world import World

SEP = Period.parse("2024-09")


def mcn_scope(period: Period = SEP) -> Scope:
    return Scope(period, "mcn", "Asia/Shanghai", "CNY", ("CN",))


def test_equal_nodes_are_one_node_and_different_nodes_have_different_names() -> None:
    a = Node("facts", "SELECT 1 AS value")
    assert Node("facts", "SELECT 1 AS value") == a
    assert Node("facts", "SELECT 1 AS value").name == a.name
    assert a.name.startswith("facts_") and len(a.name) == len("facts_") + 8
    assert Node("facts", "SELECT 2 AS value").name != a.name
    assert Node("other", "SELECT 1 AS value").name != a.name


def test_a_piece_read_twice_is_rendered_once_before_its_readers() -> None:
    shared = Node("shared", "SELECT 1 AS x")
    left = Node("left", f"SELECT x FROM {shared}", (shared,))
    right = Node("right", f"SELECT x + 1 AS x FROM {shared}", (shared,))
    # Built again by another reader: the same node.
    again = Node("shared", "SELECT 1 AS x")
    top = Node("top", f"SELECT * FROM {left}, {right}, {again}", (left, right, again))
    assert [n.stem for n in with_list([top])] == ["shared", "left", "right", "top"]


def test_a_node_must_read_the_nodes_it_names_as_parents() -> None:
    parent = Node("parent", "SELECT 1")
    with pytest.raises(PlanError, match="does not read"):
        Node("child", "SELECT 2", (parent,))
    with pytest.raises(PlanError, match="stem"):
        Node("Not A Stem", "SELECT 1")


def test_two_different_nodes_under_one_name_are_refused_not_merged() -> None:
    a = Node("piece", "SELECT 1")
    b = Node("piece", "SELECT 2")
    b.__dict__["name"] = a.name  # what a digest collision would look like
    with pytest.raises(PlanError, match="two different plan nodes"):
        with_list([a, b])


def test_every_library_metric_has_one_compiler() -> None:
    assert sorted(COMPILERS) == sorted(lib.LIBRARY)
    assert all(compiler_for(m).metric == m for m in lib.LIBRARY)
    with pytest.raises(PlanError, match="'nope'"):
        compiler_for("nope")


def test_an_unknown_library_metric_names_the_program_metric() -> None:
    reqs = [MetricRequest("odd", "nope", lib.IsvParams())]
    with pytest.raises(PlanError, match="metric 'odd': library metric 'nope'"):
        build_plan(reqs, mcn_scope())


def test_metrics_sharing_bound_creators_read_one_piece() -> None:
    reqs = [
        MetricRequest("bound", "bound_subjects", lib.BoundParams()),
        MetricRequest("lv6", "creators_with_fact", lib.FactCountParams(fact="lv", at_least=6)),
        MetricRequest("live", "live_days_per_creator", lib.LiveDaysParams()),
    ]
    plan = build_plan(reqs, mcn_scope())
    stems = [n.stem for n in plan.nodes]
    assert stems.count("bound_creators_mcn") == 1
    assert stems.count("abnormal_creators") == 1
    assert len(stems) == len({n.name for n in plan.nodes})
    sqlglot.parse_one(plan.sql, read="duckdb")


def test_growth_reads_the_previous_period_under_names_of_its_own() -> None:
    """September's and August's live days are different pieces: the previous period can
    never reuse the current one's SQL (as a name without the period once could)."""
    w = World()
    w.partner("A")
    w.creator("c1")
    w.bind("A", "c1", started_on=date(2024, 1, 1))
    # August: one Shanghai day with a livestream; September: two.
    w.live("c1", datetime(2024, 8, 5, 2, tzinfo=UTC), None)
    w.live("c1", datetime(2024, 9, 5, 2, tzinfo=UTC), None)
    w.live("c1", datetime(2024, 9, 6, 2, tzinfo=UTC), None)
    reqs = [
        MetricRequest("days", "live_days_per_creator", lib.LiveDaysParams()),
        MetricRequest("growth", "growth", lib.GrowthParams(of="days")),
    ]
    plan = build_plan(reqs, mcn_scope())
    assert [n.stem for n in plan.nodes].count("live_days") == 2
    rel = w.con.sql(plan.sql)
    row = dict(zip(rel.columns, rel.fetchall()[0], strict=True))
    assert row["days"] == Decimal("2")
    assert row["growth"] == Decimal("1")  # (2 - 1) / 1
