"""The checks of a program definition: one small class per rule, each with a stable code.

Rules of the `program` stage run on a schema-valid `Program` and *return* findings (a
document path and a message); they never raise, and a rule that crashes becomes an issue
of its own code. The earlier stages (file, YAML, units, schema) are done by the loader in
`definitions.checking`, but they are listed here too, so every code a user can see has a
class, a name and a docstring; `docs/programs.md` is generated from these docstrings.

Codes are stable: a rule may change its message, never its code. `TW0xx` file and YAML,
`TW1xx` schema, `TW2xx` metrics and references, `TW3xx` thresholds, `TW4xx` weights and
bands, `TW5xx` levels.
"""

from __future__ import annotations

import inspect
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Literal

from tierwise.definitions.model import InvitedClassPolicy, Program
from tierwise.definitions.scoring import (
    AdditiveComponents,
    Band,
    BandedScorecard,
    ChannelThresholds,
    ComponentGroup,
    Condition,
    DimensionScorecard,
    NormalisedWeightedSum,
    Scoring,
)
from tierwise.definitions.yaml_source import Path

Severity = Literal["error", "warning"]
Stage = Literal["file", "yaml", "units", "schema", "program"]


@dataclass(frozen=True)
class Finding:
    """What a rule returns: where in the document, and what is wrong."""

    path: Path
    message: str


class Rule:
    """A check with a stable code; `program`-stage rules implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = "error"
    stage: ClassVar[Stage] = "program"

    @classmethod
    def summary(cls) -> str:
        """The docstring's first paragraph, on one line."""
        doc = inspect.getdoc(cls) or ""
        return " ".join(doc.split("\n\n")[0].split())

    @classmethod
    def details(cls) -> str:
        """The docstring after its first paragraph."""
        doc = inspect.getdoc(cls) or ""
        return "\n\n".join(doc.split("\n\n")[1:])

    def check(self, program: Program) -> Iterable[Finding]:
        """The findings for one program; empty when it passes."""
        return ()


# -- stages done by the loader ------------------------------------------------------------


class FileUnreadable(Rule):
    """The file cannot be read: it does not exist, is a folder, or is not UTF-8 text."""

    code = "TW000"
    name = "file.unreadable"
    stage = "file"


class YamlSyntax(Rule):
    """The text is not valid YAML, or a mapping repeats a key.

    Reported at the line where the YAML parser found the problem.
    """

    code = "TW001"
    name = "yaml.syntax"
    stage = "yaml"


class SchemaStructure(Rule):
    """A key is missing or not allowed, or a value has the wrong type or range.

    Every section is checked against the program schema (unknown keys are errors, so a
    misspelt key cannot be silently ignored); reported at the offending key, or for a
    missing key at the mapping that lacks it.
    """

    code = "TW101"
    name = "schema.structure"
    stage = "schema"


class UnknownScoringMethod(Rule):
    """`scoring.method` (or an evaluation's) is not a scoring method tierwise knows.

    The methods are `normalised_weighted_sum` (ISV), `banded_scorecard` (TSP),
    `channel_thresholds` (集星), `additive_components` (百应) and `dimension_scorecard`
    (ISV quarterly evaluation).
    """

    code = "TW102"
    name = "schema.scoring_method"
    stage = "schema"


class UnknownLifecyclePolicy(Rule):
    """`lifecycle.policy` is not a known level policy.

    The policies are `computed`, `one_step_up`, `award` and `invited_class`.
    """

    code = "TW103"
    name = "schema.lifecycle_policy"
    stage = "schema"


class UnknownMetric(Rule):
    """A metric entry names a `metric:` that is not in the metric library."""

    code = "TW201"
    name = "metrics.unknown"
    stage = "schema"


class MetricParams(Rule):
    """A metric's `params:` has an unknown parameter, lacks a required one, or has a bad value.

    Parameters are checked against the library metric's parameter model.
    """

    code = "TW202"
    name = "metrics.params"
    stage = "schema"


class ThresholdUnit(Rule):
    """A threshold's unit suffix does not fit the metric it applies to.

    `"0.40%"` fits a ratio, `"2,400 USD"` money in a USD program, `"600 h"` hours and
    `"4 days"` days; a bare number fits any metric and is taken in the metric's unit.
    A `%` on a count, hours on money, or `"100 CNY"` in a USD program are errors.
    """

    code = "TW301"
    name = "thresholds.unit"
    stage = "units"


