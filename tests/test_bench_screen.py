"""bench/screen.py measures what it says: on a tiny scale, against both real servers (the
tierwise app on PostgreSQL and the bare Starlette floor), every event the sender had
accepted is seen by every open screen (the screens show the one creator the events are
about), each pair timed once; and its figures are the order statistics of those pairs.
Nothing here is timed or asserts a speed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "screen.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_screen", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.pg
@pytest.mark.slow
def test_every_accepted_event_reaches_every_screen_on_both_servers() -> None:
    bench = _bench()
    found = bench.run(count=3, rate=5.0, seconds=1.0)
    assert set(found) == {"baseline", "tierwise"}
    for kind, delivery in found.items():
        # 5 events × 3 screens, none missed: each pair timed exactly once
        assert (delivery.screens, delivery.events, delivery.missed) == (3, 5, 0), kind
        assert len(delivery.latencies) == 15, kind
    table = bench.table(found).splitlines()
    assert table[2].startswith("| baseline | 3 | 5 | 15 | 0 |")
    assert table[3].startswith("| tierwise | 3 | 5 | 15 | 0 |")
    assert table[2].endswith("| 1.0 |")  # the floor against itself


def test_the_figures_are_order_statistics_of_the_pairs() -> None:
    bench = _bench()
    # 100 pairs at 1..100 ms: p50 is the 51st (51 ms), p95 the 96th, p99 the 100th
    delivery = bench.Delivery([n / 1000 for n in range(100, 0, -1)], 0, 10, 10)
    assert delivery.quantile(0.5) == pytest.approx(0.051)
    assert delivery.quantile(0.95) == pytest.approx(0.096)
    assert delivery.quantile(0.99) == pytest.approx(0.100)
    floor = bench.Delivery([0.050] * 4, 0, 2, 2)
    rows = bench.table({"baseline": floor, "tierwise": delivery}).splitlines()
    assert rows[3] == "| tierwise | 10 | 10 | 100 | 0 | 51.0 | 96.0 | 100.0 | 2.0 |"


def test_a_screen_shows_an_event_when_its_card_has_that_number_or_a_later_one() -> None:
    bench = _bench()
    doc = {
        "creators": [
            {"creator_id": "c0", "figures": None},
            {"creator_id": "c1", "figures": {"online_viewers": 7}},
        ]
    }
    assert bench._viewers(doc) == 7
    assert bench._viewers({"creators": [{"creator_id": "c1", "figures": None}]}) == 0
