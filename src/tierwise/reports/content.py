"""What a report says, read from the published run of its period and the program's
definition — never evaluated again. A partner's report is its dashboard card for the
period (`partners.dashboard.program_card`) with each metric's previous-period value; a
program's report is the run's level distribution and its diff against the published period
before (`runs.service`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tierwise.core.errors import ReportError
from tierwise.core.periods import Period
from tierwise.db.models import Run
from tierwise.definitions.model import Program
from tierwise.evaluation.documents import Number, ResultDocument
from tierwise.partners.catalog import PartnerInfo
from tierwise.partners.dashboard import Card, program_card
from tierwise.partners.wording import (
    WARNING_KINDS,
    component_titles,
    gap_actions,
    keep_risks,
    warning_text,
)
from tierwise.runs.repository import Runs, read_document
from tierwise.runs.service import diff_runs, level_distribution
from tierwise.web.i18n import translator


@dataclass(frozen=True)
class MetricRow:
    """One metric of the period beside the previous period's: the value, the band or the
    component it counted in, the points it earned."""

    metric: str
    value: Number | None
    band: str | None
    component: str | None
    points: float | None
    previous_value: Number | None = None
    previous_points: float | None = None


@dataclass(frozen=True)
class PartnerReport:
    """A partner's report of one program and period, in one language."""

    program: Program
    partner_id: str
    partner: PartnerInfo | None
    period: str
    lang: str
    card: Card
    previous_period: str | None
    rows: tuple[MetricRow, ...]
    components: dict[str, dict[str, str]]
    actions: list[dict[str, str]]
    risks: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    today: date

    @property
    def name(self) -> str:
        return self.partner.name if self.partner is not None else self.partner_id


@dataclass(frozen=True)
class Mover:
    partner_id: str
    name: str
    before: str | None
    after: str | None
    kind: str


@dataclass(frozen=True)
class ProgramReport:
    """An operator's report of one program and period, in one language."""

    program: Program
    period: str
    run_id: str
    lang: str
    previous_period: str | None
    previous_run: str | None
    #: (level id or None for no level, partners in the previous period, in this one),
    #: "no level" first, then the levels lowest first.
    levels: list[tuple[str | None, int, int]]
    statuses: dict[str, int]
    partners: int
    movers: list[Mover]
    #: (partner id, name, how close) of the partners near a threshold.
    near: list[tuple[str, str, str]]
    summary: dict[str, int] = field(default_factory=dict)


def published_run(runs: Runs, program: Program, period: Period) -> Run:
    """The run partners see for the period, or a ReportError saying what to do."""
    run = runs.published_run(program.id, str(period))
    if run is None:
        kinds = (program.period_kind, *program.period.also_scored)
        if period.kind not in kinds:
            raise ReportError(
                f"{program.id} is scored by {' or '.join(kinds)}, not by {period.kind} ({period})"
            )
        if period.kind != program.period_kind:
            raise ReportError(
                f"{program.id} has no published scores for {period}: a {period.kind}'s report "
                f"reads its published scores run (`tierwise run {program.id} --from {period} "
                f"--to {period} --publish`)"
            )
        raise ReportError(
            f"{program.id} has no published run for {period}: a report reads the published "
            "run (store and publish one with `tierwise run … --publish` or `tierwise publish`)"
        )
    return run


def _rows(card: Card, previous: ResultDocument | None) -> tuple[MetricRow, ...]:
    """Each metric step of the trace, then the metrics the trace does not name."""
    before_points: dict[str, float | None] = {}
    if previous is not None:
        before_points = {e.metric: e.points for e in previous.trace if e.metric is not None}
    before_values = previous.metrics if previous is not None else {}
    rows: list[MetricRow] = []
    seen: set[str] = set()
    for entry in card.breakdown:
        if entry.kind != "metric" or entry.metric is None or entry.metric in seen:
            continue
        seen.add(entry.metric)
        rows.append(
            MetricRow(
                metric=entry.metric,
                value=card.metrics.get(entry.metric, entry.value),
                band=entry.band,
                component=entry.component,
                points=entry.points,
                previous_value=before_values.get(entry.metric),
                previous_points=before_points.get(entry.metric),
            )
        )
    for name, value in card.metrics.items():
        if name not in seen:
            rows.append(
                MetricRow(name, value, None, None, None, previous_value=before_values.get(name))
            )
    return tuple(rows)


def partner_report(
    session: Session,
    program: Program,
    partner_id: str,
    period: Period,
    lang: str,
    *,
    partner: PartnerInfo | None = None,
    today: date | None = None,
) -> PartnerReport:
    """The partner's report of `period` from the published run (ReportError when there is
    no published run, or the partner has no result in it)."""
    runs = Runs(session)
    run = published_run(runs, program, period)
    today = today or date.today()
    card = program_card(session, program, partner_id, today, period)
    if card.run_id != run.id:
        raise ReportError(f"{partner_id} has no result in {run.id} ({program.id} {period})")
    previous_period = card.history[-2]["period"] if len(card.history) > 1 else None
    previous = None
    if previous_period is not None:
        before = runs.published_run(program.id, previous_period)
        stored = runs.result(before.id, partner_id) if before is not None else None
        previous = read_document(stored.body) if stored is not None else None
    t = translator(lang)
    return PartnerReport(
        program=program,
        partner_id=partner_id,
        partner=partner,
        period=str(period),
        lang=lang,
        card=card,
        previous_period=previous_period,
        rows=_rows(card, previous),
        components=component_titles(program),
        actions=gap_actions(program, card, lang, t),
        risks=keep_risks(program, card, lang, t),
        warnings=[
            {
                "kind": w.kind,
                "warning": w.kind in WARNING_KINDS,
                "text": warning_text(program, card, w, lang, t),
            }
            for w in card.warnings
        ],
        today=today,
    )


def program_report(
    session: Session,
    program: Program,
    period: Period,
    lang: str,
    *,
    names: Mapping[str, str] | None = None,
) -> ProgramReport:
    """The program's report of `period`: partners per level against the published period
    before, who moved up or down, who is close to a boundary."""
    runs = Runs(session)
    run = published_run(runs, program, period)
    before = runs.published_before(program.id, run.period_start, scores=run.kind == "scores")
    diff = diff_runs(session, program, run.id, before.id if before is not None else None)
    if before is None:  # no period before: the diff's "before" is empty, nobody moved
        diff["moves"] = []
        diff["summary"] = {}
    distribution = level_distribution(runs, program, run)

    def name(pid: str) -> str:
        return (names or {}).get(pid, pid)

    # "No level" first: the rows go from the lowest standing to the highest.
    none = diff["levels"]["none"]
    levels: list[tuple[str | None, int, int]] = [(None, none[0], none[1])] + [
        (lv, counts[0], counts[1]) for lv, counts in diff["levels"].items() if lv != "none"
    ]
    return ProgramReport(
        program=program,
        period=str(period),
        run_id=run.id,
        lang=lang,
        previous_period=before.period if before is not None else None,
        previous_run=before.id if before is not None else None,
        levels=levels,
        statuses=distribution["statuses"],
        partners=run.partners,
        movers=[
            Mover(m["partner_id"], name(m["partner_id"]), m["before"], m["after"], m["kind"])
            for m in diff["moves"]
        ],
        near=[(pid, name(pid), text) for pid, text in sorted(diff["near_threshold"].items())],
        summary=dict(diff["summary"]),
    )