# -- program rules ------------------------------------------------------------------------


def scorings(program: Program) -> list[tuple[Path, Scoring]]:
    """The program's scoring and each secondary evaluation's, with their paths."""
    out: list[tuple[Path, Scoring]] = [(("scoring",), program.scoring)]
    out += [(("evaluations", i, "scoring"), ev.scoring) for i, ev in enumerate(program.evaluations)]
    return out


def _conditions(program: Program) -> Iterator[tuple[Path, Condition]]:
    for key in ("eligible_when", "observation_when"):
        for i, cond in enumerate(getattr(program.status, key)):
            yield ("status", key, i), cond
    for path, scoring in scorings(program):
        if isinstance(scoring, NormalisedWeightedSum):
            for i, cond in enumerate(scoring.zero_when):
                yield (*path, "zero_when", i), cond
    if isinstance(program.lifecycle, InvitedClassPolicy):
        for i, down in enumerate(program.lifecycle.downgrades):
            for k, cond in enumerate(down.proposed_when):
                yield ("lifecycle", "downgrades", i, "proposed_when", k), cond


#: A place in the document that names something (a metric, a level), with the name.
Reference = tuple[Path, str]


def _weighted_sum_metrics(path: Path, scoring: NormalisedWeightedSum) -> Iterator[Reference]:
    for i, term in enumerate(scoring.terms):
        yield (*path, "terms", i, "metric"), term.metric
    for i, key in enumerate(scoring.tie_break):
        if key.key not in ("score", "partner_id"):
            yield (*path, "tie_break", i, "key"), key.key


def _scorecard_metrics(path: Path, scoring: BandedScorecard) -> Iterator[Reference]:
    for i, item in enumerate(scoring.items):
        yield (*path, "items", i, "metric"), item.metric


def _channel_metrics(path: Path, scoring: ChannelThresholds) -> Iterator[Reference]:
    for i, channel in enumerate(scoring.channels):
        for metric in channel.requires:
            yield (*path, "channels", i, "requires", metric), metric


def _additive_metrics(path: Path, scoring: AdditiveComponents) -> Iterator[Reference]:
    for g, group in enumerate(scoring.groups):
        for c, comp in enumerate(group.components):
            yield (*path, "groups", g, "components", c, "metric"), comp.metric


def _dimension_metrics(path: Path, scoring: DimensionScorecard) -> Iterator[Reference]:
    for i, dim in enumerate(scoring.dimensions):
        yield (*path, "dimensions", i, "metric"), dim.metric


#: Per scoring method, the places of its config that name a metric.
METRIC_REFERENCES: dict[str, Callable[[Path, Any], Iterator[Reference]]] = {
    "normalised_weighted_sum": _weighted_sum_metrics,
    "banded_scorecard": _scorecard_metrics,
    "channel_thresholds": _channel_metrics,
    "additive_components": _additive_metrics,
    "dimension_scorecard": _dimension_metrics,
}


def metric_references(program: Program) -> Iterator[Reference]:
    """Every place that names a program metric, with the name."""
    for path, scoring in scorings(program):
        yield from METRIC_REFERENCES[scoring.method](path, scoring)
    for path, cond in _conditions(program):
        if cond.metric is not None:
            yield (*path, "metric"), cond.metric
    for metric_name, entry in program.metrics.items():
        for field in ("numerator", "denominator", "of"):
            value = getattr(entry.params, field, None)
            if isinstance(value, str):
                yield ("metrics", metric_name, "params", field), value
    if program.binding_quota is not None:
        yield ("binding_quota", "counted_by"), program.binding_quota.counted_by


