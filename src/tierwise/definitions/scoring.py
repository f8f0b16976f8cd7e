"""The scoring part of a program definition: one frozen model per scoring method, and the
status rules.

Part of the one program schema (`definitions.model.Program` holds these), kept apart from
`tierwise.scoring`, which only reads them: definitions parse and validate YAML into these
models, the scoring methods evaluate them. Thresholds here are already normalised to the
metric's unit (a YAML "0.40%" arrives as Decimal("0.004")).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """The base of every definition model: immutable, and an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(Frozen):
    """An interval of a metric's values with the band score it earns.

    Lower bound: `from_` (>=) or `above` (>); upper bound: `below` (<) or `to` (<=);
    a missing bound is infinite. `[a, b)` is `from: a, below: b`.
    """

    score: int
    from_: Decimal | None = Field(default=None, alias="from")
    above: Decimal | None = None
    below: Decimal | None = None
    to: Decimal | None = None
    #: A value in this band disqualifies the partner from any award (instead of 0 points).
    disqualifies: bool = False
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Condition(Frozen):
    """A test on one metric's value (or one component group's points): all given bounds hold."""

    metric: str | None = None
    component: str | None = None
    at_least: Decimal | None = None
    above: Decimal | None = None
    below: Decimal | None = None
    at_most: Decimal | None = None
    equals: Decimal | None = None


class Term(Frozen):
    metric: str
    weight: Decimal  # percent; the terms' weights sum to 100


class RankKey(Frozen):
    """One key of the ranking order: `score`, a metric name, or `partner_id`."""

    key: str
    order: Literal["asc", "desc"] = "desc"


class ClassQuota(Frozen):
    level: str
    #: How many ranks this class takes; null = every remaining eligible partner.
    quota: int | None = None


class NormalisedWeightedSum(Frozen):
    """ISV: score = Σ weight/100 · value / population maximum; ranked into quota classes."""

    method: Literal["normalised_weighted_sum"]
    terms: tuple[Term, ...]
    #: The score is 0 when any of these holds (ISV: api_per_day == 0).
    zero_when: tuple[Condition, ...] = ()
    #: Partners sharing the maximum: `market` (one population per market) or `all`.
    population: Literal["market", "all"] = "market"
    #: Ranking order after the score; ranks are unique (partner_id ascending breaks last ties).
    tie_break: tuple[RankKey, ...] = ()
    classes: tuple[ClassQuota, ...]


class ScorecardItem(Frozen):
    metric: str
    weight: Decimal  # percent; the items' weights sum to 100
    bands: tuple[Band, ...]


class Award(Frozen):
    level: str
    min_points: Decimal


class BandedScorecard(Frozen):
    """TSP: points = Σ weight × band_score / max_band_score (× 100 / 100); awards by points."""

    method: Literal["banded_scorecard"]
    max_band_score: int = 2
    items: tuple[ScorecardItem, ...]
    #: Highest award first is not required; the highest `min_points` reached wins.
    awards: tuple[Award, ...]


class Channel(Frozen):
    """One way to reach a level: every metric's threshold for that level (>=) must be met."""

    name: str
    title: dict[str, str] = {}
    #: metric -> level -> minimum value.
    requires: dict[str, dict[str, Decimal]]


class ChannelThresholds(Frozen):
    """集星: a level is reached when any channel passes; the highest level reached is held."""

    method: Literal["channel_thresholds"]
    channels: tuple[Channel, ...]


class Component(Frozen):
    """Points from one metric: piecewise-linear through `points`, flat beyond the last."""

    metric: str
    #: (value, points) pairs with increasing values; the first is usually (0, 0).
    points: tuple[tuple[Decimal, Decimal], ...]


class ComponentGroup(Frozen):
    name: str
    title: dict[str, str] = {}
    max: Decimal | None = None
    enabled: bool = True
    components: tuple[Component, ...]


class ScoreInterval(Frozen):
    level: str
    from_: Decimal | None = Field(default=None, alias="from")
    below: Decimal | None = None
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AdditiveComponents(Frozen):
    """百应: score = Σ component points over enabled groups, rounded, mapped by intervals."""

    method: Literal["additive_components"]
    groups: tuple[ComponentGroup, ...]
    rounding: Literal["half_up", "none"] = "half_up"
    intervals: tuple[ScoreInterval, ...]


class GrowthScore(Frozen):
    """Growth vs the previous period: >= full_at gives full marks, linear from 0, decline 0."""

    kind: Literal["growth"]
    full_at: Decimal = Decimal("0.2")


class FactScore(Frozen):
    """An operator fact in [0, 1] scaled to the dimension's 0–100."""

    kind: Literal["fact"]


class Dimension(Frozen):
    name: str
    title: dict[str, str] = {}
    metric: str
    weight: Decimal
    #: Classes (levels) this dimension applies to; weights are renormalised per class.
    classes: tuple[str, ...]
    score: Annotated[GrowthScore | FactScore, Field(discriminator="kind")]


class DimensionScorecard(Frozen):
    """ISV quarterly evaluation: class-dependent dimensions, each 0–100, weighted to 0–100."""

    method: Literal["dimension_scorecard"]
    dimensions: tuple[Dimension, ...]


Scoring = Annotated[
    NormalisedWeightedSum
    | BandedScorecard
    | ChannelThresholds
    | AdditiveComponents
    | DimensionScorecard,
    Field(discriminator="method"),
]

SCORING_METHODS: tuple[str, ...] = (
    "normalised_weighted_sum",
    "banded_scorecard",
    "channel_thresholds",
    "additive_components",
    "dimension_scorecard",
)


class StatusRules(Frozen):
    """How a partner's status for a period is decided (spec: assessed, novice, observation,
    ineligible). Checked in this order: novice, ineligible, observation, else assessed."""

    #: The month a partner joined and the next `novice_months − 1` months are novice (0: none).
    novice_months: int = 0
    #: All must hold, else the partner is `ineligible` (no level, no rank; score still shown).
    eligible_when: tuple[Condition, ...] = ()
    #: Any holding puts the partner in `observation` (no level shown, a warning is issued).
    observation_when: tuple[Condition, ...] = ()
