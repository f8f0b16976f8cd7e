"""Loading a folder into the event store: validate everything, then upsert by key.

The whole load is one transaction: a problem in any file refuses every table of the load,
so the store never holds half a delivery. Rows are upserted by the table's contract key
set-wise: rows whose key is new are inserted, rows whose key exists with other content
replace the stored row, exact repeats change nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from tierwise.core.errors import DataError
from tierwise.core.sql import ident, idents, literal
from tierwise.store.contract import TABLE_INDEX, TABLES, Table
from tierwise.store.issues import DEFAULT_LIMIT, Issue, IssueList, issue_list, merge
from tierwise.store.reader import (
    FileShape,
    FolderScan,
    TableFile,
    inspect,
    relation,
    scan_folder,
)
from tierwise.store.schema import drop_temp_tables, ensure_schema, table_is_empty
from tierwise.store.validation import (
    ISSUE_COLUMNS,
    Conversion,
    Diagnosis,
    conversions,
    duplicate_keys,
    failing_checks,
    select_list,
)

#: Temporary tables of one load start with this; all are dropped when it ends.
_TEMP = "_load_"


@dataclass(frozen=True)
class TableCounts:
    """What one load did to one table."""

    table: str
    files: tuple[str, ...] = ()
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.inserted + self.replaced + self.unchanged


@dataclass(frozen=True)
class LoadReport:
    """Counts per contract table and every problem found; `errors` empty when stored."""

    folder: Path
    tables: tuple[TableCounts, ...]
    errors: IssueList
    warnings: IssueList

    @property
    def ok(self) -> bool:
        return self.errors.total == 0

    def counts(self, table: str) -> TableCounts:
        """The counts of one table (KeyError for a refused load, which has none)."""
        for t in self.tables:
            if t.table == table:
                return t
        raise KeyError(table)


class LoadRefused(DataError):
    """A load refused whole because a file is bad; nothing of it was stored."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        lines = [f"{report.folder}: load refused, nothing stored", *report.errors.lines()]
        super().__init__("\n".join(lines))


class LoadProgress(Protocol):
    """Told as each table's steps (one per file group, the checks, the upsert) finish."""

    def begin(self, table: str, steps: int) -> None: ...

    def step(self, table: str) -> None: ...


class _Quiet:
    def begin(self, table: str, steps: int) -> None:
        pass

    def step(self, table: str) -> None:
        pass


@dataclass(frozen=True)
class _Entry:
    """A readable file of the load with how each of its columns converts."""

    shape: FileShape
    convs: dict[str, Conversion]

    @property
    def file(self) -> TableFile:
        return self.shape.file


class _Unclean(Exception):
    """Something in the load is wrong; the diagnosis will say what and where."""


def load_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    *,
    progress: LoadProgress | None = None,
    limit: int = DEFAULT_LIMIT,
) -> LoadReport:
    """Validate a folder and upsert it into the store in one transaction.

    Returns the report (counts and warnings) when stored; raises `LoadRefused` with
    every error (up to `limit`, then a count) when any file is bad.
    """
    progress = progress or _Quiet()
    folder = Path(folder)
    if not folder.is_dir():
        issue = Issue("error", str(folder), "not a folder")
        empty = IssueList("warning", (), 0)
        raise LoadRefused(LoadReport(folder, (), IssueList("error", (issue,), 1), empty))
    ensure_schema(con)
    scan = scan_folder(folder)
    entries, issues = _inspect_files(con, scan)
    reports = _Reports(folder, issues, {f.name: f.source for f in scan.files}, limit)
    files = {t.name: tuple(f.name for f in scan.files_of(t)) for t in TABLES}
    clean: set[str] = set()
    failure: BaseException | None = None
    if not any(i.level == "error" for i in issues):
        try:
            counts, found_warnings = _store(con, entries, files, clean, progress, limit)
        except (_Unclean, duckdb.Error) as exc:
            failure = exc
        else:
            return reports.report(counts, [], found_warnings)
    raise _refusal(con, entries, clean, failure, reports)


def _inspect_files(
    con: duckdb.DuckDBPyConnection, scan: FolderScan
) -> tuple[dict[str, list[_Entry]], list[Issue]]:
    """Inspect every file of the folder and fix how each of its columns converts.

    Returns the readable files by table, and the scan's issues followed by each file's;
    a column of a type that cannot convert counts as missing from its file."""
    issues = list(scan.issues)
    entries: dict[str, list[_Entry]] = {t.name: [] for t in TABLES}
    for f in scan.files:
        shape, found = inspect(con, f)
        issues += found
        if shape is None:
            continue
        convs, unfit = conversions(shape)
        issues += unfit
        if unfit:
            missing = shape.missing + tuple(str(i.column) for i in unfit)
            shape = dataclasses.replace(shape, missing=missing)
        entries[f.table.name].append(_Entry(shape, convs))
    return entries, issues