class UndefinedReference(Rule):
    """Scoring, status or a derived metric names a metric the program does not define.

    Also checked: a condition's `component` must be a component group of the program's
    `additive_components` scoring, `annual_excellence.evaluation` an evaluation id, and
    `binding_quota.counted_by` a metric that counts creators (`creators_with_fact`).
    """

    code = "TW203"
    name = "metrics.reference"

    def check(self, program: Program) -> Iterator[Finding]:
        quota = program.binding_quota
        counted = None if quota is None else program.metrics.get(quota.counted_by)
        if quota is not None and counted is not None and counted.metric != "creators_with_fact":
            yield Finding(
                ("binding_quota", "counted_by"),
                f"metric {quota.counted_by!r} is a {counted.metric!r} metric; a binding quota "
                "counts creators: name a `creators_with_fact` metric",
            )
        for path, name in metric_references(program):
            if name in program.metrics:
                continue
            if path[0] == "metrics":
                yield Finding(
                    path,
                    f"metric {path[1]!r} is computed from {name!r}, which is not defined "
                    "in `metrics`",
                )
            else:
                yield Finding(
                    path, f"{path[0]} refers to metric {name!r}, which is not defined in `metrics`"
                )
        groups = {g.name for g in _groups(program)}
        for path, cond in _conditions(program):
            if cond.component is not None and cond.component not in groups:
                yield Finding(
                    (*path, "component"),
                    f"condition refers to component group {cond.component!r}, which the "
                    "scoring does not define",
                )
        lifecycle = program.lifecycle
        if isinstance(lifecycle, InvitedClassPolicy) and lifecycle.annual_excellence:
            ref = lifecycle.annual_excellence.evaluation
            if ref not in {ev.id for ev in program.evaluations}:
                yield Finding(
                    ("lifecycle", "annual_excellence", "evaluation"),
                    f"refers to evaluation {ref!r}, which is not defined in `evaluations`",
                )


def _groups(program: Program) -> list[ComponentGroup]:
    scoring = program.scoring
    return list(scoring.groups) if isinstance(scoring, AdditiveComponents) else []


class MetricCycle(Rule):
    """Derived metrics (`ratio`, `growth`) refer to each other in a cycle."""

    code = "TW204"
    name = "metrics.cycle"

    def check(self, program: Program) -> Iterator[Finding]:
        reported: set[str] = set()
        for start in program.metrics:
            stack: list[tuple[str, tuple[str, ...]]] = [(start, (start,))]
            while stack:
                name, trail = stack.pop()
                metric = program.metrics.get(name)
                if metric is None:
                    continue
                for ref in metric.references:
                    if ref == start and start not in reported:
                        reported.update(trail)
                        cycle = " → ".join((*trail, start))
                        yield Finding(("metrics", start), f"metrics refer to each other: {cycle}")
                    elif ref not in trail:
                        stack.append((ref, (*trail, ref)))


class UnusedMetric(Rule):
    """A metric is defined but no scoring, status rule or other metric uses it (warning)."""

    code = "TW205"
    name = "metrics.unused"
    severity = "warning"

    def check(self, program: Program) -> Iterator[Finding]:
        used = {name for _, name in metric_references(program)}
        for name in program.metrics:
            if name not in used:
                yield Finding(("metrics", name), f"metric {name!r} is defined but never used")


class ConditionShape(Rule):
    """A condition names exactly one of `metric` or `component` and at least one bound."""

    code = "TW206"
    name = "conditions.shape"

    def check(self, program: Program) -> Iterator[Finding]:
        for path, cond in _conditions(program):
            if (cond.metric is None) == (cond.component is None):
                yield Finding(path, "a condition names exactly one of `metric` or `component`")
            bounds = (cond.at_least, cond.above, cond.below, cond.at_most, cond.equals)
            if all(b is None for b in bounds):
                yield Finding(
                    path,
                    "a condition needs a bound: at_least, above, below, at_most or equals",
                )


class WeightSum(Rule):
    """Scorecard item weights and weighted-sum term weights must sum to exactly 100.

    Weights are percent (`20` or `"20%"`). Dimension weights of a `dimension_scorecard`
    are renormalised over the dimensions that apply to a class, so each need only be > 0.
    """

    code = "TW401"
    name = "weights.sum"

    def check(self, program: Program) -> Iterator[Finding]:
        for path, scoring in scorings(program):
            if isinstance(scoring, DimensionScorecard):
                yield from self._dimensions(path, scoring)
            elif isinstance(scoring, NormalisedWeightedSum):
                yield from self._sum(path, "terms", tuple(t.weight for t in scoring.terms))
            elif isinstance(scoring, BandedScorecard):
                yield from self._sum(path, "items", tuple(i.weight for i in scoring.items))

    def _sum(self, path: Path, key: str, weights: tuple[Decimal, ...]) -> Iterator[Finding]:
        """Weights that add up to 100, none negative."""
        total = sum(weights, Decimal(0))
        if total != 100:
            yield Finding((*path, key), f"{key} weights sum to {_num(total)}, not 100")
        for i, w in enumerate(weights):
            if w < 0:
                yield Finding((*path, key, i, "weight"), f"weight {w} is negative")

    def _dimensions(self, path: Path, scoring: DimensionScorecard) -> Iterator[Finding]:
        """Renormalised per class: each weight need only be > 0."""
        for i, dim in enumerate(scoring.dimensions):
            if dim.weight <= 0:
                yield Finding(
                    (*path, "dimensions", i, "weight"),
                    f"dimension {dim.name!r} has weight {dim.weight}; weights must be > 0",
                )


