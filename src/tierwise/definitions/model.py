"""The Program: one grading program's definition, validated (frozen, no unknown keys).

The scoring and status parts are the models of `definitions.scoring`; each metric entry is
validated against its library metric's parameter model (`tierwise.metrics.catalog`).
Cross-field checks (references, weights, bands, level order) are not here but in
`definitions.rules`, so that each reports its own code and YAML line.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SerializeAsAny,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from tierwise.core.canonical import sha256_hex
from tierwise.core.periods import PeriodKind
from tierwise.definitions.scoring import Condition, Frozen, Scoring, StatusRules
from tierwise.metrics.catalog import LIBRARY, LibraryMetric, Params, Unit

SubjectKind = Literal["isv", "tsp", "mcn"]
StatusName = Literal["novice", "observation", "ineligible"]


class Text(Frozen):
    """A short text in English and Chinese (titles are shown to partners in both)."""

    en: str
    zh: str


class TextList(Frozen):
    """Bullet points in English and Chinese (rights, obligations); either may be empty."""

    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()


class PeriodRule(Frozen):
    """The evaluated period and when its result is published."""

    kind: PeriodKind
    #: Day of the next period's first month on which results are published (Douyin: 3).
    publication_day: int | None = Field(default=None, ge=1, le=28)
    #: Other period kinds the score is also generated for (TSP: a monthly report); each
    #: shorter than `kind`, so its periods nest in the evaluated one.
    also_scored: tuple[PeriodKind, ...] = ()

    @model_validator(mode="after")
    def _nested(self) -> PeriodRule:
        months = {"month": 1, "quarter": 3, "half": 6, "year": 12}
        if len(set(self.also_scored)) != len(self.also_scored):
            raise ValueError(f"also_scored names a period kind twice: {list(self.also_scored)}")
        longer = [k for k in self.also_scored if months[k] >= months[self.kind]]
        if longer:
            raise ValueError(
                f"also_scored {longer} must be shorter than the evaluated {self.kind} "
                "(scores of periods nested in it)"
            )
        return self


class ProgramMetric(Frozen):
    """One named metric of a program: a library metric with its parameters.

    Per library metric a subclass narrows `metric` to its name and `params` to its
    parameter model, so unknown metrics and parameters fail validation with a location.
    """

    metric: str
    params: SerializeAsAny[Params] = Params()
    title: Text | None = None
    #: False for intermediate metrics (a numerator); results still carry every metric.
    show: bool = True

    @property
    def library(self) -> LibraryMetric:
        return LIBRARY[self.metric]

    @property
    def references(self) -> tuple[str, ...]:
        """The other metrics of the program this derived metric is computed from."""
        names = [getattr(self.params, f, None) for f in ("numerator", "denominator", "of")]
        return tuple(n for n in names if isinstance(n, str))


def _metric_variants() -> tuple[type[ProgramMetric], ...]:
    variants: list[type[ProgramMetric]] = []
    for name, lib in LIBRARY.items():
        try:
            lib.params()
            default: Any = Field(default_factory=lib.params)
        except ValidationError:
            default = ...  # the metric has required parameters
        cls_name = "".join(part.title() for part in name.split("_")) + "Metric"
        tag: Any = Literal[name]
        variant = create_model(
            cls_name,
            __base__=ProgramMetric,
            __doc__=lib.doc,
            metric=(tag, ...),
            params=(lib.params, default),
        )
        variants.append(variant)
    return tuple(variants)


METRIC_VARIANTS = _metric_variants()

if TYPE_CHECKING:
    MetricEntry = ProgramMetric
else:
    MetricEntry = Annotated[Union[METRIC_VARIANTS], Field(discriminator="metric")]  # noqa: UP007


class Badge(Frozen):
    """A badge a level carries, and where it is shown."""

    name: str
    shown_in: TextList = TextList()


class Level(Frozen):
    """One level (class, award, tier); a program lists its levels lowest first."""

    id: str = Field(min_length=1)
    title: Text
    badge: Badge | None = None
    rights: TextList = TextList()
    obligations: TextList = TextList()
    #: How the platform communicates with partners of this level (ISV table 3.4).
    communication: TextList = TextList()


# -- lifecycle policies -------------------------------------------------------------------


class ComputedLevelPolicy(Frozen):
    """集星: the level held is the level computed for the period; nothing carries over."""

    policy: Literal["computed"]
    #: The first period a partner is evaluated: the one it joined in (集星: joined in M,
    #: M is evaluated and shown on the 3rd of M+1) or the one after.
    first_period: Literal["joining", "after_joining"] = "joining"


class OneStepUpPolicy(Frozen):
    """百应: up at most `max_steps_up` levels a period, down straight to the computed level."""

    policy: Literal["one_step_up"]
    max_steps_up: int = Field(default=1, ge=1)
    #: `to_computed`: V4 → V1 at once; `one_step`: one level a period.
    down: Literal["to_computed", "one_step"] = "to_computed"
    #: The level compared with: the last level from an assessed period, kept across
    #: novice and observation stints.
    baseline: Literal["last_assessed"] = "last_assessed"
    #: With no baseline (first assessment) the computed level is taken directly.
    without_baseline: Literal["computed", "lowest"] = "computed"


class AwardPolicy(Frozen):
    """TSP: an award for a period is valid for the following period(s), then expires."""

    policy: Literal["award"]
    #: How many periods after the awarded one the award is valid for.
    valid_periods: int = Field(default=1, ge=1)
    #: Whether the award itself can be appealed (TSP: final).
    appeal: bool = False
    #: Whether only partners registered for the period (opt-in, per program and period)
    #: are awarded; the others are scored, and told why no award (TSP: seed 001).
    registration: bool = False


class ClassReview(Frozen):
    """An operator review opened for each partner of the given classes every `every`."""

    classes: tuple[str, ...]
    every: Literal["quarter", "half", "year"] = "half"
    decides: Literal["invitation_next_year"] = "invitation_next_year"


class ClassPromotion(Frozen):
    """A move up, only by invitation, effective at the start of the next year."""

    to: str
    from_: str = Field(alias="from")
    by: Literal["invitation"] = "invitation"
    #: The partner met the higher standard class in the review half-year.
    proposed_when: Literal["met_higher_standard"] = "met_higher_standard"
    review_period: Literal["quarter", "half", "year"] = "half"
    effective: Literal["next_year_start"] = "next_year_start"
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ClassDowngrade(Frozen):
    """An operator move down or out, proposed (not automatic) unless `effective: immediately`."""

    from_: str = Field(alias="from")
    #: The class moved to; null: removed from the program.
    to: str | None = None
    by: Literal["operator"] = "operator"
    effective: Literal["next_year_start", "immediately"] = "next_year_start"
    reasons: TextList = TextList()
    #: What opens a proposal (a review item for the operator) when a review window closes:
    #: any condition holding on the metrics of the window's last period. None: the
    #: operator decides unprompted.
    proposed_when: tuple[Condition, ...] = ()
    review_period: Literal["quarter", "half", "year"] = "half"
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AnnualExcellence(Frozen):
    """The yearly choice of excellent partners from a periodic evaluation's average."""

    evaluation: str
    per_class: int = Field(ge=1)
    aggregate: Literal["mean"] = "mean"
    #: The classes chosen from (held at the end of the year); None: every class. The ISV
    #: seed gives trophies to S and A only.
    classes: tuple[str, ...] | None = None


