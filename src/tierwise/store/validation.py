"""Checking loaded rows against the contract, set-wise in DuckDB SQL.

Every check is one SQL predicate over a whole staged table; no Python loop looks at rows.
A load first runs cheaply: values are converted strictly (the statement fails on the first
value that does not fit) and each check is only counted. Only when something is wrong does
the diagnosis run: it stages each file with its row numbers and raw values and lists every
problem as `file:row: column: what is wrong (value)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from tierwise.core.sql import ident, idents, literal
from tierwise.store.contract import CURRENCIES, Column, ColumnType, Table
from tierwise.store.issues import Issue, IssueList
from tierwise.store.reader import TEXT, FileShape, jsonl_bad_lines, relation, unreadable

# --- converting a file's values to the contract's types --------------------------------

_INT = r"[+-]?[0-9]+"
#: Ten characters shaped like YYYY-MM-DD; the cast then checks the digits and the day.
_DAY = "____-__-__"
#: The timestamps the contract accepts, before the cast checks the day and the time: a day,
#: or a day, `T` or a space, `HH:MM[:SS[.fraction]]` and an optional offset `Z`, `±HH`,
#: `±HHMM` or `±HH:MM` of at most 14 hours (the widest in use, Kiribati's +14:00). DuckDB's
#: cast alone would shift by `+99:99` and resolve zone names; both are refused.
TIMESTAMP_PATTERN = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    "([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
    "(Z|[+-]((0[0-9]|1[0-3])(:?[0-5][0-9])?|14(:?00)?))?)?"
)
#: Control characters (C0, DEL, C1): no id, code or name holds one, and PostgreSQL text
#: cannot hold NUL.
CONTROL_PATTERN = "[\\x00-\\x1F\\x7F-\\x9F]"


def _scale(sql_type: str) -> int:
    m = re.search(r",\s*(\d+)\)", sql_type)
    return int(m.group(1)) if m else 0


#: What is wrong with a value that does not convert, by contract type.
TYPE_PROBLEMS: dict[ColumnType, str] = {
    "str": "not text",
    "int": "not an integer",
    "num": "not a decimal number",
    "money": "not an exact amount (a decimal with at most {scale} places)",
    "bool": "not a boolean (true, false, 1, 0)",
    "date": "not a date (YYYY-MM-DD)",
    "ts": "not an ISO 8601 timestamp",
}


def type_problem(column: Column) -> str:
    return TYPE_PROBLEMS[column.type].format(scale=_scale(column.sql_type))


@dataclass(frozen=True)
class Conversion:
    """How one column of one file becomes its contract type."""

    column: Column
    #: SQL of the value as the file holds it, null when empty.
    source: str
    #: SQL of the contract-typed value; null where the source value does not fit.
    expr: str
    #: Whether a non-null source value can fail to convert.
    can_fail: bool

    def strict(self) -> str:
        """SQL that stops the statement at the first value that does not fit."""
        if not self.can_fail:
            return self.expr
        message = literal(f"{self.column.name}: {type_problem(self.column)}")
        return (
            f"CASE WHEN {self.source} IS NULL THEN NULL "
            f"ELSE COALESCE({self.expr}, error({message})) END"
        )


def _text_conversion(column: Column, v: str) -> str:
    """SQL converting text `v` to the column's type, or null when it is not well formed.

    DuckDB's casts do the parsing; cheap string tests in front of them refuse what the
    casts would accept but the contract does not: `1.5` as an integer (the cast rounds),
    money with more decimals than stored, `yes`/`t` as booleans, `2024-1-5` as a date.
    """
    t = column.sql_type
    match column.type:
        case "str":
            return v
        case "int":
            return f"CASE WHEN regexp_full_match({v}, '{_INT}') THEN TRY_CAST({v} AS {t}) END"
        case "money":
            # Only values with more than `scale` characters after a dot need the exact test.
            long = "%." + "_" * (_scale(t) + 1) + "%"
            places = f"length(rtrim({v}, '0')) - strpos({v}, '.') <= {_scale(t)}"
            return (
                f"CASE WHEN {v} NOT LIKE '{long}' THEN TRY_CAST({v} AS {t}) "
                f"WHEN {places} THEN TRY_CAST({v} AS {t}) END"
            )
        case "num":
            return f"TRY_CAST({v} AS {t})"
        case "bool":
            return (
                f"CASE WHEN length({v}) IN (4, 5) OR {v} IN ('0', '1') "
                f"THEN TRY_CAST({v} AS BOOLEAN) END"
            )
        case "date":
            return f"CASE WHEN {v} LIKE '{_DAY}' THEN TRY_CAST({v} AS {t}) END"
        case "ts":
            shape = f"regexp_full_match({v}, '{TIMESTAMP_PATTERN}')"
            return f"CASE WHEN {shape} THEN TRY_CAST({v} AS {t}) END"


_INTEGERS = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_FLOATS = {"FLOAT": 1e-6, "DOUBLE": 1e-9}
#: Families of file types that hold numbers.
_NUMERIC = ("int", "decimal", "float")


def _family(source_type: str) -> str:
    if source_type in _INTEGERS:
        return "int"
    if source_type.startswith("DECIMAL"):
        return "decimal"
    if source_type in _FLOATS:
        return "float"
    if source_type.startswith("TIMESTAMP"):
        return "tz" if "TIME ZONE" in source_type else "timestamp"
    return source_type.lower()


def _from_integral(column: Column, ref: str, source_type: str) -> Conversion | None:
    """An integer column from a numeric file type: whole values only."""
    family = _family(source_type)
    if family not in _NUMERIC:
        return None
    expr = f"TRY_CAST({ref} AS BIGINT)"
    if family != "int":
        expr = f"CASE WHEN {ref} = trunc({ref}) THEN {expr} END"
    return Conversion(column, ref, expr, source_type not in ("TINYINT", "SMALLINT", "INTEGER"))


def _from_money(column: Column, ref: str, source_type: str) -> Conversion | None:
    """A money column from a numeric file type: exact amounts only (floats within their
    precision)."""
    family = _family(source_type)
    if family not in _NUMERIC:
        return None
    cast = f"TRY_CAST({ref} AS {column.sql_type})"
    if family == "float":
        eps = _FLOATS[source_type]
        exact = f"abs(CAST({cast} AS DOUBLE) - {ref}) <= {eps} * greatest(1, abs({ref}))"
    else:
        exact = f"{cast} = {ref}"
    return Conversion(column, ref, f"CASE WHEN {exact} THEN {cast} END", True)


def _from_number(column: Column, ref: str, source_type: str) -> Conversion | None:
    """A decimal column from a numeric file type."""
    if _family(source_type) not in _NUMERIC:
        return None
    return Conversion(column, ref, f"TRY_CAST({ref} AS {column.sql_type})", True)


def _from_flag(column: Column, ref: str, source_type: str) -> Conversion | None:
    """A boolean column from an integer file type: 1 and 0 only."""
    if _family(source_type) != "int":
        return None
    return Conversion(column, ref, f"CASE {ref} WHEN 1 THEN true WHEN 0 THEN false END", True)


def _from_instant(column: Column, ref: str, source_type: str) -> Conversion | None:
    """A timestamp column from a timestamp (with or without zone) or date file type."""
    if _family(source_type) not in ("timestamp", "date", "tz"):
        return None
    return Conversion(column, ref, f"CAST({ref} AS TIMESTAMPTZ)", False)


#: How a contract type is converted from a typed (Parquet) file column of another type;
#: types missing here (date) cannot be.
_FROM_TYPED: dict[ColumnType, Callable[[Column, str, str], Conversion | None]] = {
    "int": _from_integral,
    "money": _from_money,
    "num": _from_number,
    "bool": _from_flag,
    "ts": _from_instant,
}


def conversion(column: Column, source_type: str) -> Conversion | None:
    """The conversion of a file column typed `source_type`; None when it cannot hold the
    column's values at all (a date column stored as a timestamp, say)."""
    ref = ident(column.name)
    target = column.sql_type
    canonical = "TIMESTAMP WITH TIME ZONE" if target == "TIMESTAMPTZ" else target
    if source_type == TEXT:
        return Conversion(column, ref, _text_conversion(column, ref), column.type != "str")
    if source_type == canonical:
        return Conversion(column, ref, ref, False)
    if column.type == "str":
        return Conversion(column, ref, f"CAST({ref} AS VARCHAR)", False)
    convert = _FROM_TYPED.get(column.type)
    return None if convert is None else convert(column, ref, source_type)


