"""Reading a folder in the canonical data contract: which file holds which table, what each
file's columns are, and the SQL through which DuckDB reads its rows.

A table is `<table>.csv`, `<table>.parquet`, `<table>.jsonl`, or a folder `<table>/` of such
files (partitioned Parquet). Text formats are read as VARCHAR, so the validator sees every
value exactly as written; Parquet keeps its own types and is converted only where they
differ from the contract.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from tierwise.core.sql import ident, literal
from tierwise.store.contract import TABLE_INDEX, Table
from tierwise.store.issues import Issue

Format = Literal["csv", "jsonl", "parquet"]
SUFFIX_FORMATS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
TEXT = "VARCHAR"

#: The one CSV dialect the contract knows: comma, double quotes, a header row. An empty
#: field is null; rows with too few or too many fields are errors.
_CSV_OPTIONS = (
    "header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
    "strict_mode=true, null_padding=false"
)


@dataclass(frozen=True)
class TableFile:
    """One file of a table in the folder being loaded."""

    table: Table
    path: Path
    #: The name shown in issues: the path relative to the folder.
    name: str
    format: Format
    #: Position in the load; stored as `__src` next to staged rows to name their file.
    source: int


@dataclass(frozen=True)
class FileShape:
    """What inspecting a file found: which contract columns it has, typed as in the file."""

    file: TableFile
    #: Contract column -> DuckDB type as the file holds it (VARCHAR for text formats).
    columns: dict[str, str]
    #: Every CSV header name in order; `read_csv` must be told all of them.
    header: tuple[str, ...] = ()
    #: Required contract columns the file lacks (already reported as errors).
    missing: tuple[str, ...] = ()
    has_rows: bool = True

    @property
    def typed(self) -> bool:
        return self.file.format == "parquet"


@dataclass
class FolderScan:
    """The table files of a folder, with problems found in its layout."""

    folder: Path
    files: list[TableFile] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def files_of(self, table: Table) -> list[TableFile]:
        return [f for f in self.files if f.table.name == table.name]


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


@dataclass(frozen=True)
class _Given:
    """A folder entry that gives a table: its name in issues and the files it holds."""

    table: Table
    label: str
    #: Each file with its format, None for a file of no known format.
    candidates: list[tuple[Path, Format | None]]


def scan_folder(folder: Path) -> FolderScan:
    """Find each table's files; unknown files are warnings, a table given twice an error."""
    scan = FolderScan(folder)
    given: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if _hidden(entry.name):
            continue
        offer = _given_folder(entry, scan) if entry.is_dir() else _given_file(entry, scan)
        if offer is None:
            continue
        name = offer.table.name
        if name in given:
            scan.issues.append(
                Issue(
                    "error",
                    offer.label,
                    f"table {name} is also given by {given[name]}; give it once",
                )
            )
            continue
        given[name] = offer.label
        _add_files(scan, offer)
    return scan


def _given_folder(entry: Path, scan: FolderScan) -> _Given | None:
    """The table a subfolder gives, with every file under it not hidden; None (warned) when
    its name is no table."""
    table = TABLE_INDEX.get(entry.name)
    if table is None:
        scan.issues.append(Issue("warning", entry.name + "/", "unknown table, ignored"))
        return None
    parts = sorted(
        p
        for p in entry.rglob("*")
        if p.is_file() and not any(_hidden(x) for x in p.relative_to(entry).parts)
    )
    candidates = [(p, SUFFIX_FORMATS.get(p.suffix.lower())) for p in parts]
    return _Given(table, entry.name + "/", candidates)


def _given_file(entry: Path, scan: FolderScan) -> _Given | None:
    """The table a file gives; None (warned) when its format or its name is unknown."""
    fmt = SUFFIX_FORMATS.get(entry.suffix.lower())
    if fmt is None:
        scan.issues.append(
            Issue("warning", entry.name, "not a .csv, .jsonl or .parquet file, ignored")
        )
        return None
    table = TABLE_INDEX.get(entry.stem)
    if table is None:
        scan.issues.append(Issue("warning", entry.name, "unknown table, ignored"))
        return None
    return _Given(table, entry.name, [(entry, fmt)])