class InvitedClassPolicy(Frozen):
    """ISV: the standard class is a proposal; classes change by invitation or operator."""

    policy: Literal["invited_class"]
    #: The first time a partner is classed it takes its standard class.
    first_class: Literal["standard"] = "standard"
    #: Classes neither promoted nor relegated by score (S).
    fixed_classes: tuple[str, ...] = ()
    reviews: tuple[ClassReview, ...] = ()
    promotions: tuple[ClassPromotion, ...] = ()
    downgrades: tuple[ClassDowngrade, ...] = ()
    annual_excellence: AnnualExcellence | None = None


Lifecycle = Annotated[
    ComputedLevelPolicy | OneStepUpPolicy | AwardPolicy | InvitedClassPolicy,
    Field(discriminator="policy"),
]
LIFECYCLE_POLICIES: tuple[str, ...] = ("computed", "one_step_up", "award", "invited_class")


# -- secondary evaluations and extra rights ----------------------------------------------


class Evaluation(Frozen):
    """A secondary evaluation with its own period (ISV quarterly dimension scorecard)."""

    id: str
    title: Text
    period: PeriodKind
    scoring: Scoring


class BindingQuota(Frozen):
    """集星: how many high-level creators an agency may bind, by the agency's level."""

    #: The program metric that counts the creators held against the quota (a
    #: `creators_with_fact` metric: its fact, minimum and service say which creators count).
    counted_by: str
    #: level → maximum bound creators; null = unlimited.
    per_level: dict[str, int | None]
    #: The quota of an agency with no level.
    without_level: int | None = 0


