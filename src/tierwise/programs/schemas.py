"""Programs in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from tierwise.runs.schemas import RunSummary
from tierwise.web.schemas import Strict, Texts


class LevelOut(BaseModel):
    id: str
    title: Texts
    badge: str | None


class ProgramSummary(BaseModel):
    id: str
    version: int
    effective: date
    title: Texts
    subject_kind: str
    markets: list[str]
    period_kind: str
    currency: str
    levels: list[LevelOut]


class ProgramOut(ProgramSummary):
    definition: dict[str, Any]


class PeriodOut(BaseModel):
    period: str
    published_run: str | None
    runs: list[RunSummary]


class PlanOut(BaseModel):
    """The SQL a program's evaluation runs for a period: one query, every partner at once."""

    program: str
    period: str
    sql: str


class ExcellentPartner(BaseModel):
    """One excellent partner and why: the quarterly evaluation scores and their average."""

    partner_id: str
    average: float
    quarters: int
    #: Quarter → the quarterly evaluation's score (0–100).
    evaluations: dict[str, float]


class ExcellenceOut(BaseModel):
    """The annual selection of excellent partners as computed now, and as published."""

    program: str
    year: int
    evaluation: str
    #: The classes chosen from, highest first (ISV v3: S and A).
    classes: list[str]
    #: The published quarters averaged.
    periods: list[str]
    excellent: dict[str, list[ExcellentPartner]]
    #: The published selection (with `published_by`, `published_at`, `reason`), or None.
    published: dict[str, Any] | None = None


class PublishIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)