def _add_files(scan: FolderScan, given: _Given) -> None:
    """Add the table's files of known formats to the scan; the others are warnings, and so
    is a table left with none."""
    for path, fmt in given.candidates:
        name = path.relative_to(scan.folder).as_posix()
        if fmt is None:
            scan.issues.append(
                Issue("warning", name, "not a .csv, .jsonl or .parquet file, ignored")
            )
            continue
        scan.files.append(TableFile(given.table, path, name, fmt, len(scan.files)))
    if not any(f.table.name == given.table.name for f in scan.files):
        scan.issues.append(Issue("warning", given.label, "no table files, table left empty"))


# --- inspecting one file -------------------------------------------------------------


def inspect(con: duckdb.DuckDBPyConnection, f: TableFile) -> tuple[FileShape | None, list[Issue]]:
    """Read a file's header or schema; None when the file cannot be read at all."""
    if f.path.stat().st_size == 0:
        return None, [Issue("error", f.name, "empty file (0 bytes)")]
    if f.format == "csv":
        return _inspect_csv(f)
    if f.format == "jsonl":
        return _inspect_jsonl(con, f)
    return _inspect_parquet(con, f)


def _columns(
    f: TableFile, found: dict[str, str], first_rows: dict[str, int | None]
) -> tuple[dict[str, str], tuple[str, ...], list[Issue]]:
    """Split a file's columns into contract columns, unknown ones and missing ones."""
    issues: list[Issue] = []
    for name in found:
        if name not in f.table.column_index:
            issues.append(
                Issue("warning", f.name, "unknown column, ignored", first_rows.get(name), name)
            )
    row = 1 if f.format == "csv" else None
    missing = tuple(c.name for c in f.table.columns if not c.nullable and c.name not in found)
    issues += [Issue("error", f.name, "required column missing", row, m) for m in missing]
    columns = {n: t for n, t in found.items() if n in f.table.column_index}
    return columns, missing, issues


def _inspect_csv(f: TableFile) -> tuple[FileShape | None, list[Issue]]:
    with f.path.open("rb") as fh:
        first = fh.readline()
        rest = fh.read(4096)
        while rest and not rest.strip():
            rest = fh.read(65536)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = first[exc.start : exc.start + 4]
        return None, [Issue("error", f.name, "not UTF-8", 1, value=bad.hex(" "))]
    if not text.strip():
        return None, [Issue("error", f.name, "no header row", 1)]
    try:
        header = tuple(next(csv.reader([text.rstrip("\r\n")], strict=True)))
    except csv.Error as exc:  # a line break or a quote where the header cannot have one
        return None, [Issue("error", f.name, f"not a CSV header: {exc}", 1, value=text)]
    issues: list[Issue] = []
    seen: set[str] = set()
    for name in header:
        if name in seen or not name:
            what = "column given twice in the header" if name else "empty column name"
            issues.append(Issue("error", f.name, what, 1, name or None))
        seen.add(name)
    if issues:
        return None, issues
    bad_quoting = csv_quoting_problem(f)
    if bad_quoting is not None:
        return None, [bad_quoting]
    columns, missing, more = _columns(f, dict.fromkeys(header, TEXT), dict.fromkeys(header, 1))
    issues += more
    has_rows = bool(rest.strip())
    if not has_rows:
        issues.append(Issue("warning", f.name, "header only, no rows", 1))
    return FileShape(f, columns, header, missing, has_rows), issues


def _inspect_jsonl(
    con: duckdb.DuckDBPyConnection, f: TableFile
) -> tuple[FileShape | None, list[Issue]]:
    lines = jsonl_lines(f)
    try:
        keys = con.execute(
            f"""SELECT k, min(__row) FROM (
                    SELECT __row, unnest(json_keys(__line)) AS k FROM ({lines})
                    WHERE {_JSON_OBJECT})
                GROUP BY k ORDER BY min(__row), k"""
        ).fetchall()
        (count,) = con.execute(f"SELECT count(*) FROM ({lines})").fetchone() or (0,)
    except duckdb.Error:
        return None, utf8_problems(f)
    found = {str(k): TEXT for k, _ in keys}
    columns, missing, issues = _columns(f, found, {str(k): int(r) for k, r in keys})
    if not count:
        issues = [Issue("warning", f.name, "no rows")]
        return FileShape(f, {}, (), (), False), issues
    return FileShape(f, columns, (), missing, True), issues


