"""Programs in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from tierwise.runs.schemas import RunSummary
from tierwise.web.schemas import Texts


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