@dataclass(frozen=True)
class _Reports:
    """What every report of one load shares: the issues found before storing, listed with
    the later ones file by file (in load order) and row by row, up to `limit`."""

    folder: Path
    issues: list[Issue]
    #: File name -> position in the load.
    order: dict[str, int]
    limit: int

    def report(
        self, tables: tuple[TableCounts, ...], errors: list[IssueList], warnings: list[IssueList]
    ) -> LoadReport:
        order = self.order

        def key(i: Issue) -> tuple[int, int]:
            return (order.get(i.file, len(order)), i.row or 0)

        return LoadReport(
            self.folder,
            tables,
            merge("error", [issue_list("error", self.issues), *errors], self.limit, key),
            merge("warning", [issue_list("warning", self.issues), *warnings], self.limit, key),
        )


def _refusal(
    con: duckdb.DuckDBPyConnection,
    entries: dict[str, list[_Entry]],
    clean: set[str],
    failure: BaseException | None,
    reports: _Reports,
) -> LoadRefused:
    """The refusal of a load that found errors or failed storing: every problem the
    diagnosis finds, or the failure itself when it finds none."""
    try:
        diagnosed = _diagnose(con, entries, clean, reports.limit)
    except duckdb.Error as exc:  # the store itself failed (disk full, out of memory)
        failure, diagnosed = exc, []
    result = reports.report((), diagnosed, [])
    if result.ok:  # the fast path failed on something the diagnosis cannot place
        what = str(failure).strip().splitlines()[0] if failure else "unknown failure"
        folder = str(reports.folder)
        result = reports.report((), [IssueList("error", (Issue("error", folder, what),), 1)], [])
    return LoadRefused(result)


def _groups(entries: list[_Entry]) -> Iterator[list[_Entry]]:
    """Files read by one statement: Parquet files of one schema together, text one by one."""
    parquet: dict[tuple[tuple[str, str], ...], list[_Entry]] = {}
    for e in entries:
        if not e.shape.has_rows or not e.shape.columns:
            continue
        if e.file.format == "parquet":
            parquet.setdefault(tuple(e.shape.columns.items()), []).append(e)
        else:
            yield [e]
    yield from parquet.values()


def _store(
    con: duckdb.DuckDBPyConnection,
    entries: dict[str, list[_Entry]],
    files: dict[str, tuple[str, ...]],
    clean: set[str],
    progress: LoadProgress,
    limit: int,
) -> tuple[tuple[TableCounts, ...], list[IssueList]]:
    """The fast path: strict conversion straight into place, checks counted, upsert."""
    con.begin()
    try:
        counts: list[TableCounts] = []
        loaded: dict[str, str] = {}
        for t in TABLES:
            groups = list(_groups(entries[t.name]))
            if not groups:
                counts.append(TableCounts(t.name, files[t.name]))
                continue
            progress.begin(t.name, len(groups) + 2)
            direct = table_is_empty(con, t.name)
            dest = ident(t.name) if direct else ident(_TEMP + t.name)
            if not direct:
                con.execute(f"CREATE TEMP TABLE {dest} AS SELECT * FROM {ident(t.name)} LIMIT 0")
            for group in groups:
                rows = relation([e.shape for e in group])
                con.execute(
                    f"INSERT INTO {dest} SELECT {select_list(t, group[0].convs, strict=True)} "
                    f"FROM ({rows})"
                )
                progress.step(t.name)
            if failing_checks(con, dest, t):
                raise _Unclean(t.name)
            dups = duplicate_keys(con, dest, t)
            if dups == "conflicting":
                raise _Unclean(t.name)
            if dups == "identical":
                _collapse(con, dest)
            progress.step(t.name)
            if direct:
                (n,) = con.execute(f"SELECT count(*) FROM {dest}").fetchone() or (0,)
                counts.append(TableCounts(t.name, files[t.name], inserted=int(n)))
            else:
                counts.append(_upsert(con, t, dest, files[t.name]))
            progress.step(t.name)
            loaded[t.name] = dest
            clean.add(t.name)
        warnings = _reference_warnings(con, loaded, entries, limit)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        drop_temp_tables(con, _TEMP)
    return tuple(counts), warnings


def _collapse(con: duckdb.DuckDBPyConnection, dest: str) -> None:
    """Keep one of each set of identical rows given more than once in the load."""
    copy = ident(_TEMP + "distinct")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {copy} AS SELECT DISTINCT * FROM {dest}")
    con.execute(f"DELETE FROM {dest}")
    con.execute(f"INSERT INTO {dest} SELECT * FROM {copy}")
    con.execute(f"DROP TABLE {copy}")