def _inspect_parquet(
    con: duckdb.DuckDBPyConnection, f: TableFile
) -> tuple[FileShape | None, list[Issue]]:
    try:
        schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal(str(f.path))})")
        found = {str(r[0]): str(r[1]) for r in schema.fetchall()}
        meta = con.execute(
            f"SELECT sum(num_rows) FROM parquet_file_metadata({literal(str(f.path))})"
        ).fetchone()
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        return None, [Issue("error", f.name, f"not a readable Parquet file: {message}")]
    columns, missing, issues = _columns(f, found, {})
    has_rows = bool(meta and meta[0])
    if not has_rows:
        issues.append(Issue("warning", f.name, "no rows"))
    return FileShape(f, columns, (), missing, has_rows), issues


# --- CSV quoting ---------------------------------------------------------------------

#: RFC 4180 records: each field is quoted (a quote inside doubled) or holds no quote at all.
#: DuckDB's reader takes `ab"c` as the text `ab"c`; the contract does not (a stray quote is
#: a field cut or joined wrongly upstream). Possessive repeats: no backtracking over a file.
_FIELD = rb'(?:"(?:[^"]|"")*+"|[^,"\r\n]*+)'
_RECORD = rb"(?:" + _FIELD + rb"(?:," + _FIELD + rb")*+(?:\r\n|\n|\r))"
_RECORDS = re.compile(_RECORD + rb"*+")
_ONE_RECORD = re.compile(_RECORD)


def csv_quoting_problem(f: TableFile) -> Issue | None:
    """The first CSV record whose quoting is wrong, named by its line; None when every
    record is well quoted. Only a file holding a quote needs the scan."""
    data = f.path.read_bytes()
    if b'"' not in data:
        return None
    if not data.endswith((b"\n", b"\r")):
        data += b"\n"
    end = _RECORDS.match(data)
    stop = 0 if end is None else end.end()
    if stop == len(data):
        return None
    row = 1 + sum(1 for _ in _ONE_RECORD.finditer(data, 0, stop))
    line = data[stop:].splitlines()[0] if data[stop:].strip() else data[stop:]
    value = line.decode("utf-8", errors="replace")
    return Issue("error", f.name, "badly quoted field", row, value=value)


# --- text that is not UTF-8 --------------------------------------------------------------

_BAD_BYTE = re.compile("[\udc80-\udcff]+")


def utf8_problems(f: TableFile) -> list[Issue]:
    """Name each line of a text file that is not UTF-8 (only used once DuckDB refused it)."""
    text = f.path.read_bytes().decode("utf-8", errors="surrogateescape")
    issues: list[Issue] = []
    line, pos = 1, 0
    for m in _BAD_BYTE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        if issues and issues[-1].row == line:
            continue
        raw = m.group().encode("utf-8", errors="surrogateescape")[:4]
        issues.append(Issue("error", f.name, "not UTF-8", line, value=raw.hex(" ")))
    if not issues:
        issues.append(Issue("error", f.name, "cannot be read as text"))
    return issues


_FORMAT_NAMES: dict[Format, str] = {
    "csv": "a CSV",
    "jsonl": "a JSON Lines",
    "parquet": "a readable Parquet",
}
_ENGINE_PREFIX = re.compile(r"^[A-Za-z ]*(Error|Exception):\s*")


