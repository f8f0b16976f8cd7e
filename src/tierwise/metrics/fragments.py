"""SQL fragments every part of the plan writes the same way: literals, the value type,
the registered-binding choice, the currency conversion.

Engine-specific fragments are not here but in `dialect.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tierwise.core.sql import ident, literal
from tierwise.metrics.dialect import Dialect

#: Metric values leave the plan as exact decimals with this many places.
SCALE = 10
VALUE_TYPE = f"DECIMAL(38,{SCALE})"
#: The end of an open binding or subscription.
FAR = "DATE '9999-12-31'"
#: An open segment's end, kept where a local midnight can still be computed.
SEG_END = "LEAST(s.seg_to, DATE '9000-01-01')"
BINDING_END = "LEAST(ended_on, DATE '9000-01-01')"

__all__ = [
    "BINDING_END",
    "FAR",
    "SCALE",
    "SEG_END",
    "VALUE_TYPE",
    "as_value",
    "converted",
    "day",
    "ident",
    "literal",
    "one_of",
    "registered",
    "where",
]


def day(d: date) -> str:
    """A DATE literal."""
    return f"DATE '{d.isoformat()}'"


def one_of(values: Sequence[str]) -> str:
    """A parenthesised list of string literals, for `IN`."""
    return "(" + ", ".join(literal(v) for v in values) + ")"


def where(conds: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(conds)) if conds else ""


def registered(alias: str = "") -> str:
    """The registered binding's partner: the earliest started_on, then the smallest id."""
    a = f"{alias}." if alias else ""
    return f"arg_min({a}partner_id, struct_pack(s := {a}started_on, p := {a}partner_id))"


def converted(money: str, dialect: Dialect) -> str:
    """An amount in the program's currency, rounded to 1/10,000 of it.

    The product is taken in binary floating point (16 significant digits, so exact to the
    0.0001 for amounts below 10^11) and stored back as DECIMAL: sums stay exact decimals.
    A DECIMAL(38) product here costs twenty times the whole scan."""
    return dialect.money(f"CAST({money} AS DOUBLE) * fx.rate")


def as_value(expr: str) -> str:
    """A metric value as DECIMAL(38,10): exact for sums, rounded at 10 places for ratios."""
    return f"CAST({expr} AS {VALUE_TYPE})"