@dataclass(frozen=True)
class _Interval:
    lo: Decimal | None
    lo_closed: bool
    hi: Decimal | None
    hi_closed: bool
    index: int

    def text(self) -> str:
        left = "(-∞" if self.lo is None else ("[" if self.lo_closed else "(") + _num(self.lo)
        right = "∞)" if self.hi is None else _num(self.hi) + ("]" if self.hi_closed else ")")
        return f"{left}, {right}"


def _band_interval(band: Band, index: int) -> _Interval:
    lo = band.from_ if band.from_ is not None else band.above
    hi = band.below if band.below is not None else band.to
    return _Interval(lo, band.from_ is not None, hi, band.to is not None, index)


class BandCoverage(Rule):
    """A scorecard metric's bands must cover every value exactly once: no gap, no overlap.

    Bounds: `from` (≥), `above` (>), `below` (<), `to` (≤); a missing bound is infinite.
    `[5, 15)` is `from: 5, below: 15`; the seed's "(0, 500)" is `above: 0, below: 500`
    with `{to: 0}` below it. A band with both `from` and `above` (or `below` and `to`), or
    an empty band, is an error too. Reported at the band where the problem starts.
    """

    code = "TW402"
    name = "bands.coverage"

    def check(self, program: Program) -> Iterator[Finding]:
        for path, scoring in scorings(program):
            if not isinstance(scoring, BandedScorecard):
                continue
            for i, item in enumerate(scoring.items):
                yield from self._item(item.metric, item.bands, (*path, "items", i))

    def _item(self, metric: str, bands: tuple[Band, ...], path: Path) -> Iterator[Finding]:
        intervals: list[_Interval] = []
        for j, band in enumerate(bands):
            problem = _band_problem(metric, band, j)
            if problem is None:
                intervals.append(_band_interval(band, j))
            else:
                yield Finding((*path, "bands", j), problem)
        if not intervals:
            yield Finding(path, f"metric {metric!r} has no bands")
            return
        intervals.sort(key=_lower_key)
        first = intervals[0]
        if first.lo is not None:
            edge = "below" if first.lo_closed else "up to and including"
            yield Finding(
                (*path, "bands", first.index),
                f"values of {metric!r} {edge} {_num(first.lo)} fall in no band",
            )
        for a, b in itertools.pairwise(intervals):
            seam = _seam_problem(metric, a, b)
            if seam is not None:
                yield Finding((*path, "bands", b.index), seam)
        if all(iv.hi is not None for iv in intervals):
            last = max(intervals, key=_upper_key)
            edge = "above" if last.hi_closed else "from"
            yield Finding(
                (*path, "bands", last.index),
                f"values of {metric!r} {edge} {_num(last.hi or Decimal(0))} on fall in no band",
            )


def _band_problem(metric: str, band: Band, index: int) -> str | None:
    """What is wrong with one band on its own: two bounds on a side, or no value inside."""
    if band.from_ is not None and band.above is not None:
        return "a band has one lower bound: `from` or `above`, not both"
    if band.below is not None and band.to is not None:
        return "a band has one upper bound: `below` or `to`, not both"
    iv = _band_interval(band, index)
    if (
        iv.lo is not None
        and iv.hi is not None
        and (iv.lo > iv.hi or (iv.lo == iv.hi and not (iv.lo_closed and iv.hi_closed)))
    ):
        return f"band {iv.text()} of {metric!r} is empty"
    return None


