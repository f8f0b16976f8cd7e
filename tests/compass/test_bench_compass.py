"""bench/compass.py's hand-written queries give tierwise's numbers, on the hand-built world
of the module tests (whose numbers are worked out by hand there), before anything is timed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.compass.test_analytics_modules import QUERY, P, world  # noqa: F401  (the fixture)
from tierwise.testing.world import World

BENCH = Path(__file__).resolve().parents[2] / "bench" / "compass.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_compass", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hand_queries_equal_tierwise(world: World) -> None:  # noqa: F811
    bench = _bench()
    assert bench.disagreements(world.con, P, QUERY) == []
    zone, rows = bench.visible_rows(world.con, P, QUERY)
    # the hand query's own numbers, as worked out in test_analytics_modules: a 114.00 USD
    # over 4 orders, 1 live, 1 video; b 57.00 over 1 order and 1 live
    hand = bench.hand_creator_list(world.con, zone, rows)
    assert {k: (float(v[0]), v[2], v[3], v[4]) for k, v in hand.items()} == {
        "a": (114.0, 4, 1, 1),
        "b": (57.0, 1, 1, 0),
    }
    assert bench.hand_overview(world.con, zone, rows)["current"]["gmv"] == 171
