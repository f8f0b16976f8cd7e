"""bench/evaluate.py's baselines — the hand-written DuckDB query, the pandas version and
the Polars lazy query — compute buyin-mcn's metrics exactly as tierwise does, on generated
data, before anything is timed against them (a faster baseline that counts something else
proves nothing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tierwise.core.periods import Period
from tierwise.store import EventStore
from tierwise.synth.world import generate

BENCH = Path(__file__).resolve().parents[1] / "bench" / "evaluate.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_evaluate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_baseline_gives_tierwises_buyin_metrics(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, "small", seed=7, fmt="parquet", end_month="2026-09")
    store = EventStore.for_folder(data, cache=tmp_path / "cache")
    try:
        bench = _bench()
        assert bench.disagreements(store.con, Period.parse("2026-09")) == []
        # the comparison is not vacuous: agencies with showcase authors and GMV exist
        rows = store.con.execute(bench.floor_sql(Period.parse("2026-09"))).fetchall()
        assert sum(1 for r in rows if r[1] > 0 and r[6] > 0) >= 3
    finally:
        store.close()
