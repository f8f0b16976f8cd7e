"""From numpy columns to Arrow columns typed exactly as the data contract says.

The contract (`tierwise.store.contract`) is the only place that lists tables, columns and
types; this module maps its types to Arrow and checks every generated table against it,
so a generated file can never drift from the contract.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from tierwise.store.contract import Column, ColumnType, Table, table

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "num": pa.decimal128(18, 6),
    "money": pa.decimal128(18, 4),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "ts": pa.timestamp("us", tz="UTC"),
}


def arrow_field(column: Column) -> pa.Field:
    return pa.field(column.name, ARROW_TYPES[column.type], nullable=column.nullable)


def arrow_schema(t: Table) -> pa.Schema:
    """The Arrow schema of a contract table: contract column order and types."""
    return pa.schema([arrow_field(c) for c in t.columns])


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or bool(valid.all()):
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def decimal(units: np.ndarray, scale: int, valid: np.ndarray | None = None) -> pa.Array:
    """An exact decimal128(18, scale) column from int64 counts of 10^-scale."""
    values = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # sign extension of the 128-bit two's complement
    nulls = 0 if valid is None else int(len(values) - valid.sum())
    return pa.Array.from_buffers(
        pa.decimal128(18, scale), len(values), [_validity(valid), pa.py_buffer(words)], nulls
    )


def money(units: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return decimal(units, 4, valid)


def num(units: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return decimal(units, 6, valid)


def timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (microseconds) from int64 epoch seconds; `valid` False means null."""
    micros = np.asarray(seconds, dtype=np.int64) * 1_000_000
    mask = None if valid is None else ~valid
    return pa.array(micros, pa.timestamp("us", tz="UTC"), mask=mask)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(days, dtype=np.int32), pa.date32(), mask=mask)


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(np.asarray(values, dtype=np.int64), pa.int64(), mask=mask)


def bools(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), pa.bool_())


def labels(vocabulary: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings from small integer codes; a negative code is null."""
    codes = np.asarray(codes)
    mask = codes < 0
    picked = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask)
    return pa.array(vocabulary).take(picked)


def pick(dictionary: pa.Array, index: np.ndarray) -> pa.Array:
    """`dictionary[index]`, null where the index is negative."""
    index = np.asarray(index)
    mask = index < 0
    return dictionary.take(pa.array(np.where(mask, 0, index).astype(np.int64), mask=mask))


def build(name: str, data: Mapping[str, pa.Array | list[object]]) -> pa.Table:
    """A contract table from its columns, in contract order, checked against the contract."""
    t = table(name)
    missing = set(t.column_names) - set(data)
    extra = set(data) - set(t.column_names)
    if missing or extra:
        raise ValueError(f"{name}: missing columns {sorted(missing)}, unknown {sorted(extra)}")
    arrays: list[pa.Array] = []
    for column in t.columns:
        value = data[column.name]
        arrow_type = ARROW_TYPES[column.type]
        array = value if isinstance(value, pa.Array) else pa.array(value, arrow_type)
        if array.type != arrow_type:
            raise TypeError(f"{name}.{column.name}: {array.type} is not {arrow_type}")
        if not column.nullable and array.null_count:
            raise ValueError(f"{name}.{column.name}: {array.null_count} nulls in a required column")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=arrow_schema(t))
