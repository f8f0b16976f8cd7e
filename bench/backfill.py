"""Benchmark: a 12-month backfill of every program (ISV and TSP: four quarters), stored as
runs in a fresh state store, on generated data.

Run: `python bench/backfill.py --data DIR [--state URL]`. The event store is built once
(not timed). For each program, in this one process: the baseline evaluates the same
periods one by one with no lifecycle and no storage; the backfill is one `record_run`
(evaluate every period in order, apply the lifecycle, the data gate, store every period's
run with results, standings and awards in one transaction, publish).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

from tierwise.core.periods import periods_between
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.evaluation.service import evaluate
from tierwise.runs.service import record_run
from tierwise.store.events import EventStore
from tierwise.store.queries import latest_complete_period

T = TypeVar("T")
PROGRAMS = (
    "buyin-mcn",
    "douyin-jixing-mcn",
    "tts-sea-isv",
    "tts-th-tsp-shop",
    "tts-th-tsp-content",
)


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """The result, seconds, and peak RSS in MB sampled every 10 ms while it ran."""
    proc = psutil.Process()
    peak = [proc.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
    return result, seconds, peak[0] / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--state", help="state store URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    con = EventStore.for_folder(args.data).con
    state = StateStore.open(args.state or f"sqlite:///{tempfile.mkdtemp()}/backfill.db")
    print(f"state store: {state.engine.url.render_as_string(hide_password=True)}")
    print(
        "| program | periods | partner-periods | evaluate only, s | backfill, s | ratio "
        "| peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    totals = [0.0, 0.0]
    for pid in PROGRAMS:
        program = load_program(pid)
        last = latest_complete_period(con, program)
        assert last is not None
        first = last.shift(-(12 // last.months) + 1)
        periods = periods_between(first, last)
        _, base, _ = timed(lambda: [evaluate(con, program, p) for p in periods])  # noqa: B023
        recorded, seconds, peak = timed(
            lambda: record_run(state, con, program, first, last, actor="bench", publish=True)  # noqa: B023
        )
        totals[0] += base
        totals[1] += seconds
        n = sum(len(p.steps) for p in recorded.history.periods)
        print(
            f"| {pid} | {first} – {last} | {n:,} | {base:.1f} | {seconds:.1f} "
            f"| {seconds / base:.2f}× | {peak:,.0f} |"
        )
    print(
        f"\nall five programs, 12 months each: {totals[1]:.1f} s "
        f"(evaluating alone: {totals[0]:.1f} s, {totals[1] / totals[0]:.2f}×)"
    )
    state.close()


if __name__ == "__main__":
    main()
