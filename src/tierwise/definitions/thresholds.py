"""Thresholds written the way an operator reads the seed tables, normalised to metric units.

A threshold is a number in the metric's unit, or a text with a unit suffix: `"0.40%"` is
0.004 on a ratio metric, `"2,400 USD"`, `"100k CNY"` or `"1M CNY"` are money in the
program's currency, `"600 h"` is hours, `"4 days"` is days. A suffix that does not fit the
metric (or money in another currency) is reported as TW301 and the number is kept, so the
later checks still see sensible values. This pass runs on the plain data *before* the
schema, because the scoring models hold `Decimal` thresholds only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tierwise.definitions.yaml_source import Path
from tierwise.metrics.catalog import LIBRARY, Unit

_NUMBER = re.compile(
    r"^\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)"
    r"\s*(?P<scale>k|K|M|mil|bn)?\s*(?P<suffix>%|[A-Z]{3}|h|hr|hrs|hours|d|days|pts|points)?\s*$"
)
_SCALES = {"k": Decimal(1000), "K": Decimal(1000), "M": Decimal(10**6), "mil": Decimal(10**6)}
_SCALES["bn"] = Decimal(10**9)
_HOURS = {"h", "hr", "hrs", "hours"}
_DAYS = {"d", "days"}
_POINTS = {"pts", "points"}


@dataclass(frozen=True)
class Quantity:
    """A parsed threshold text: its value in the unit the suffix names."""

    value: Decimal
    #: `ratio` (a % suffix), `money`, `hours`, `days`, `points`, or None (a bare number).
    unit: Unit | None
    currency: str | None = None
    #: The number as written (`"15%"` → 15), kept when the suffix does not fit.
    written: Decimal | None = None


def parse_quantity(text: str) -> Quantity | None:
    """Parse `"0.40%"`, `"2,400 USD"`, `"1M CNY"`, `"600 h"`; None when it is no quantity."""
    m = _NUMBER.match(text)
    if m is None:
        return None
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None
    if m.group("scale"):
        value *= _SCALES[m.group("scale")]
    suffix = m.group("suffix")
    if suffix is None:
        return Quantity(value, None)
    if suffix == "%":
        return Quantity(value / 100, "ratio", written=value)
    if suffix in _HOURS:
        return Quantity(value, "hours")
    if suffix in _DAYS:
        return Quantity(value, "days")
    if suffix in _POINTS:
        return Quantity(value, "points")
    return Quantity(value, "money", currency=suffix)


@dataclass(frozen=True)
class UnitProblem:
    """A threshold whose suffix does not fit (TW301), at its document path."""

    path: Path
    message: str


def effective_units(metrics: Any) -> dict[str, Unit]:
    """The unit of each metric of a raw `metrics:` section.

    A derived `ratio` of money by a count (GMV per seller) is money; a ratio of like
    units (a share) is a ratio; a `growth` is a ratio. Unknown metrics are left out.
    """
    if not isinstance(metrics, dict):
        return {}
    units: dict[str, Unit] = {}

    def unit_of(name: str, seen: frozenset[str]) -> Unit | None:
        if name in units:
            return units[name]
        entry = metrics.get(name)
        if not isinstance(entry, dict) or name in seen:
            return None
        lib = LIBRARY.get(str(entry.get("metric")))
        if lib is None:
            return None
        unit: Unit | None = lib.unit
        params = entry.get("params")
        if lib.name == "ratio" and isinstance(params, dict):
            num = unit_of(str(params.get("numerator")), seen | {name})
            den = unit_of(str(params.get("denominator")), seen | {name})
            unit = _ratio_unit(num, den)
        if unit is not None:
            units[name] = unit
        return unit

    for name in metrics:
        unit_of(str(name), frozenset())
    return units


def _ratio_unit(numerator: Unit | None, denominator: Unit | None) -> Unit | None:
    """Money per count is money (GMV per seller); like by like is a ratio (a share)."""
    if numerator is None or denominator is None:
        return None
    if numerator != denominator and denominator == "count":
        return numerator
    return "ratio"


class ThresholdNormaliser:
    """Replaces threshold texts by numbers in one raw definition, collecting unit problems."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.currency = data.get("currency") if isinstance(data.get("currency"), str) else None
        self.units = effective_units(data.get("metrics"))
        self.problems: list[UnitProblem] = []

    def run(self) -> list[UnitProblem]:
        """Normalise every threshold of the document in place."""
        scoring = self.data.get("scoring")
        groups = _group_names(scoring)
        if isinstance(scoring, dict):
            self._scoring(scoring, ("scoring",))
        status = self.data.get("status")
        if isinstance(status, dict):
            for key in ("eligible_when", "observation_when"):
                self._conditions(status.get(key), ("status", key), groups)
        evaluations = self.data.get("evaluations")
        if isinstance(evaluations, list):
            for i, ev in enumerate(evaluations):
                if isinstance(ev, dict) and isinstance(ev.get("scoring"), dict):
                    self._scoring(ev["scoring"], ("evaluations", i, "scoring"))
        return self.problems

    # -- the places thresholds live -------------------------------------------------------

    def _scoring(self, scoring: dict[str, Any], path: Path) -> None:
        method = scoring.get("method")
        places = {
            "normalised_weighted_sum": self._weighted_sum,
            "banded_scorecard": self._scorecard,
            "channel_thresholds": self._channels,
            "additive_components": self._additive,
            "dimension_scorecard": self._dimensions,
        }
        if isinstance(method, str) and method in places:
            places[method](scoring, path)

    def _weighted_sum(self, scoring: dict[str, Any], path: Path) -> None:
        for i, term in _items(scoring.get("terms")):
            self._weight(term, (*path, "terms", i))
        self._conditions(scoring.get("zero_when"), (*path, "zero_when"), set())

    def _scorecard(self, scoring: dict[str, Any], path: Path) -> None:
        for i, item in _items(scoring.get("items")):
            self._weight(item, (*path, "items", i))
            metric = item.get("metric")
            for j, band in _items(item.get("bands")):
                for key in ("from", "above", "below", "to"):
                    self._value(band, key, (*path, "items", i, "bands", j), metric)
        for i, award in _items(scoring.get("awards")):
            self._value(award, "min_points", (*path, "awards", i), None, fixed="points")

    def _channels(self, scoring: dict[str, Any], path: Path) -> None:
        for i, channel in _items(scoring.get("channels")):
            requires = channel.get("requires")
            if not isinstance(requires, dict):
                continue
            for metric, per_level in requires.items():
                if isinstance(per_level, dict):
                    for level in per_level:
                        where = (*path, "channels", i, "requires", metric)
                        self._value(per_level, level, where, metric)

    def _additive(self, scoring: dict[str, Any], path: Path) -> None:
        for g, group in _items(scoring.get("groups")):
            self._value(group, "max", (*path, "groups", g), None, fixed="points")
            for c, comp in _items(group.get("components")):
                self._component(comp, (*path, "groups", g, "components", c))
        for i, interval in _items(scoring.get("intervals")):
            for key in ("from", "below"):
                self._value(interval, key, (*path, "intervals", i), None, fixed="points")

    def _component(self, comp: dict[str, Any], path: Path) -> None:
        """A component's (value, points) pairs: values in the metric's unit, then points."""
        points = comp.get("points")
        if not isinstance(points, list):
            return
        for k, pair in enumerate(points):
            if isinstance(pair, list) and len(pair) == 2:
                self._value_at(pair, 0, (*path, "points", k), comp.get("metric"))
                self._value_at(pair, 1, (*path, "points", k), None, fixed="points")

    def _dimensions(self, scoring: dict[str, Any], path: Path) -> None:
        for i, dim in _items(scoring.get("dimensions")):
            self._weight(dim, (*path, "dimensions", i))
            score = dim.get("score")
            if isinstance(score, dict):
                where = (*path, "dimensions", i, "score")
                self._value(score, "full_at", where, None, fixed="ratio")

    def _conditions(self, conditions: Any, path: Path, groups: set[str]) -> None:
        for i, cond in _items(conditions):
            metric = cond.get("metric")
            fixed: Unit | None = "points" if cond.get("component") in groups else None
            for key in ("at_least", "above", "below", "at_most", "equals"):
                self._value(cond, key, (*path, i), metric, fixed=fixed)

    def _weight(self, holder: dict[str, Any], path: Path) -> None:
        """Weights are percent: `20%` and `20` both mean 20."""
        value = holder.get("weight")
        if isinstance(value, str):
            q = parse_quantity(value)
            if q is not None and q.unit in ("ratio", None):
                holder["weight"] = q.value * 100 if q.unit == "ratio" else q.value

    # -- one value ------------------------------------------------------------------------

    def _value(
        self,
        holder: dict[Any, Any],
        key: Any,
        path: Path,
        metric: Any,
        fixed: Unit | None = None,
    ) -> None:
        if key in holder:
            self._replace(holder, key, (*path, key), metric, fixed)

    def _value_at(
        self, holder: list[Any], index: int, path: Path, metric: Any, fixed: Unit | None = None
    ) -> None:
        self._replace(holder, index, path, metric, fixed)

    def _replace(self, holder: Any, key: Any, path: Path, metric: Any, fixed: Unit | None) -> None:
        text = holder[key]
        if not isinstance(text, str):
            return
        q = parse_quantity(text)
        if q is None:
            return  # not a quantity at all: the schema reports it as a wrong type
        unit = fixed if fixed is not None else self.units.get(str(metric))
        problem = self._misfit(q, unit, metric)
        if problem:
            msg = f"threshold of the wrong unit: {text!r} {problem}"
            self.problems.append(UnitProblem(path, msg))
            # keep the number as written, so later checks do not cascade from the suffix
            holder[key] = q.written if q.written is not None else q.value
        else:
            holder[key] = q.value

    def _misfit(self, q: Quantity, unit: Unit | None, metric: Any) -> str | None:
        if q.unit == "money" and self.currency and q.currency != self.currency:
            return f"is in {q.currency}, but the program's currency is {self.currency}"
        if q.unit is None or unit is None:
            return None
        if q.unit == unit:
            return None
        what = f"metric {metric!r}" if metric is not None and unit != "points" else "this value"
        return f"does not fit {what}, whose unit is {unit}"


def _items(seq: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            if isinstance(item, dict):
                yield i, item


def _group_names(scoring: Any) -> set[str]:
    if not isinstance(scoring, dict):
        return set()
    return {str(g.get("name")) for _, g in _items(scoring.get("groups"))}