def _seam_problem(metric: str, a: _Interval, b: _Interval) -> str | None:
    """What is wrong where band `a` (lower) meets band `b`: overlap, gap, or a shared or
    missing edge value."""
    if a.hi is None or b.lo is None or a.hi > b.lo:
        return f"bands {a.text()} and {b.text()} of {metric!r} overlap"
    if a.hi < b.lo:
        return f"values of {metric!r} between {_num(a.hi)} and {_num(b.lo)} fall in no band"
    if a.hi_closed and b.lo_closed:
        return f"bands {a.text()} and {b.text()} of {metric!r} both include {_num(a.hi)}"
    if not a.hi_closed and not b.lo_closed:
        return f"value {_num(a.hi)} of {metric!r} falls in no band"
    return None


def _lower_key(iv: _Interval) -> tuple[int, Decimal, int]:
    if iv.lo is None:
        return (0, Decimal(0), 0)
    return (1, iv.lo, 0 if iv.lo_closed else 1)


def _upper_key(iv: _Interval) -> tuple[int, Decimal, int]:
    if iv.hi is None:
        return (1, Decimal(0), 0)
    return (0, iv.hi, 1 if iv.hi_closed else 0)


class BandScore(Rule):
    """A band's score must lie between 0 and the scorecard's `max_band_score` (TSP: 2)."""

    code = "TW403"
    name = "bands.score"

    def check(self, program: Program) -> Iterator[Finding]:
        for path, scoring in scorings(program):
            if not isinstance(scoring, BandedScorecard):
                continue
            for i, item in enumerate(scoring.items):
                for j, band in enumerate(item.bands):
                    if not 0 <= band.score <= scoring.max_band_score:
                        yield Finding(
                            (*path, "items", i, "bands", j, "score"),
                            f"band score {band.score} is outside 0–{scoring.max_band_score}",
                        )


class ComponentPoints(Rule):
    """A component's `points` must have strictly increasing values, and a group's
    components together must not earn more than the group's `max`."""

    code = "TW404"
    name = "components.points"

    def check(self, program: Program) -> Iterator[Finding]:
        for path, scoring in scorings(program):
            if not isinstance(scoring, AdditiveComponents):
                continue
            for g, group in enumerate(scoring.groups):
                top = Decimal(0)
                for c, comp in enumerate(group.components):
                    where = (*path, "groups", g, "components", c, "points")
                    if not comp.points:
                        yield Finding(where, f"component {comp.metric!r} has no points")
                        continue
                    values = [v for v, _ in comp.points]
                    for k in range(1, len(values)):
                        if values[k] <= values[k - 1]:
                            yield Finding(
                                (*where, k),
                                f"points of {comp.metric!r} must have increasing values: "
                                f"{_num(values[k])} follows {_num(values[k - 1])}",
                            )
                    top += max(p for _, p in comp.points)
                if group.max is not None and top > group.max:
                    yield Finding(
                        (*path, "groups", g),
                        f"components of group {group.name!r} can earn {_num(top)} points, "
                        f"more than its max {_num(group.max)}",
                    )


