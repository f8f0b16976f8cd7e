"""Runs and results in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from tierwise.db.models import Run
from tierwise.evaluation.documents import Keep, NextLevel, Number, SecondaryEvaluation, TraceEntry
from tierwise.web.schemas import PeriodText, Strict


class Distribution(BaseModel):
    program: str
    run: str
    period: str
    status: str
    levels: dict[str, int]
    none: int
    statuses: dict[str, int]


class RunSummary(BaseModel):
    id: str
    program_id: str
    program_version: int
    period: str
    kind: str
    status: str
    gate_ok: bool
    partners: int
    actor: str
    created_at: str
    generated_on: date
    result_hash: str


class RunOut(RunSummary):
    gate_report: dict[str, Any]
    distribution: Distribution


class ResultOut(BaseModel):
    partner_id: str
    status: str
    score: str | None
    computed_level: str | None
    level: str | None
    previous_level: str | None
    change: str


class ResultDetail(ResultOut):
    program_id: str
    period: str
    run_id: str
    metrics: dict[str, Number | None]
    #: The trace of the evaluation, step by step.
    breakdown: list[TraceEntry]
    next_level: NextLevel | None
    keep: Keep | None
    #: The lifecycle standing after the period; a partner is shown it without the review
    #: items (the operator's to-do).
    standing: dict[str, Any] | None
    #: The period's secondary evaluations (ISV quarterly scorecard) in the class held.
    evaluations: dict[str, SecondaryEvaluation] = {}


class PreviewIn(Strict):
    program_id: str = Field(min_length=1, max_length=100)
    period: str = PeriodText


class PublishIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class DiffOut(BaseModel):
    program: str
    run: str
    against: str | None
    levels: dict[str, list[int]]
    summary: dict[str, int]
    moves: list[dict[str, Any]]
    near_threshold: dict[str, str]


def run_summary(run: Run) -> RunSummary:
    return RunSummary(
        id=run.id,
        program_id=run.program_id,
        program_version=run.program_version,
        period=run.period,
        kind=run.kind,
        status=run.status,
        gate_ok=run.gate_ok,
        partners=run.partners,
        actor=run.actor,
        created_at=run.created_at.isoformat(),
        generated_on=run.generated_on,
        result_hash=run.result_hash,
    )


RunOut.model_rebuild()