#: Who, other than operators, may be shown a partner's published results.
Audience = Literal["seller", "creator", "partner"]


class Visibility(Frozen):
    """Who sees what of a program's published results. Operators see everything and a
    partner always sees its own card; this says who else sees its level, and what a
    partner is not shown of itself while in a status (百应: an agency in observation sees
    the warning, not a score or a level)."""

    #: Who sees a partner's published level, badge and awards (directory, public page),
    #: besides the partner itself; [] = only on the partner's own workbench. Creators are
    #: named only by a program they choose partners by (集星): a program that does not
    #: name them shows no level to them, and lets them find only the partners they are
    #: bound to. The default is what a program without this block always showed: its
    #: levels to sellers and to other partners.
    public_to: tuple[Audience, ...] = ("seller", "partner")
    #: Statuses in which the partner's own card holds no score, no level and no gap:
    #: only the warning, the status's rights and the checks that end the status.
    withheld_in: tuple[StatusName, ...] = ()

    def shows_level_to(self, audience: Audience) -> bool:
        return audience in self.public_to

    def withholds(self, status: str | None) -> bool:
        return status in self.withheld_in


# -- the program --------------------------------------------------------------------------


class Program(Frozen):
    """One grading program, as its definition file states it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: Text
    version: int = Field(ge=1)
    effective: dt.date
    subject_kind: SubjectKind
    markets: tuple[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], ...] = Field(min_length=1)
    period: PeriodRule
    time_zone: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    metrics: dict[str, MetricEntry] = Field(min_length=1)
    scoring: Scoring
    status: StatusRules = StatusRules()
    levels: tuple[Level, ...] = Field(min_length=1)
    lifecycle: Lifecycle | None = None
    evaluations: tuple[Evaluation, ...] = ()
    binding_quota: BindingQuota | None = None
    #: Rights that apply instead of a level's while in a status (百应 observation).
    status_rights: dict[StatusName, TextList] = {}  # noqa: RUF012 - a pydantic field, copied
    visibility: Visibility = Visibility()
    _units: dict[str, Unit] | None = PrivateAttr(default=None)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def period_kind(self) -> PeriodKind:
        return self.period.kind

    @property
    def publication_day(self) -> int | None:
        return self.period.publication_day

    @property
    def level_ids(self) -> tuple[str, ...]:
        """Level ids, lowest first."""
        return tuple(level.id for level in self.levels)

    def level(self, level_id: str) -> Level:
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def badge_of(self, level_id: str | None, status: str | None = None) -> Badge | None:
        """The badge shown for a level held: none while the partner is ineligible (an S ISV
        that no longer meets the eligibility keeps its class until an operator acts, but
        not the "Top ISV" badge), none for an unknown level or one without a badge."""
        if level_id is None or level_id not in self.level_ids or status == "ineligible":
            return None
        return self.level(level_id).badge

    def level_rank(self, level_id: str) -> int:
        """0 for the lowest level; higher is better."""
        return self.level_ids.index(level_id)

    def metric_unit(self, name: str) -> Unit:
        """The unit of a program metric (a ratio of money per count is money)."""
        if self._units is None:
            from tierwise.definitions.thresholds import effective_units

            raw = {
                n: {"metric": m.metric, "params": m.params.model_dump()}
                for n, m in self.metrics.items()
            }
            self._units = effective_units(raw)
        return self._units.get(name, self.metrics[name].library.unit)


def definition_hash(program: Program) -> str:
    """The content hash of a program definition (what a run was evaluated with). Who is
    shown the results is left out: it changes no result, so no run."""
    return sha256_hex(program.model_dump(mode="json", by_alias=True, exclude={"visibility"}))
