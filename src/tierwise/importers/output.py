"""Writing an import, all or nothing, through the canonical loader.

Both ways run the rows through `tierwise data load`'s loader, so an import is validated by
the same rules as a canonical delivery; a row the loader refuses is reported at the payload
record it came from. `--out` writes the file in a hidden folder beside the target, loads it
into a store in memory, and only then renames it into place; `--db` is the loader's one
transaction.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tierwise.importers.canonical import write_csv
from tierwise.importers.problems import ImportRefused, Problem, Problems
from tierwise.importers.result import ImportResult
from tierwise.store import EventStore, LoadRefused, LoadReport

#: The CSV header is line 1: the first row is line 2.
_FIRST_LINE = 2


def _refusal(result: ImportResult, exc: LoadRefused, limit: int | None) -> ImportRefused:
    problems = Problems() if limit is None else Problems(limit)
    for issue in exc.report.errors.shown:
        index = (issue.row or 0) - _FIRST_LINE
        if issue.file.endswith("orders.csv") and 0 <= index < len(result.origins):
            file, record = result.origins[index]
            field = f"orders.{issue.column}" if issue.column else None
            problems.add(Problem(file, record, field, issue.message, issue.value))
        else:
            problems.add(Problem(issue.file, None, issue.column, issue.message, issue.value))
    problems.total += exc.report.errors.more
    return ImportRefused(result.source, problems)


def write_folder(result: ImportResult, out: Path, limit: int | None = None) -> Path:
    """`out/orders.csv`, validated by the loader, replaced in one rename; nothing is
    written when the loader refuses a row."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tierwise-import-", dir=out))
    try:
        staged = write_csv(result.rows, staging / "orders.csv")
        with EventStore.open(":memory:") as check:
            try:
                check.load(staging)
            except LoadRefused as exc:
                raise _refusal(result, exc, limit) from None
        target = out / "orders.csv"
        os.replace(staged, target)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(out, ignore_errors=True)  # the folder this import made, empty
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_store(result: ImportResult, db: Path, limit: int | None = None) -> LoadReport:
    """Load the rows into the store `db` in the loader's one transaction."""
    with tempfile.TemporaryDirectory(prefix="tierwise-import-") as tmp:
        write_csv(result.rows, Path(tmp) / "orders.csv")
        with EventStore.open(db) as store:
            try:
                return store.load(tmp)
            except LoadRefused as exc:
                raise _refusal(result, exc, limit) from None
