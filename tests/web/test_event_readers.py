"""A worker's reused event-store connections: reused while requests come, closed once
quiet so a load can write the file, never reading a file that was replaced."""

from __future__ import annotations

import os
import time
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from tierwise.web.context import EventReaders


def _store(path: Path, value: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE marker AS SELECT ? AS value", [value])
    con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "events.duckdb"
    _store(path, 1)
    return path


def _value(readers: EventReaders) -> tuple[int, int]:
    with readers.connection() as con:
        row = con.execute("SELECT value FROM marker").fetchone()
        assert row is not None
        return int(row[0]), id(con)


def test_a_connection_is_reused_between_requests(db: Path) -> None:
    with closing(EventReaders(db, linger=60)) as readers:
        first, second = _value(readers), _value(readers)
        assert first == second == (1, first[1])
        with readers.connection() as a, readers.connection() as b:
            assert a is not b  # two requests at once: two connections


def test_a_quiet_portal_lets_a_load_write_and_then_reads_it(db: Path) -> None:
    with closing(EventReaders(db, linger=0.05)) as readers:
        assert _value(readers)[0] == 1
        deadline = time.monotonic() + 10
        while True:  # the reaper closes the connections after the linger
            try:
                _store(db, 2)  # a writer, as `tierwise data load` opens the file
                break
            except duckdb.Error:
                assert time.monotonic() < deadline, "the file stayed locked"
                time.sleep(0.05)
        assert _value(readers)[0] == 2


def test_a_replaced_file_is_never_read_through_an_old_connection(db: Path, tmp_path: Path) -> None:
    with closing(EventReaders(db, linger=60)) as readers:
        assert _value(readers)[0] == 1
        fresh = tmp_path / "fresh.duckdb"
        _store(fresh, 3)
        os.replace(fresh, db)
        assert _value(readers)[0] == 3
