"""Load throughput: `tierwise data load` against DuckDB's bare read into a table.

For each folder (Parquet, CSV) and each repetition, two fresh store files are filled in
separate processes (so each process's peak memory is its own):

- baseline: `CREATE TABLE t AS SELECT * FROM read_parquet(...)` / `read_csv(...)` for every
  table file, no validation, no upsert;
- tierwise: `EventStore.open(path).load(folder)`: validation, one transaction, upsert.

Runs alternate so background load hits both alike; the median time of each is reported
with rows/s, peak RSS and the ratio tierwise/baseline (target: at most 1.5). A second
tierwise load of the same folder into the filled store (every row unchanged) is timed too.

    .venv/bin/python bench/load.py [--parquet /tmp/tw-medium] [--csv /tmp/tw-medium-csv]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUFFIXES = (".parquet", ".csv", ".jsonl")


def _reader(path: Path) -> str:
    if path.is_dir():
        return f"read_parquet('{path.as_posix()}/**/*.parquet')"
    if path.suffix == ".csv":
        return f"read_csv('{path}')"
    if path.suffix == ".jsonl":
        return f"read_json('{path}', format='newline_delimited')"
    return f"read_parquet('{path}')"


def run_baseline(folder: Path, db: Path) -> int:
    """DuckDB's bare read of every table file into a table of the same name."""
    import duckdb

    con = duckdb.connect(str(db))
    rows = 0
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or not (entry.is_dir() or entry.suffix in SUFFIXES):
            continue
        name = entry.name if entry.is_dir() else entry.stem
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM {_reader(entry)}')
        (n,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone() or (0,)
        rows += int(n)
    con.close()
    return rows


def run_tierwise(folder: Path, db: Path) -> int:
    from tierwise.store import EventStore

    with EventStore.open(db) as store:
        report = store.load(folder)
    return sum(t.rows for t in report.tables)


def one(mode: str, folder: Path, db: Path) -> None:
    """Child process: one measured load; prints seconds, rows and peak RSS as JSON."""
    began = time.perf_counter()
    rows = run_baseline(folder, db) if mode == "baseline" else run_tierwise(folder, db)
    seconds = time.perf_counter() - began
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mib": peak_kib / 1024}))


def measure(mode: str, folder: Path, db: Path) -> dict[str, float]:
    script = Path(__file__).resolve()
    out = subprocess.run(
        [sys.executable, str(script), "--one", mode, str(folder), str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    import duckdb

    return (
        f"nproc: {os.cpu_count()}; CPU: {cpu}; Python {platform.python_version()}; "
        f"DuckDB {duckdb.__version__}\n\n```\n{free}\n```"
    )


def bench(label: str, folder: Path, repeat: int, work: Path) -> list[str]:
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "tierwise": [], "reload": []}
    for i in range(repeat):
        for mode in ("baseline", "tierwise"):
            db = work / f"{label}-{mode}-{i}.duckdb"
            runs[mode].append(measure(mode, folder, db))
            if mode == "tierwise":
                runs["reload"].append(measure("tierwise", folder, db))
            db.unlink()
        print(f"  {label} run {i + 1}/{repeat} done", file=sys.stderr)
    base = statistics.median(r["seconds"] for r in runs["baseline"])
    lines = []
    for mode, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        rows = results[0]["rows"]
        peak = max(r["peak_mib"] for r in results)
        lines.append(
            f"| {label} | {mode} | {rows:,.0f} | {seconds:.2f} | {rows / seconds:,.0f} | "
            f"{peak:,.0f} | {seconds / base:.2f}x |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=Path("/tmp/tw-medium"))
    parser.add_argument("--csv", type=Path, default=Path("/tmp/tw-medium-csv"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("MODE", "FOLDER", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        mode, folder, db = args.one
        one(mode, Path(folder), Path(db))
        return
    print(machine(), "\n")
    print("| data | load | rows | seconds (median) | rows/s | peak RSS MiB | vs baseline |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        for label, folder in (("parquet", args.parquet), ("csv", args.csv)):
            if not folder.is_dir():
                print(f"| {label} | skipped: {folder} not found | | | | | |")
                continue
            for line in bench(label, folder, args.repeat, Path(tmp)):
                print(line, flush=True)


if __name__ == "__main__":
    main()