def unreadable(f: TableFile, exc: BaseException) -> list[Issue]:
    """What to say of a file DuckDB's reader gave up on: the lines that are not UTF-8 when
    there are some, else `not a CSV file: why` — never the engine's own error."""
    if f.format != "parquet":
        located = [i for i in utf8_problems(f) if i.row is not None]
        if located:
            return located
    lines = str(exc).strip().splitlines()
    why = _ENGINE_PREFIX.sub("", lines[0]) if lines else type(exc).__name__
    return [Issue("error", f.name, f"not {_FORMAT_NAMES[f.format]} file: {why}")]


# --- SQL that reads a file's rows --------------------------------------------------------

#: A JSON Lines line holds one object (evaluated lazily: json_type fails on invalid JSON).
_JSON_OBJECT = "CASE WHEN json_valid(__line) THEN json_type(__line) = 'OBJECT' ELSE false END"


def jsonl_lines(f: TableFile) -> str:
    """Every non-blank line of a JSON Lines file with its line number as `__row`."""
    return f"""
        SELECT __row, __line FROM (
            SELECT generate_subscripts(__lines, 1) AS __row,
                   rtrim(unnest(__lines), chr(13)) AS __line
            FROM (SELECT string_split(content, chr(10)) AS __lines
                  FROM read_text({literal(str(f.path))})))
        WHERE trim(__line) <> ''"""


def jsonl_bad_lines(f: TableFile) -> str:
    """Lines of a JSON Lines file that are not one JSON object."""
    return f"SELECT __row, __line FROM ({jsonl_lines(f)}) WHERE NOT ({_JSON_OBJECT})"


def relation(
    shapes: list[FileShape],
    *,
    rows: bool = False,
    rejects: str | None = None,
    strict: bool = True,
) -> str:
    """SQL reading the contract columns of files with one shape, as the files hold them.

    `rows` adds `__row` (line number or 1-based Parquet row). `rejects` names the tables
    where DuckDB records CSV lines it cannot parse (bad quoting, field counts, encoding)
    instead of failing. `strict=False` skips JSON Lines lines that are not objects
    (they are reported separately) instead of failing.
    """
    first = shapes[0]
    names = list(first.columns)
    cols = ", ".join(ident(n) for n in names)
    fmt = first.file.format
    if fmt == "parquet":
        # An empty string is null, as an empty CSV field is.
        cols = ", ".join(
            f"NULLIF({ident(n)}, '') AS {ident(n)}" if t == TEXT else ident(n)
            for n, t in first.columns.items()
        )
        paths = "[" + ", ".join(literal(str(s.file.path)) for s in shapes) + "]"
        if not rows:
            return f"SELECT {cols} FROM read_parquet({paths})"
        return (
            f"SELECT file_row_number + 1 AS __row, {cols} "
            f"FROM read_parquet({paths}, file_row_number=true)"
        )
    if len(shapes) != 1:
        raise ValueError("text files are read one at a time")
    if fmt == "csv":
        spec = ", ".join(f"{literal(h)}: 'VARCHAR'" for h in first.header)
        options = _CSV_OPTIONS
        if rejects:
            options += (
                f", store_rejects=true, rejects_table={literal(rejects)}, "
                f"rejects_scan={literal(rejects + '_scan')}"
            )
        source = f"read_csv({literal(str(first.file.path))}, columns={{{spec}}}, {options})"
        if not rows:
            return f"SELECT {cols} FROM {source}"
        return f"SELECT row_number() OVER () + 1 AS __row, {cols} FROM {source}"
    paths = ", ".join(literal("$." + ident(n)) for n in names)
    values = ", ".join(f"NULLIF(__v[{i}], '') AS {ident(n)}" for i, n in enumerate(names, 1))
    if strict:
        line = (
            f"CASE WHEN {_JSON_OBJECT} THEN __line "
            f"ELSE error({literal(first.file.name + ': a line is not a JSON object')}) END"
        )
        where = ""
    else:
        line, where = "__line", f"WHERE {_JSON_OBJECT}"
    inner = (
        f"SELECT __row, json_extract_string({line}, [{paths}]) AS __v "
        f"FROM ({jsonl_lines(first.file)}) {where}"
    )
    head = "__row, " if rows else ""
    return f"SELECT {head}{values} FROM ({inner})"
