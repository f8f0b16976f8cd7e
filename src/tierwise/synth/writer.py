"""Writing contract tables as Parquet (one file or a folder of parts), CSV or JSON Lines.

Tables arrive in chunks (a month of orders at a time), so memory stays bounded whatever the
scale. Parquet keeps the contract's Arrow types (decimal128 money, date32, UTC timestamps).
CSV and JSONL write timestamps as ISO 8601 text in the row's local time with its offset
(`2026-09-03T19:00:00+07:00`; `Z` for UTC), decimals as exact text and booleans as
true/false. Output is byte-for-byte reproducible: no timestamps or host names are written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tierwise.store.contract import table as contract_table
from tierwise.synth.columns import arrow_schema

FileFormat = Literal["parquet", "csv", "jsonl"]
FORMATS: tuple[FileFormat, ...] = ("parquet", "csv", "jsonl")
_PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3}


def _suffixes(offsets: np.ndarray) -> pa.Array:
    """`Z`, `+07:00`, `+08:00`… for UTC offsets in minutes."""
    values, inverse = np.unique(offsets, return_inverse=True)
    texts = []
    for v in values.tolist():
        if v == 0:
            texts.append("Z")
        else:
            sign = "+" if v > 0 else "-"
            texts.append(f"{sign}{abs(v) // 60:02d}:{abs(v) % 60:02d}")
    return pa.array(texts, pa.string()).take(pa.array(inverse.astype(np.int64)))


def as_text(t: pa.Table, offsets: np.ndarray | None) -> pa.Table:
    """Timestamps as ISO 8601 text in local time with offset; other columns unchanged."""
    if offsets is None:
        offsets = np.zeros(t.num_rows, dtype=np.int64)
    suffix = _suffixes(offsets)
    shift = pa.array(offsets.astype(np.int64) * 60)
    arrays, fields = [], []
    for f, column in zip(t.schema, t.columns, strict=True):
        if pa.types.is_timestamp(f.type):
            seconds = pc.divide(pc.cast(column, pa.int64()), 1_000_000)
            local = pc.cast(pc.add(seconds, shift), pa.timestamp("s"))
            text = pc.replace_substring(pc.cast(local, pa.string()), " ", "T")
            column = pc.binary_join_element_wise(text, suffix, "")
            f = pa.field(f.name, pa.string(), f.nullable)
        arrays.append(column)
        fields.append(f)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


class Sink(Protocol):
    def write(self, t: pa.Table, offsets: np.ndarray | None = None) -> None: ...

    def close(self) -> list[Path]: ...


@dataclass
class _ParquetFile:
    path: Path
    schema: pa.Schema
    writer: pq.ParquetWriter | None = None

    def write(self, t: pa.Table, offsets: np.ndarray | None = None) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema, **_PARQUET_OPTIONS)
        self.writer.write_table(t, row_group_size=1 << 20)

    def close(self) -> list[Path]:
        if self.writer is None:
            self.write(self.schema.empty_table())
        assert self.writer is not None
        self.writer.close()
        return [self.path]


@dataclass
class _ParquetParts:
    folder: Path
    schema: pa.Schema
    paths: list[Path] = field(default_factory=list)

    def write(self, t: pa.Table, offsets: np.ndarray | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"part-{len(self.paths):05d}.parquet"
        pq.write_table(t, path, row_group_size=1 << 20, **_PARQUET_OPTIONS)
        self.paths.append(path)

    def close(self) -> list[Path]:
        if not self.paths:
            self.write(self.schema.empty_table())
        return self.paths


@dataclass
class _CsvFile:
    path: Path
    schema: pa.Schema
    writer: pcsv.CSVWriter | None = None

    def write(self, t: pa.Table, offsets: np.ndarray | None = None) -> None:
        text = as_text(t, offsets)
        if self.writer is None:
            self.writer = pcsv.CSVWriter(self.path, text.schema)
        self.writer.write_table(text)

    def close(self) -> list[Path]:
        if self.writer is None:
            self.write(self.schema.empty_table())
        assert self.writer is not None
        self.writer.close()
        return [self.path]


@dataclass
class _JsonlFile:
    """JSON Lines through DuckDB's writer (one thread, insertion order kept)."""

    path: Path
    schema: pa.Schema
    started: bool = False
    con: duckdb.DuckDBPyConnection | None = None

    def write(self, t: pa.Table, offsets: np.ndarray | None = None) -> None:
        if self.con is None:
            self.con = duckdb.connect()
            self.con.execute("SET threads = 1")
        text = as_text(t, offsets)
        part = self.path.with_suffix(".part.jsonl")
        self.con.register("chunk", text)
        target = str(part).replace("'", "''")
        self.con.execute(f"COPY (SELECT * FROM chunk) TO '{target}' (FORMAT json)")
        self.con.unregister("chunk")
        with self.path.open("ab" if self.started else "wb") as out, part.open("rb") as src:
            shutil.copyfileobj(src, out)
        part.unlink()
        self.started = True

    def close(self) -> list[Path]:
        if self.con is not None:
            self.con.close()
            self.con = None
        if not self.started:
            self.path.write_bytes(b"")
            self.started = True
        return [self.path]


def clear(out: Path, name: str) -> None:
    """Remove an earlier output of table `name` in any format, so only one remains."""
    for fmt in FORMATS:
        (out / f"{name}.{fmt}").unlink(missing_ok=True)
    folder = out / name
    if folder.is_dir():
        for part in folder.glob("part-*.parquet"):
            part.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()


def open_sink(out: Path, name: str, fmt: FileFormat, partitioned: bool) -> Sink:
    schema = arrow_schema(contract_table(name))
    clear(out, name)
    if fmt == "parquet":
        if partitioned:
            return _ParquetParts(out / name, schema)
        return _ParquetFile(out / f"{name}.parquet", schema)
    if fmt == "csv":
        return _CsvFile(out / f"{name}.csv", schema)
    return _JsonlFile(out / f"{name}.jsonl", schema)
