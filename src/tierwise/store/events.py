"""The event store: an embedded DuckDB file holding every contract table.

Two ways in, both guaranteeing every contract table exists with the contract's types and
the session time zone is UTC:

- `EventStore.open(path, read_only=...)`: a store file loaded with `tierwise data load`.
- `EventStore.for_folder(folder)`: a folder in the data contract, loaded once into a cached
  store keyed by the folder's file names, sizes and modification times, so evaluating the
  same folder again does not load it again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

import duckdb

from tierwise.core.sql import ident
from tierwise.store.contract import TABLES, Table
from tierwise.store.issues import DEFAULT_LIMIT
from tierwise.store.load import LoadProgress, LoadReport, load_folder
from tierwise.store.schema import StoreError, ensure_schema

#: Part of the cache key: bump when loading changes what ends up in a store.
LOADER_VERSION = "1"
MEMORY = ":memory:"


def default_db_path() -> Path:
    """`$TIERWISE_DB`, else `tierwise.duckdb` in the working directory."""
    return Path(os.environ.get("TIERWISE_DB") or "tierwise.duckdb")


def cache_dir() -> Path:
    """`$TIERWISE_CACHE_DIR`, else `tierwise/` in the user's cache directory."""
    explicit = os.environ.get("TIERWISE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tierwise"


def _contract_signature() -> str:
    return repr([(t.name, t.key, [(c.name, c.sql_type) for c in t.columns]) for t in TABLES])


def folder_fingerprint(folder: Path) -> str:
    """A key that changes when any file of the folder is added, removed or rewritten."""
    digest = hashlib.sha256()
    digest.update(LOADER_VERSION.encode())
    digest.update(_contract_signature().encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        st = path.stat()
        line = f"{path.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n"
        digest.update(line.encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class TableSummary:
    """One table of the store: its rows and the range of its main date or time column."""

    table: str
    rows: int
    date_column: str | None
    first: date | datetime | None
    last: date | datetime | None


@dataclass(frozen=True)
class StoreSummary:
    tables: tuple[TableSummary, ...]
    #: (kind, market, partners), by kind then market.
    partners: tuple[tuple[str, str, int], ...]


def main_date_column(t: Table) -> str | None:
    """The table's first date or timestamp column: when its rows happened."""
    return next((c.name for c in t.columns if c.type in ("date", "ts")), None)


class EventStore:
    """An open DuckDB connection (`con`) to a store holding every contract table."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path | None,
        *,
        load_report: LoadReport | None = None,
    ) -> None:
        self.con = con
        self.path = path
        #: The report of the load that built this store, when `for_folder` just loaded it.
        self.load_report = load_report

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, read_only: bool = False
    ) -> EventStore:
        """Open (or, when writable, create) the store at `path` (default: `default_db_path()`;
        `":memory:"` for a store in memory). Read-only stores get absent contract tables as
        empty temporary tables."""
        target = MEMORY if str(path) == MEMORY else Path(path or default_db_path())
        if isinstance(target, Path) and read_only and not target.exists():
            raise StoreError(f"{target}: no such store (load one with `tierwise data load DIR`)")
        try:
            con = duckdb.connect(str(target), read_only=read_only and target != MEMORY)
        except duckdb.Error as exc:
            raise StoreError(f"{target}: cannot open the store: {exc}") from exc
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            ensure_schema(con, read_only=read_only and target != MEMORY)
        except BaseException:
            con.close()
            raise
        return cls(con, target if isinstance(target, Path) else None)

    @classmethod
    def for_folder(
        cls,
        folder: str | os.PathLike[str],
        *,
        cache: str | os.PathLike[str] | None = None,
        progress: LoadProgress | None = None,
    ) -> EventStore:
        """A read-only store holding `folder`, loaded into the cache unless already there.

        Raises `LoadRefused` (listing every problem) when the folder is bad.
        """
        source = Path(folder)
        if not source.is_dir():
            raise StoreError(f"{source}: not a folder")
        where = Path(cache) if cache is not None else cache_dir()
        where.mkdir(parents=True, exist_ok=True)
        cached = where / f"{folder_fingerprint(source)}.duckdb"
        report = None
        if not cached.exists():
            fd, tmp_name = tempfile.mkstemp(prefix=cached.stem, suffix=".building", dir=where)
            os.close(fd)
            tmp = Path(tmp_name)
            tmp.unlink()  # DuckDB creates the file itself
            try:
                with cls.open(tmp) as building:
                    report = building.load(source, progress=progress)
                os.replace(tmp, cached)
            finally:
                tmp.unlink(missing_ok=True)
                Path(str(tmp) + ".wal").unlink(missing_ok=True)
        store = cls.open(cached, read_only=True)
        store.load_report = report
        return store

    def load(
        self,
        folder: str | os.PathLike[str],
        *,
        progress: LoadProgress | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> LoadReport:
        """Validate `folder` and upsert it by key; raises `LoadRefused` if any file is bad."""
        return load_folder(self.con, Path(folder), progress=progress, limit=limit)

    def summary(self) -> StoreSummary:
        """Rows and date range per table, partners by kind and market."""
        tables = []
        for t in TABLES:
            column = main_date_column(t)
            span = f"min({ident(column)}), max({ident(column)})" if column else "NULL, NULL"
            rows, first, last = self.con.execute(
                f"SELECT count(*), {span} FROM {ident(t.name)}"
            ).fetchone() or (0, None, None)
            tables.append(TableSummary(t.name, int(rows), column, first, last))
        partners = self.con.execute(
            "SELECT kind, market, count(*) FROM partners GROUP BY ALL ORDER BY kind, market"
        ).fetchall()
        return StoreSummary(tuple(tables), tuple((str(k), str(m), int(n)) for k, m, n in partners))

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