def conversions(shape: FileShape) -> tuple[dict[str, Conversion], list[Issue]]:
    """Each contract column of a file with its conversion; unfit file types are errors."""
    out: dict[str, Conversion] = {}
    issues: list[Issue] = []
    for name, source_type in shape.columns.items():
        column = shape.file.table.column(name)
        conv = conversion(column, source_type)
        if conv is None:
            issues.append(
                Issue(
                    "error",
                    shape.file.name,
                    f"stored as {source_type}, which cannot hold {column.type} values",
                    column=name,
                )
            )
        else:
            out[name] = conv
    return out, issues


def select_list(table: Table, convs: dict[str, Conversion], *, strict: bool) -> str:
    """The contract columns of `table` from a file relation; absent columns are null."""
    parts = []
    for c in table.columns:
        conv = convs.get(c.name)
        expr = "NULL" if conv is None else conv.strict() if strict else conv.expr
        parts.append(f"CAST({expr} AS {c.sql_type}) AS {ident(c.name)}")
    return ", ".join(parts)


# --- checks on contract-typed rows --------------------------------------------------------


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row that the contract states in words."""

    table: str
    column: str
    predicate: str
    message: str
    value: str | None
    #: Columns the predicate requires to be null; the diagnosis only blames the rule when
    #: the file left them empty, not when their value failed to convert (already reported).
    absent: tuple[str, ...] = ()


def _pair(a: str, op: str, b: str) -> str:
    return f"CAST({ident(a)} AS VARCHAR) || ' {op} ' || CAST({ident(b)} AS VARCHAR)"


def _both_or_neither(table: str, a: str, b: str) -> tuple[RowRule, RowRule]:
    """Two columns that are given together or not at all (an answer and its time)."""
    return (
        RowRule(
            table,
            b,
            f"{ident(a)} IS NOT NULL AND {ident(b)} IS NULL",
            f"missing while {a} is given",
            f"CAST({ident(a)} AS VARCHAR)",
            absent=(b,),
        ),
        RowRule(
            table,
            a,
            f"{ident(b)} IS NOT NULL AND {ident(a)} IS NULL",
            f"missing while {b} is given",
            f"CAST({ident(b)} AS VARCHAR)",
            absent=(a,),
        ),
    )


ROW_RULES: tuple[RowRule, ...] = (
    RowRule(
        "orders",
        "refund_amount",
        '"refund_amount" > "amount"',
        "refund larger than the amount",
        _pair("refund_amount", ">", "amount"),
    ),
    RowRule(
        "orders",
        "paid_at",
        '"paid_at" < "created_at"',
        "paid before the order was created",
        _pair("paid_at", "<", "created_at"),
    ),
    RowRule(
        "orders",
        "review_rating",
        '"review_rating" NOT BETWEEN 1 AND 5',
        "not a rating from 1 to 5",
        'CAST("review_rating" AS VARCHAR)',
    ),
    RowRule(
        "livestreams",
        "ended_at",
        '"ended_at" < "started_at"',
        "ends before it starts",
        _pair("ended_at", "<", "started_at"),
    ),
    RowRule(
        "bindings",
        "ended_on",
        '"ended_on" < "started_on"',
        "ends before it starts",
        _pair("ended_on", "<", "started_on"),
    ),
    RowRule(
        "subscriptions",
        "ended_on",
        '"ended_on" < "started_on"',
        "ends before it starts",
        _pair("ended_on", "<", "started_on"),
    ),
    RowRule(
        "violations",
        "revoked_at",
        '"revoked_at" < "occurred_at"',
        "revoked before it occurred",
        _pair("revoked_at", "<", "occurred_at"),
    ),
    *_both_or_neither("authorizations", "response", "responded_at"),
    RowRule(
        "authorizations",
        "responded_at",
        '"responded_at" < "requested_at"',
        "answered before it was requested",
        _pair("responded_at", "<", "requested_at"),
    ),
    RowRule(
        "authorizations",
        "revoked_at",
        '"revoked_at" IS NOT NULL AND "response" IS DISTINCT FROM \'approved\'',
        "revoked without an approval",
        '"response"',
    ),
    RowRule(
        "authorizations",
        "revoked_at",
        '"revoked_at" < "responded_at"',
        "revoked before it was answered",
        _pair("revoked_at", "<", "responded_at"),
    ),
    *_both_or_neither("authorizations", "revoked_by", "revoked_at"),
    RowRule(
        "authorizations",
        "period_to",
        '"period_to" < "period_from"',
        "ends before it starts",
        _pair("period_to", "<", "period_from"),
    ),
    RowRule(
        "live_minutes",
        "minute",
        'epoch_us("minute") % 60000000 <> 0',
        "not the start of a minute",
        'CAST("minute" AS VARCHAR)',
    ),
)


@dataclass(frozen=True)
class RowCheck:
    """One check of one column: `predicate` is true on a wrong row."""

    column: str
    message: str
    predicate: str
    value: str | None
    #: A null check; the diagnosis tells a missing value from one that did not convert.
    required: bool = False
    #: Columns the predicate requires to be null (see `RowRule.absent`).
    absent: tuple[str, ...] = ()


def text_checks(c: Column) -> list[RowCheck]:
    """The rules of every text value, whatever the file format: no control character,
    NFC (one spelling per name, so keys compare as people read them), a length limit,
    and a known currency code where the column is a currency."""
    col = ident(c.name)
    checks = [
        RowCheck(
            c.name,
            "contains a control character",
            f"regexp_matches({col}, '{CONTROL_PATTERN}')",
            col,
        ),
        RowCheck(c.name, "not in Unicode NFC form", f"nfc_normalize({col}) <> {col}", col),
        RowCheck(
            c.name,
            f"longer than {c.text_limit} characters",
            f"length({col}) > {c.text_limit}",
            f"CAST(length({col}) AS VARCHAR) || ' characters'",
        ),
    ]
    if c.currency:
        codes = ", ".join(literal(code) for code in sorted(CURRENCIES))
        checks.append(
            RowCheck(c.name, "not an ISO 4217 currency code", f"{col} NOT IN ({codes})", col)
        )
    return checks


def row_checks(table: Table) -> tuple[RowCheck, ...]:
    """Every single-row check of a table: required values, text rules, enums, minimums,
    row rules."""
    checks: list[RowCheck] = []
    for c in table.columns:
        col = ident(c.name)
        if not c.nullable:
            checks.append(RowCheck(c.name, "required value missing", f"{col} IS NULL", None, True))
        if c.type == "str":
            checks += text_checks(c)
        if c.enum:
            values = ", ".join(literal(v) for v in c.enum)
            checks.append(
                RowCheck(c.name, f"not one of {', '.join(c.enum)}", f"{col} NOT IN ({values})", col)
            )
        if c.minimum is not None:
            what = "negative" if c.minimum == 0 else f"below the minimum {c.minimum}"
            checks.append(RowCheck(c.name, what, f"{col} < {c.minimum}", f"CAST({col} AS VARCHAR)"))
    for rule in ROW_RULES:
        if rule.table == table.name:
            checks.append(
                RowCheck(rule.column, rule.message, rule.predicate, rule.value, absent=rule.absent)
            )
    return tuple(checks)


def failing_checks(con: duckdb.DuckDBPyConnection, rows: str, table: Table) -> list[str]:
    """The checks that some row of relation `rows` fails, counted in one scan."""
    checks = row_checks(table)
    if not checks:
        return []
    counts = ", ".join(f"count(*) FILTER (WHERE {c.predicate})" for c in checks)
    found = con.execute(f"SELECT {counts} FROM {rows}").fetchone() or ()
    return [f"{c.column}: {c.message}" for c, n in zip(checks, found, strict=True) if n]


def duplicate_keys(con: duckdb.DuckDBPyConnection, rows: str, table: Table) -> str:
    """`none`, `identical` (only exact copies, to collapse) or `conflicting` keys in `rows`."""
    keys = idents(table.key)
    n, distinct_keys = con.execute(
        f"SELECT (SELECT count(*) FROM {rows}), (SELECT count(*) FROM (SELECT DISTINCT {keys} "
        f"FROM {rows}))"
    ).fetchone() or (0, 0)
    if n == distinct_keys:
        return "none"
    (distinct_rows,) = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT * FROM {rows})"
    ).fetchone() or (0,)
    return "identical" if distinct_rows == distinct_keys else "conflicting"


# --- diagnosis: every problem with its file, row and value -----------------------------

#: Columns of the temporary tables that collect row-level issues in SQL.
ISSUE_COLUMNS = "src INTEGER, row BIGINT, pos INTEGER, col VARCHAR, message VARCHAR, value VARCHAR"

_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")
_REJECT_PROBLEMS = {
    "MISSING COLUMNS": "too few fields",
    "TOO MANY COLUMNS": "too many fields",
    "INVALID ENCODING": "not UTF-8",
    "INVALID UNICODE": "not UTF-8",
    "UNQUOTED VALUE": "badly quoted field",
    "LINE SIZE OVER MAXIMUM": "line too long",
}


def _raw(name: str) -> str:
    return ident(name + ":raw")


class Diagnosis:
    """Stages a table's files with row numbers and raw values, then lists every problem."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: Table, limit: int) -> None:
        self.con = con
        self.table = table
        self.limit = limit
        self.stage = ident(f"_diagnosis_{table.name}")
        self.issues: list[Issue] = []
        self._missing: dict[str, list[int]] = {}
        self._names: dict[int, str] = {}

    def run(self, shapes: list[tuple[FileShape, dict[str, Conversion]]]) -> list[IssueList]:
        con, t = self.con, self.table
        typed = ", ".join(f"{ident(c.name)} {c.sql_type}" for c in t.columns)
        raws = ", ".join(f"{_raw(c.name)} VARCHAR" for c in t.columns)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self.stage} "
            f"(__src INTEGER, __row BIGINT, {typed}, {raws})"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _diagnosis_issues ({ISSUE_COLUMNS})")
        con.execute("CREATE OR REPLACE TEMP TABLE _diagnosis_files (src INTEGER, name VARCHAR)")
        for shape, convs in shapes:
            f = shape.file
            self._names[f.source] = f.name
            con.execute("INSERT INTO _diagnosis_files VALUES (?, ?)", [f.source, f.name])
            for m in shape.missing:
                self._missing.setdefault(m, []).append(f.source)
            if shape.has_rows and shape.columns:
                self._stage(shape, convs)
        self._conversion_problems()
        self._row_problems()
        self._key_problems()
        return self._collect()

    def _stage(self, shape: FileShape, convs: dict[str, Conversion]) -> None:
        f, t = shape.file, self.table
        rejects = f"_diagnosis_rejects_{f.source}" if f.format == "csv" else None
        source = relation([shape], rows=True, rejects=rejects, strict=False)
        raws = ", ".join(
            f"CAST({c.source} AS VARCHAR)" if (c := convs.get(col.name)) and c.can_fail else "NULL"
            for col in t.columns
        )
        try:
            self.con.execute(
                f"INSERT INTO {self.stage} SELECT {f.source}, __row, "
                f"{select_list(t, convs, strict=False)}, {raws} FROM ({source})"
            )
        except duckdb.Error as exc:
            self.issues += unreadable(f, exc)
            return
        if rejects:
            self._rejects(shape, rejects)
        if f.format == "jsonl":
            bad = self.con.execute(jsonl_bad_lines(f)).fetchall()
            self.issues += [
                Issue("error", f.name, "not a JSON object", int(row), value=str(line))
                for row, line in bad
            ]

    def _rejects(self, shape: FileShape, rejects: str) -> None:
        """CSV lines DuckDB could not parse become issues; later rows get their true line."""
        con, f = self.con, shape.file
        encoding = ", ".join(literal(k) for k in _ENCODING_ERRORS)
        found = con.execute(
            f"""SELECT line, CASE WHEN error_type IN ({encoding}) THEN column_name END,
                       error_type, any_value(csv_line), any_value(error_message)
                FROM {ident(rejects)} GROUP BY ALL ORDER BY line, 2"""
        ).fetchall()
        for line, column, kind, text, message in found:
            problem = _REJECT_PROBLEMS.get(str(kind), str(message))
            value = str(text).rstrip("\r\n")
            self.issues.append(Issue("error", f.name, problem, int(line), column, value))
        if found:
            con.execute(
                f"""UPDATE {self.stage} SET __row = __row + (
                      SELECT count(*) FROM (
                        SELECT line, row_number() OVER (ORDER BY line) AS i
                        FROM (SELECT DISTINCT line FROM {ident(rejects)})) r
                      WHERE r.line - 1 - r.i < {self.stage}.__row - 1)
                    WHERE __src = {f.source}"""
            )
        con.execute(f"DROP TABLE IF EXISTS {ident(rejects)}")
        con.execute(f"DROP TABLE IF EXISTS {ident(rejects + '_scan')}")

    def _add(self, pos: int, column: str, message: str, where: str, value: str | None) -> None:
        self.con.execute(
            f"INSERT INTO _diagnosis_issues SELECT __src, __row, {pos}, {literal(column)}, "
            f"{literal(message)}, {value or 'NULL'} FROM {self.stage} WHERE {where}"
        )

    def _position(self, column: str) -> int:
        names = self.table.column_names
        return names.index(column) if column in names else len(names)

    def _conversion_problems(self) -> None:
        for c in self.table.columns:
            self._add(
                self._position(c.name),
                c.name,
                type_problem(c),
                f"{_raw(c.name)} IS NOT NULL AND {ident(c.name)} IS NULL",
                _raw(c.name),
            )

    def _row_problems(self) -> None:
        for check in row_checks(self.table):
            where = check.predicate
            if check.required:
                where += f" AND {_raw(check.column)} IS NULL"
                skip = self._missing.get(check.column)
                if skip:
                    where += f" AND __src NOT IN ({', '.join(map(str, skip))})"
            for column in check.absent:
                where += f" AND {_raw(column)} IS NULL"
            self._add(self._position(check.column), check.column, check.message, where, check.value)

    def _key_problems(self) -> None:
        """A key given twice with different content; exact copies are not problems."""
        t = self.table
        keys = idents(t.key)
        known = " AND ".join(f"{ident(k)} IS NOT NULL" for k in t.key)
        cols = idents(t.column_names)
        content = (
            "struct_pack(" + ", ".join(f"{ident(c)} := {ident(c)}" for c in t.column_names) + ")"
        )
        shown = " || ', ' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in t.key)
        self.con.execute(
            f"""INSERT INTO _diagnosis_issues
            WITH conflicting AS (
                SELECT {keys} FROM (SELECT DISTINCT {cols} FROM {self.stage} WHERE {known})
                GROUP BY {keys} HAVING count(*) > 1),
            occurrences AS (
                SELECT __src, __row, {shown} AS shown, {content} AS content,
                       first_value({content}) OVER w AS first_content,
                       first_value(__src) OVER w AS first_src,
                       first_value(__row) OVER w AS first_row
                FROM {self.stage} SEMI JOIN conflicting USING ({keys})
                WINDOW w AS (PARTITION BY {keys} ORDER BY __src, __row))
            SELECT o.__src, o.__row, {self._position(t.key[0])}, {literal(", ".join(t.key))},
                   'same key as ' || f.name || ':' || o.first_row || ' with different content',
                   o.shown
            FROM occurrences o JOIN _diagnosis_files f ON f.src = o.first_src
            WHERE o.content IS DISTINCT FROM o.first_content"""
        )

    def _collect(self) -> list[IssueList]:
        (total,) = self.con.execute("SELECT count(*) FROM _diagnosis_issues").fetchone() or (0,)
        rows = self.con.execute(
            f"SELECT src, row, col, message, value FROM _diagnosis_issues "
            f"ORDER BY src, row, pos LIMIT {self.limit}"
        ).fetchall()
        found = [
            Issue(
                "error",
                self._names[int(src)],
                str(msg),
                int(row),
                str(col),
                None if value is None else str(value),
            )
            for src, row, col, msg, value in rows
        ]
        self.con.execute(f"DROP TABLE IF EXISTS {self.stage}")
        return [
            IssueList("error", tuple(found), int(total)),
            IssueList("error", tuple(self.issues), len(self.issues)),
        ]
