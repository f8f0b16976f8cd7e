"""A partner's result as one typed document, from the evaluation to the stored run, the JSON
answer and the page.

The evaluation writes a `ResultDocument` (`Evaluation.result`), a run stores it with the
lifecycle's notices and reviews, and the CLI, the REST API and the portal read it back with
attributes instead of `.get()` chains over JSON.

The JSON form is the contract (`evaluate --format json`, `run_results.body`, the API): a key
the scoring leaves out (a gap without points, a trace step without a band) is absent, not
null. Every document therefore writes exactly the fields it was given — the fields it was
built or read with — and nothing else: reading a stored body and writing it again gives the
same JSON, key for key, null for null, int for int. Numbers that are always floats in the
JSON are `float`; numbers a program may render as integers (scores, counts) are
`int | float` and keep the type they were read with.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_serializer

from tierwise.lifecycle.notices import NoticeKind
from tierwise.lifecycle.state import ReviewKind
from tierwise.scoring.status import Status
from tierwise.scoring.trace import Relation, TraceKind

#: A number a program may write as an integer (百应 scores, counts) or as a float.
Number = int | float


class Document(BaseModel):
    """A part of a result document: frozen, no unknown keys, written as it was given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # No return annotation on purpose: pydantic would publish it as the schema of every
    # document (an untyped object) instead of the fields below.
    @model_serializer(mode="wrap")
    def _as_given(self, handler):  # type: ignore[no-untyped-def]
        """Only the fields the document was built or read with: an absent key stays absent."""
        written = handler(self)
        return {k: v for k, v in written.items() if k in self.model_fields_set}

    def to_json(self) -> dict[str, Any]:
        """The document as JSON data (the stored body, the CLI's and the API's JSON)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data


class TraceEntry(Document):
    """One step of an evaluation: a metric's value, what it earned, and why."""

    kind: TraceKind
    metric: str | None = None
    value: float | None = None
    points: float | None = None
    #: The band the value fell in, as text ("[5, 15)", "< 0.004").
    band: str | None = None
    #: The component group, channel or dimension the step belongs to.
    component: str | None = None
    #: What the value was compared with: band edges, level thresholds, a population maximum.
    thresholds: dict[str, float] = {}
    reason: str


class GapStep(Document):
    """A metric change that reaches the next level: `metric relation target`, for `points`."""

    metric: str
    current: float | None
    target: float
    relation: Relation
    points: float
    band: str | None = None
    text: str


class ComponentRoom(Document):
    """What one additive component can still give toward the next level."""

    group: str
    metric: str
    value: float | None
    points: float
    room: float
    value_for_room: float | None
    value_for_gap: float | None


class Gap(Document):
    """What is missing to reach the next level; only the method's own measures are given."""

    #: Score missing (百应: points to the next interval; ISV: score difference to `target`).
    score: Number | None = None
    #: Points missing (banded scorecards).
    points: float | None = None
    target: Number | None = None
    rank: int | None = None
    #: Channel → metric → what is missing (thresholds programs).
    channels: dict[str, dict[str, float]] = {}
    components: tuple[ComponentRoom, ...] = ()
    steps: tuple[GapStep, ...] = ()
    #: Status conditions to meet before any level is shown.
    conditions: tuple[str, ...] = ()
    #: Written only when False: no change of the metrics reaches the level.
    reachable: bool = True
    #: Concrete actions for people, best first.
    actions: tuple[str, ...]


class NextLevel(Document):
    """The next level (or the first one, for a partner without a level) and the gap to it."""

    level: str
    gap: Gap


class KeepRisk(Document):
    """A metric change that loses points, and whether the level held goes with them."""

    metric: str
    current: float | None
    threshold: float
    relation: Relation
    points_lost: float
    loses_level: bool
    band: str | None = None
    text: str


class Keep(Document):
    """How far a partner can fall and keep the level it holds."""

    level: str
    score: Number | None = None
    points: float | None = None
    #: False where the program never takes the level away for a lower score (ISV S).
    relegated_by_score: bool
    #: Channel → metric → how far it can fall.
    channels: dict[str, dict[str, float]] = {}
    risks: tuple[KeepRisk, ...] = ()
    conditions: tuple[str, ...] = ()
    notes: tuple[str, ...]


class SecondaryEvaluation(Document):
    """A secondary evaluation of the period (ISV quarterly scorecard) in the class held."""

    level: str | None
    score: float | None
    trace: tuple[TraceEntry, ...]


class NoticeDocument(Document):
    """A notice the lifecycle emitted for the period, as the outbox will render it."""

    kind: NoticeKind
    program_id: str
    partner_id: str
    period: str
    params: dict[str, str | None]


class ReviewDocument(Document):
    """An operator's to-do the lifecycle opened for the partner in the period."""

    kind: ReviewKind
    partner_id: str
    window: str
    opened_on: date
    level: str
    proposed: str | None
    decides: str
    #: downgrade_proposal: the conditions that held.
    reasons: tuple[str, ...] = ()


class ResultDocument(Document):
    """One partner's result for one period: what the evaluation says, and in a stored run
    the notices and reviews of its lifecycle step."""

    partner_id: str
    status: Status
    #: ISV: 0–1; TSP: points 0–100; 百应: the rounded integer; 集星: None.
    score: Number | None
    #: The evaluated level (a run's row holds the level after the lifecycle).
    level: str | None
    rank: int | None
    #: Every metric of the program: counts as integers, amounts as floats, None: no value.
    metrics: dict[str, Number | None]
    next_level: NextLevel | None
    keep: Keep | None
    computed_level: str | None
    trace: tuple[TraceEntry, ...]
    #: Secondary evaluations by id (written only by programs that have some).
    evaluations: dict[str, SecondaryEvaluation] = {}
    #: Written by runs: the lifecycle step's notices and reviews.
    notices: tuple[NoticeDocument, ...] = ()
    reviews: tuple[ReviewDocument, ...] = ()

    def with_lifecycle(
        self, notices: tuple[NoticeDocument, ...], reviews: tuple[ReviewDocument, ...]
    ) -> ResultDocument:
        """The document as a run stores it: with its lifecycle step's notices and reviews."""
        return self.model_copy(update={"notices": notices, "reviews": reviews})

    def with_levels(
        self,
        *,
        level: str | None,
        computed_level: str | None,
        status: str | None = None,
    ) -> ResultDocument:
        """The document with the levels (and status) a run's row holds after the lifecycle."""
        update: dict[str, Any] = {"level": level, "computed_level": computed_level}
        if status is not None:
            if status not in get_args(Status):
                raise ValueError(f"{status!r} is not a status ({', '.join(get_args(Status))})")
            update["status"] = status
        return self.model_copy(update=update)
