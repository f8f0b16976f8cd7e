"""Canonical JSON: one byte sequence per value, whatever the engine or the dict order.

Hashes (definition, results, audit chain) are computed in Python from this text, never
from values read back from a database, so SQLite and PostgreSQL give the same bytes.
Decimals are written as their exact text, dates as ISO 8601, keys sorted, no spaces.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from tierwise.core.periods import Period


def plain(value: Any) -> Any:
    """`value` as JSON data (dict, list, str, int, float, bool, None), canonical types only."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float | Decimal):
        return _number(value)
    if isinstance(value, datetime | date | Period | enum.Enum):
        return _named(value)
    if isinstance(value, Mapping):
        return _object(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return _converted(value)


def _number(value: float | Decimal) -> float | str:
    """A finite float as is, a finite decimal as its text (no precision lost)."""
    finite = math.isfinite(value) if isinstance(value, float) else value.is_finite()
    if not finite:
        raise ValueError(f"{value!r} has no JSON form")
    return value if isinstance(value, float) else str(value)


def _named(value: datetime | date | Period | enum.Enum) -> Any:
    """Days and times in ISO 8601, a period by its name, an enum member by its value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Period):
        return str(value)
    return plain(value.value)


def _object(value: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys are text, not {type(key).__name__}: {key!r}")
        out[key] = plain(item)
    return out


def _converted(value: Any) -> Any:
    """A model, an object with `to_dict`, or a dataclass, through its own plain form."""
    if isinstance(value, BaseModel):
        return plain(value.model_dump(mode="json", by_alias=True))
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return plain(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    raise TypeError(f"{type(value).__name__} has no canonical JSON form: {value!r}")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text kept as is."""
    return json.dumps(
        plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(value: Any) -> str:
    """SHA-256 of the canonical JSON of `value`, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
