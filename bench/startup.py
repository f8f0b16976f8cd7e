"""Benchmark: a user's whole command, start-up included, against bare interpreters.

Run: `python bench/startup.py [--data DIR --period P] [--repeat N]`. Without `--data`, the
small synthetic platform is generated into a temporary folder first (ending 2024-09, the
period evaluated); not timed. Then, in this one run, each command is its own process,
timed from spawn to exit (wall clock), best of N, round-robin so that a burst of load on
the machine hits every command alike:

- the baselines: `python -c pass` (the interpreter) and `python -c "import duckdb"` (the
  one library every data command needs);
- `tierwise --help`, `tierwise programs list`, and `tierwise evaluate buyin-mcn --period P
  --data DIR --format json` (the store already cached from the folder by an untimed run).

Reported for each: seconds (best, median), the ratio to each baseline, the modules it
imports (`-X importtime`) and its peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

PYTHON = sys.executable
TIERWISE = [PYTHON, "-m", "tierwise"]


@dataclass
class Command:
    """One command line, and what each run of it measured."""

    label: str
    argv: list[str]
    seconds: list[float] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    modules: int = 0

    @property
    def best(self) -> float:
        return min(self.seconds)


def run(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds from spawn to exit."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    return elapsed


def peak_rss_mib(argv: list[str], env: dict[str, str]) -> float:
    """The command's peak RSS, by GNU time (spawned from a small process: a child of this
    one would count this process's pages it shares until its exec)."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", out.name, *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        return int(out.read().split()[-1]) / 1024


def imported_modules(argv: list[str], env: dict[str, str]) -> int:
    """How many modules the command imports: the lines of `python -X importtime`."""
    assert argv[0] == PYTHON
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *argv[1:]],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("import time:")) - 1


def commands(data: Path, period: str) -> list[Command]:
    evaluate = ["evaluate", "buyin-mcn", "--period", period, "--data", str(data)]
    return [
        Command("python -c pass", [PYTHON, "-c", "pass"]),
        Command('python -c "import duckdb"', [PYTHON, "-c", "import duckdb"]),
        Command("tierwise --help", [*TIERWISE, "--help"]),
        Command("tierwise programs list", [*TIERWISE, "programs", "list"]),
        Command(
            f"tierwise evaluate buyin-mcn --period {period} --format json",
            [*TIERWISE, *evaluate, "--format", "json"],
        ),
    ]


def measure(todo: list[Command], repeat: int, env: dict[str, str]) -> None:
    for command in todo:  # warm: the OS file cache, and the folder's cached store
        run(command.argv, env)
        command.modules = imported_modules(command.argv, env)
        command.peak_rss_mib = peak_rss_mib(command.argv, env)
    for _ in range(repeat):
        for command in todo:
            command.seconds.append(run(command.argv, env))


def report(todo: list[Command], repeat: int) -> None:
    bare, duck = todo[0].best, todo[1].best
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; "
        f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"best of {repeat}"
    )
    print(
        "| command | best s | median s | × python -c pass | × import duckdb | modules | "
        "peak RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in todo:
        print(
            f"| `{c.label}` | {c.best:.3f} | {statistics.median(c.seconds):.3f} | "
            f"{c.best / bare:.1f}× | {c.best / duck:.2f}× | {c.modules} | "
            f"{c.peak_rss_mib:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, help="A generated folder (default: small, made).")
    parser.add_argument("--period", default="2024-09", help="The month to evaluate.")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tw-startup-") as tmp:
        env = {**os.environ, "TIERWISE_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("TIERWISE_PROGRAMS_DIR", None)
        data = args.data
        if data is None:
            data = Path(tmp) / "small"
            generate = ["data", "generate", "--out", str(data), "--scale", "small"]
            subprocess.run(
                [*TIERWISE, *generate, "--seed", "7", "--end-month", args.period],
                env=env,
                stdout=subprocess.DEVNULL,
                check=True,
            )
        todo = commands(data, args.period)
        measure(todo, args.repeat, env)
        report(todo, args.repeat)


if __name__ == "__main__":
    main()