def _upsert(
    con: duckdb.DuckDBPyConnection, t: Table, staged: str, files: tuple[str, ...]
) -> TableCounts:
    """Insert new keys, replace changed rows, count exact repeats; all set-wise."""
    target = ident(t.name)
    changed = ident(_TEMP + "changed")
    on = " AND ".join(f"n.{ident(k)} = o.{ident(k)}" for k in t.key)
    differs = " OR ".join(f"n.{ident(c)} IS DISTINCT FROM o.{ident(c)}" for c in t.column_names)
    first_key = ident(t.key[0])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {changed} AS
            SELECT n.*, o.{first_key} IS NOT NULL AS __existed
            FROM {staged} n LEFT JOIN {target} o ON {on}
            WHERE o.{first_key} IS NULL OR {differs}"""
    )
    (total,) = con.execute(f"SELECT count(*) FROM {staged}").fetchone() or (0,)
    inserted, replaced = con.execute(
        f"SELECT count(*) FILTER (WHERE NOT __existed), count(*) FILTER (WHERE __existed) "
        f"FROM {changed}"
    ).fetchone() or (0, 0)
    if replaced:
        same_key = " AND ".join(f"{target}.{ident(k)} = c.{ident(k)}" for k in t.key)
        con.execute(f"DELETE FROM {target} USING {changed} c WHERE c.__existed AND {same_key}")
    cols = idents(t.column_names)
    con.execute(f"INSERT INTO {target} SELECT {cols} FROM {changed}")
    con.execute(f"DROP TABLE {changed}")
    return TableCounts(
        t.name,
        files,
        inserted=int(inserted),
        replaced=int(replaced),
        unchanged=int(total) - int(inserted) - int(replaced),
    )


def _reference_warnings(
    con: duckdb.DuckDBPyConnection,
    loaded: dict[str, str],
    entries: dict[str, list[_Entry]],
    limit: int,
) -> list[IssueList]:
    """Loaded values that name no row of the referenced table (the store after this load).

    Found set-wise as distinct unresolved values; only when there are some are the files
    read again to name the rows that hold them.
    """
    found = ident(_TEMP + "unresolved_rows")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {found} ({ISSUE_COLUMNS})")
    names: dict[int, str] = {}
    for name, rows in loaded.items():
        t = TABLE_INDEX[name]
        for pos, c in enumerate(t.columns):
            if c.references is None:
                continue
            ref_table, ref_column = c.references.split(".")
            col = ident(c.name)
            values = ident(_TEMP + "unresolved")
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {values} AS
                    SELECT DISTINCT l.{col} AS v FROM {rows} l
                    WHERE l.{col} IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM {ident(ref_table)} r WHERE r.{ident(ref_column)} = l.{col})"""
            )
            if con.execute(f"SELECT 1 FROM {values} LIMIT 1").fetchone() is None:
                continue
            message = literal(f"refers to no {c.references}")
            for e in entries[name]:
                conv = e.convs.get(c.name)
                if conv is None or not e.shape.has_rows:
                    continue
                names[e.file.source] = e.file.name
                source = relation([e.shape], rows=True)
                con.execute(
                    f"""INSERT INTO {found}
                        SELECT {e.file.source}, __row, {pos}, {literal(c.name)}, {message}, v
                        FROM (SELECT __row, {conv.expr} AS v FROM ({source}))
                        WHERE v IN (SELECT v FROM {values})"""
                )
    (total,) = con.execute(f"SELECT count(*) FROM {found}").fetchone() or (0,)
    rows_found = con.execute(
        f"SELECT src, row, col, message, value FROM {found} ORDER BY src, row, pos LIMIT {limit}"
    ).fetchall()
    shown = tuple(
        Issue("warning", names[int(src)], str(msg), int(row), str(col), str(value))
        for src, row, col, msg, value in rows_found
    )
    return [IssueList("warning", shown, int(total))]


def _diagnose(
    con: duckdb.DuckDBPyConnection,
    entries: dict[str, list[_Entry]],
    clean: set[str],
    limit: int,
) -> list[IssueList]:
    """List every row-level problem of the tables not known to be clean; stores nothing.

    It writes temporary tables only, each statement on its own (no transaction around
    them): a file the reader gives up on then fails its own statement, not every later one
    ("current transaction is aborted"), and is reported where it is."""
    lists: list[IssueList] = []
    for t in TABLES:
        if t.name in clean or not entries[t.name]:
            continue
        diagnosis = Diagnosis(con, t, limit)
        lists += diagnosis.run([(e.shape, e.convs) for e in entries[t.name]])
    return lists
