"""Properties of loading hostile files (issue 16): whatever bytes or text a table file
holds, a load either stores it cleanly or exits 1 with every problem located at its file
(`file:row: …`, `file: …`) and stores nothing; the engine's own errors never show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.store import EventStore, LoadRefused
from tierwise.store.contract import TABLES, Table

#: Words of DuckDB's own messages that must never reach a problem line.
ENGINE_WORDS = re.compile(r"TransactionContext|ROLLBACK|Catalog Error|Binder Error|Traceback")

_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def header(t: Table) -> bytes:
    return (",".join(t.column_names) + "\n").encode()


def assert_clean_or_located(root: Path, name: str, content: bytes) -> None:
    """Load a folder holding one file: a clean load, or a refusal naming that file and
    leaving every table empty."""
    data = root / "data"
    data.mkdir(parents=True)
    (data / name).write_bytes(content)
    with EventStore.open(":memory:") as store:
        try:
            store.load(data)
        except LoadRefused as refused:
            errors = refused.report.errors.lines()
            assert errors, "a refusal lists its problems"
            for line in errors:
                assert line.startswith(f"{name}:") or line.startswith("and "), errors
                assert not ENGINE_WORDS.search(line), errors
                assert "\n" not in line and "\x00" not in line, errors
            for t in TABLES:
                n = store.con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()
                assert n == (0,), (t.name, errors)


tables = st.sampled_from(TABLES)
#: Bytes, with the ones that shape a CSV (quotes, commas, line ends) and break text (NUL,
#: bytes that are not UTF-8) drawn far more often than chance would.
hostile_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.sampled_from(
            [b'"', b",", b"\r", b"\n", b"\x00", b"\xff", b"a", b"1", b" ", "中".encode()]
        ),
        max_size=200,
    ).map(b"".join),
)


@_SETTINGS
@given(t=tables, body=hostile_bytes, with_header=st.booleans())
def test_arbitrary_bytes_in_a_csv_are_stored_cleanly_or_located(
    tmp_path_factory: pytest.TempPathFactory, t: Table, body: bytes, with_header: bool
) -> None:
    content = (header(t) if with_header else b"") + body
    assert_clean_or_located(tmp_path_factory.mktemp("bytes"), f"{t.name}.csv", content)


@_SETTINGS
@given(
    t=tables,
    rows=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=8), max_size=5),
    quote=st.booleans(),
)
def test_arbitrary_unicode_in_csv_fields_is_stored_cleanly_or_located(
    tmp_path_factory: pytest.TempPathFactory, t: Table, rows: list[list[str]], quote: bool
) -> None:
    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote else text

    lines = [",".join(field(v) for v in row) for row in rows]
    content = header(t) + "\n".join(lines).encode("utf-8", errors="surrogatepass")
    assert_clean_or_located(tmp_path_factory.mktemp("text"), f"{t.name}.csv", content)


@_SETTINGS
@given(
    t=tables,
    values=st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), max_size=24),
)
def test_arbitrary_unicode_in_json_lines_is_stored_cleanly_or_located(
    tmp_path_factory: pytest.TempPathFactory, t: Table, values: list[object]
) -> None:
    import json

    names = t.column_names
    rows = [
        {names[i % len(names)]: v for i, v in enumerate(values[at : at + len(names)])}
        for at in range(0, len(values), len(names))
    ] or [{}]
    content = "\n".join(json.dumps(r) for r in rows).encode("utf-8", errors="surrogatepass")
    assert_clean_or_located(tmp_path_factory.mktemp("jsonl"), f"{t.name}.jsonl", content)


@_SETTINGS
@given(t=tables, body=hostile_bytes)
def test_arbitrary_bytes_as_parquet_or_json_lines_are_located(
    tmp_path_factory: pytest.TempPathFactory, t: Table, body: bytes
) -> None:
    root = tmp_path_factory.mktemp("binary")
    assert_clean_or_located(root / "p", f"{t.name}.parquet", b"PAR1" + body)
    assert_clean_or_located(root / "j", f"{t.name}.jsonl", body)
