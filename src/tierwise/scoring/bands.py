"""Bands: which interval a value falls in, how to write it, and how to reach or leave it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tierwise.definitions.scoring import Band
from tierwise.scoring.trace import Relation
from tierwise.scoring.values import ScoringError, format_number


@dataclass(frozen=True)
class Bound:
    value: Decimal
    inclusive: bool


@dataclass(frozen=True)
class Edge:
    """The condition on a value to be on the band's side of one of its bounds."""

    value: Decimal
    relation: Relation

    def holds(self, x: Decimal) -> bool:
        if self.relation == ">=":
            return x >= self.value
        if self.relation == ">":
            return x > self.value
        if self.relation == "<":
            return x < self.value
        return x <= self.value

    @property
    def negated(self) -> Edge:
        """The condition that leaves the band across this bound."""
        opposite: dict[Relation, Relation] = {">=": "<", ">": "<=", "<": ">=", "<=": ">"}
        return Edge(self.value, opposite[self.relation])

    def text(self, shown: str | None = None) -> str:
        symbol = {">=": "≥", ">": ">", "<": "<", "<=": "≤"}[self.relation]
        return f"{symbol} {shown if shown is not None else format_number(self.value)}"


def lower(band: Band) -> Bound | None:
    """The band's lower bound; with both `from` and `above`, the stricter one."""
    candidates = []
    if band.from_ is not None:
        candidates.append(Bound(band.from_, True))
    if band.above is not None:
        candidates.append(Bound(band.above, False))
    if not candidates:
        return None
    return max(candidates, key=lambda b: (b.value, not b.inclusive))


def upper(band: Band) -> Bound | None:
    """The band's upper bound; with both `below` and `to`, the stricter one."""
    candidates = []
    if band.below is not None:
        candidates.append(Bound(band.below, False))
    if band.to is not None:
        candidates.append(Bound(band.to, True))
    if not candidates:
        return None
    return min(candidates, key=lambda b: (b.value, b.inclusive))


def contains(band: Band, value: Decimal) -> bool:
    lo, hi = lower(band), upper(band)
    if lo is not None and (value < lo.value or (value == lo.value and not lo.inclusive)):
        return False
    return not (hi is not None and (value > hi.value or (value == hi.value and not hi.inclusive)))


def find(bands: Sequence[Band], value: Decimal) -> Band | None:
    """The first band holding the value (definitions keep bands disjoint)."""
    return next((b for b in bands if contains(b, value)), None)


def text(band: Band) -> str:
    """A band as people read it: `[5, 15)`, `≥ 15`, `< 0.004`, `(0, 500)`, `= 0`."""
    lo, hi = lower(band), upper(band)
    if lo is None and hi is None:
        return "any value"
    if lo is None:
        assert hi is not None
        return f"{'≤' if hi.inclusive else '<'} {format_number(hi.value, places=12)}"
    if hi is None:
        return f"{'≥' if lo.inclusive else '>'} {format_number(lo.value, places=12)}"
    if lo.inclusive and hi.inclusive and lo.value == hi.value:
        return f"= {format_number(lo.value, places=12)}"
    return (
        f"{'[' if lo.inclusive else '('}{format_number(lo.value, places=12)}, "
        f"{format_number(hi.value, places=12)}{']' if hi.inclusive else ')'}"
    )


def entry(band: Band, value: Decimal) -> Edge | None:
    """The edge a value outside the band must cross to enter it (None when inside or when
    the band is empty)."""
    if contains(band, value):
        return None
    lo, hi = lower(band), upper(band)
    if lo is not None and (value < lo.value or (value == lo.value and not lo.inclusive)):
        return Edge(lo.value, ">=" if lo.inclusive else ">")
    if hi is not None:
        return Edge(hi.value, "<=" if hi.inclusive else "<")
    return None


def example(band: Band, edge: Edge) -> Decimal:
    """A concrete value inside the band at the given edge: the edge itself when it is
    inclusive, else a value just inside ("< 0.004" → 0.00399...)."""
    if edge.relation in (">=", "<="):
        return edge.value
    lo, hi = lower(band), upper(band)
    other = hi if edge.relation == ">" else lo
    magnitude = edge.value if edge.value != 0 else (other.value if other else Decimal(0))
    step = Decimal(1).scaleb(magnitude.adjusted() - 2) if magnitude != 0 else Decimal("0.01")
    direction = 1 if edge.relation == ">" else -1
    for _ in range(60):
        candidate = edge.value + direction * step
        if contains(band, candidate):
            return candidate
        step /= 10
    raise ScoringError(f"band {text(band)} holds no value next to {edge.value}")