class LevelOrder(Rule):
    """What a level needs must increase with the level order (levels are listed lowest first).

    Score intervals must be contiguous and rise with the level; award minimum points must
    rise; each channel threshold must not fall, and a higher level must need more on at
    least one metric of the channel, and every metric of a channel names the same levels;
    ranked classes are listed highest first and only the last may have no quota; binding
    quotas must not fall as the level rises.
    """

    code = "TW501"
    name = "levels.order"

    def check(self, program: Program) -> Iterator[Finding]:
        rank = {lvl: i for i, lvl in enumerate(program.level_ids)}
        for path, scoring in scorings(program):
            if isinstance(scoring, AdditiveComponents):
                yield from self._intervals(scoring, path, rank)
            elif isinstance(scoring, BandedScorecard):
                yield from self._awards(scoring, path, rank)
            elif isinstance(scoring, ChannelThresholds):
                yield from self._channels(scoring, path, rank)
            elif isinstance(scoring, NormalisedWeightedSum):
                yield from self._classes(scoring, path, rank)
        yield from self._quota(program, rank)

    def _intervals(
        self, scoring: AdditiveComponents, path: Path, rank: dict[str, int]
    ) -> Iterator[Finding]:
        known = [(i, iv) for i, iv in enumerate(scoring.intervals) if iv.level in rank]
        for i, iv in known:
            if iv.from_ is not None and iv.below is not None and iv.from_ >= iv.below:
                yield Finding((*path, "intervals", i), f"interval of {iv.level} is empty")
        ordered = sorted(known, key=lambda p: rank[p[1].level])
        for (_, a), (j, b) in itertools.pairwise(ordered):
            where = (*path, "intervals", j)
            if b.from_ is None or (a.from_ is not None and b.from_ <= a.from_):
                yield Finding(
                    where,
                    f"interval of {b.level} does not start above the interval of {a.level}; "
                    "score intervals must increase with the level order",
                )
            elif a.below is None:
                yield Finding(
                    where, f"interval of {a.level} has no upper bound, yet {b.level} is higher"
                )
            elif a.below < b.from_:
                yield Finding(
                    where,
                    f"scores in [{_num(a.below)}, {_num(b.from_)}) reach no level: "
                    f"{a.level} ends below where {b.level} starts",
                )
            elif a.below > b.from_:
                yield Finding(
                    where,
                    f"intervals of {a.level} and {b.level} overlap in "
                    f"[{_num(b.from_)}, {_num(a.below)})",
                )

    def _awards(
        self, scoring: BandedScorecard, path: Path, rank: dict[str, int]
    ) -> Iterator[Finding]:
        known = sorted(
            ((i, aw) for i, aw in enumerate(scoring.awards) if aw.level in rank),
            key=lambda p: rank[p[1].level],
        )
        for (_, a), (j, b) in itertools.pairwise(known):
            if b.min_points <= a.min_points:
                yield Finding(
                    (*path, "awards", j, "min_points"),
                    f"award {b.level} needs {_num(b.min_points)} points, not more than "
                    f"{a.level} ({_num(a.min_points)}), though {b.level} is the higher level",
                )

    def _channels(
        self, scoring: ChannelThresholds, path: Path, rank: dict[str, int]
    ) -> Iterator[Finding]:
        for i, channel in enumerate(scoring.channels):
            where = (*path, "channels", i, "requires")
            level_sets = {m: set(per) & rank.keys() for m, per in channel.requires.items()}
            everywhere = set.intersection(*level_sets.values()) if level_sets else set()
            for metric, levels in level_sets.items():
                for level in sorted(levels - everywhere, key=rank.__getitem__):
                    others = [m for m, ls in level_sets.items() if level not in ls]
                    yield Finding(
                        (*where, metric, level),
                        f"channel {channel.name!r} gives {metric!r} a threshold for {level} "
                        f"but not {', '.join(map(repr, others))}",
                    )
            ordered = sorted(everywhere, key=rank.__getitem__)
            for lo, hi in itertools.pairwise(ordered):
                falling = [m for m, per in channel.requires.items() if per[hi] < per[lo]]
                for metric in falling:
                    per = channel.requires[metric]
                    yield Finding(
                        (*where, metric, hi),
                        f"channel {channel.name!r}: {metric!r} for {hi} "
                        f"({_num(per[hi])}) is below {lo} ({_num(per[lo])}); thresholds "
                        "must increase with the level order",
                    )
                rising = any(per[hi] > per[lo] for per in channel.requires.values())
                if not falling and not rising:
                    yield Finding(
                        (*where,),
                        f"channel {channel.name!r} needs the same for {hi} as for {lo}, so "
                        f"{lo} can never be held through it",
                    )

    def _classes(
        self, scoring: NormalisedWeightedSum, path: Path, rank: dict[str, int]
    ) -> Iterator[Finding]:
        for j, cls in enumerate(scoring.classes):
            where = (*path, "classes", j)
            if j > 0:
                prev = scoring.classes[j - 1]
                if cls.level in rank and prev.level in rank and rank[cls.level] >= rank[prev.level]:
                    yield Finding(
                        where,
                        f"class {cls.level} follows {prev.level}: classes are filled by rank, "
                        "so list them highest level first",
                    )
            if cls.quota is None and j != len(scoring.classes) - 1:
                yield Finding(
                    where, f"class {cls.level} takes every remaining rank, so it must be last"
                )
            if cls.quota is not None and cls.quota < 1:
                yield Finding(
                    (*where, "quota"), f"class {cls.level} has quota {cls.quota}; use ≥ 1"
                )

    def _quota(self, program: Program, rank: dict[str, int]) -> Iterator[Finding]:
        quota = program.binding_quota
        if quota is None:
            return
        known = sorted((lvl for lvl in quota.per_level if lvl in rank), key=rank.__getitem__)
        for lo, hi in itertools.pairwise(known):
            a, b = quota.per_level[lo], quota.per_level[hi]
            if b is not None and (a is None or b < a):
                was = "unlimited" if a is None else str(a)
                yield Finding(
                    ("binding_quota", "per_level", hi),
                    f"binding quota of {hi} ({b}) is below {lo}'s ({was})",
                )


def _class_levels(path: Path, scoring: NormalisedWeightedSum) -> Iterator[Reference]:
    for i, cls in enumerate(scoring.classes):
        yield (*path, "classes", i, "level"), cls.level


def _award_levels(path: Path, scoring: BandedScorecard) -> Iterator[Reference]:
    for i, award in enumerate(scoring.awards):
        yield (*path, "awards", i, "level"), award.level


def _channel_levels(path: Path, scoring: ChannelThresholds) -> Iterator[Reference]:
    for i, channel in enumerate(scoring.channels):
        for metric, per in channel.requires.items():
            for level in per:
                yield (*path, "channels", i, "requires", metric, level), level


def _interval_levels(path: Path, scoring: AdditiveComponents) -> Iterator[Reference]:
    for i, iv in enumerate(scoring.intervals):
        yield (*path, "intervals", i, "level"), iv.level


def _dimension_levels(path: Path, scoring: DimensionScorecard) -> Iterator[Reference]:
    for i, dim in enumerate(scoring.dimensions):
        for k, cls_name in enumerate(dim.classes):
            yield (*path, "dimensions", i, "classes", k), cls_name


#: Per scoring method, the places of its config that name a level.
LEVEL_REFERENCES: dict[str, Callable[[Path, Any], Iterator[Reference]]] = {
    "normalised_weighted_sum": _class_levels,
    "banded_scorecard": _award_levels,
    "channel_thresholds": _channel_levels,
    "additive_components": _interval_levels,
    "dimension_scorecard": _dimension_levels,
}


def _invited_class_levels(policy: InvitedClassPolicy) -> Iterator[Reference]:
    for k, name in enumerate(policy.fixed_classes):
        yield ("lifecycle", "fixed_classes", k), name
    for i, review in enumerate(policy.reviews):
        for k, name in enumerate(review.classes):
            yield ("lifecycle", "reviews", i, "classes", k), name
    for i, promo in enumerate(policy.promotions):
        yield ("lifecycle", "promotions", i, "from"), promo.from_
        yield ("lifecycle", "promotions", i, "to"), promo.to
    for i, down in enumerate(policy.downgrades):
        yield ("lifecycle", "downgrades", i, "from"), down.from_
        if down.to is not None:
            yield ("lifecycle", "downgrades", i, "to"), down.to
    chosen = policy.annual_excellence
    for k, name in enumerate(chosen.classes or () if chosen is not None else ()):
        yield ("lifecycle", "annual_excellence", "classes", k), name


def level_references(program: Program) -> Iterator[Reference]:
    """Every place that names a level, with the name."""
    for path, scoring in scorings(program):
        yield from LEVEL_REFERENCES[scoring.method](path, scoring)
    if isinstance(program.lifecycle, InvitedClassPolicy):
        yield from _invited_class_levels(program.lifecycle)
    if program.binding_quota is not None:
        for level in program.binding_quota.per_level:
            yield ("binding_quota", "per_level", level), level


def reached_levels(program: Program) -> set[str]:
    """The levels the program's scoring can give."""
    scoring = program.scoring
    if isinstance(scoring, NormalisedWeightedSum):
        return {c.level for c in scoring.classes}
    if isinstance(scoring, BandedScorecard):
        return {a.level for a in scoring.awards}
    if isinstance(scoring, ChannelThresholds):
        return {lvl for ch in scoring.channels for per in ch.requires.values() for lvl in per}
    if isinstance(scoring, AdditiveComponents):
        return {iv.level for iv in scoring.intervals}
    return set()


class UndeclaredLevel(Rule):
    """Scoring, lifecycle or binding quotas name a level that `levels` does not declare."""

    code = "TW502"
    name = "levels.undeclared"

    def check(self, program: Program) -> Iterator[Finding]:
        declared = set(program.level_ids)
        for path, level in level_references(program):
            if level not in declared:
                yield Finding(
                    path,
                    f"level {level!r} is not declared in `levels` ({', '.join(program.level_ids)})",
                )


class UnreachableLevel(Rule):
    """A declared level that no class, award, channel or score interval of the scoring gives."""

    code = "TW503"
    name = "levels.unreachable"

    def check(self, program: Program) -> Iterator[Finding]:
        reached = reached_levels(program)
        for i, level in enumerate(program.levels):
            if level.id not in reached:
                yield Finding(
                    ("levels", i), f"level {level.id!r} is declared but no scoring gives it"
                )


class DuplicateName(Rule):
    """Level ids, evaluation ids, and the names of component groups, channels and dimensions
    must be unique; a level has at most one score interval, award or ranked class."""

    code = "TW504"
    name = "names.duplicate"

    def check(self, program: Program) -> Iterator[Finding]:
        yield from _duplicates(
            [("levels", i) for i in range(len(program.levels))], program.level_ids, "level"
        )
        yield from _duplicates(
            [("evaluations", i) for i in range(len(program.evaluations))],
            [ev.id for ev in program.evaluations],
            "evaluation",
        )
        for path, scoring in scorings(program):
            if isinstance(scoring, AdditiveComponents):
                yield from _duplicates(
                    [(*path, "groups", i) for i in range(len(scoring.groups))],
                    [g.name for g in scoring.groups],
                    "component group",
                )
                yield from _duplicates(
                    [(*path, "intervals", i) for i in range(len(scoring.intervals))],
                    [iv.level for iv in scoring.intervals],
                    "interval of level",
                )
            elif isinstance(scoring, ChannelThresholds):
                yield from _duplicates(
                    [(*path, "channels", i) for i in range(len(scoring.channels))],
                    [c.name for c in scoring.channels],
                    "channel",
                )
            elif isinstance(scoring, DimensionScorecard):
                yield from _duplicates(
                    [(*path, "dimensions", i) for i in range(len(scoring.dimensions))],
                    [d.name for d in scoring.dimensions],
                    "dimension",
                )
            elif isinstance(scoring, BandedScorecard):
                yield from _duplicates(
                    [(*path, "awards", i) for i in range(len(scoring.awards))],
                    [a.level for a in scoring.awards],
                    "award of level",
                )
            elif isinstance(scoring, NormalisedWeightedSum):
                yield from _duplicates(
                    [(*path, "classes", i) for i in range(len(scoring.classes))],
                    [c.level for c in scoring.classes],
                    "class",
                )


class WithheldStatus(Rule):
    """`visibility.withheld_in` names a status the program never gives (no novice months,
    no eligibility or observation conditions), so nothing would ever be withheld.

    A status is given only by its rule in `status`: novice by `novice_months`, ineligible by
    `eligible_when`, observation by `observation_when`."""

    code = "TW601"
    name = "visibility.status"

    def check(self, program: Program) -> Iterator[Finding]:
        given = {
            "novice": program.status.novice_months > 0,
            "ineligible": bool(program.status.eligible_when),
            "observation": bool(program.status.observation_when),
        }
        for i, status in enumerate(program.visibility.withheld_in):
            if not given[status]:
                yield Finding(
                    ("visibility", "withheld_in", i),
                    f"status {status!r} is withheld but the program's `status` never gives it",
                )


def _duplicates(paths: list[Path], names: Sequence[str], what: str) -> Iterator[Finding]:
    counts = Counter(names)
    seen: set[str] = set()
    for path, name in zip(paths, names, strict=True):
        if counts[name] > 1 and name in seen:
            yield Finding(path, f"{what} {name!r} appears more than once")
        seen.add(name)


def _num(value: Decimal) -> str:
    """A threshold as an operator wrote it: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


#: Every rule, in code order; the loader runs the `program` stage ones.
RULES: tuple[type[Rule], ...] = (
    FileUnreadable,
    YamlSyntax,
    SchemaStructure,
    UnknownScoringMethod,
    UnknownLifecyclePolicy,
    UnknownMetric,
    MetricParams,
    UndefinedReference,
    MetricCycle,
    UnusedMetric,
    ConditionShape,
    ThresholdUnit,
    WeightSum,
    BandCoverage,
    BandScore,
    ComponentPoints,
    LevelOrder,
    UndeclaredLevel,
    UnreachableLevel,
    DuplicateName,
    WithheldStatus,
)

RULES_BY_CODE: dict[str, type[Rule]] = {r.code: r for r in RULES}
