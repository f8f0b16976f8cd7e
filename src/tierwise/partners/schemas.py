"""Partners in the REST API: directory entries, dashboards, history."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tierwise.evaluation.documents import Keep, NextLevel, Number, TraceEntry
from tierwise.partners.dashboard import CardWarning
from tierwise.web.schemas import Texts


class PublicLevelOut(BaseModel):
    program_id: str
    period: str
    level: str | None
    title: Texts | None
    badge: str | None
    status: str
    awards: list[dict[str, str]]


class DirectoryEntryOut(BaseModel):
    partner_id: str
    name: str
    kind: str
    market: str
    joined_on: str | None
    levels: list[PublicLevelOut]


class QuotaOut(BaseModel):
    level: str | None
    limit: int | None
    held: int
    free: int | None
    over: int


class CardOut(BaseModel):
    program_id: str
    program_title: Texts
    partner_id: str
    period: str | None
    run_id: str | None
    status: str | None
    score: str | None
    level: dict[str, Any] | None
    computed_level: str | None
    previous_level: str | None
    change: str | None
    metrics: dict[str, Number | None]
    metric_titles: dict[str, Texts]
    #: The trace of the evaluation, step by step.
    breakdown: list[TraceEntry]
    next_level: NextLevel | None
    next_level_info: dict[str, Any] | None
    keep: Keep | None
    status_rights: dict[str, list[str]] | None
    awards: list[dict[str, Any]]
    history: list[dict[str, Any]]
    warnings: list[CardWarning]
    #: 集星: the binding quota of the level held against the creators counted at the
    #: period's end (`limit` null: unlimited).
    quota: QuotaOut | None = None
    #: The period's secondary evaluations (ISV quarterly scorecard): id, title, level,
    #: score 0–100 and each dimension of the class (name, title, value, points, weight).
    evaluations: list[dict[str, Any]] = []


class DashboardOut(BaseModel):
    partner: DirectoryEntryOut
    cards: list[CardOut]


class HistoryPoint(BaseModel):
    period: str
    run_id: str
    status: str
    score: str | None
    computed_level: str | None
    level: str | None
    previous_level: str | None
    change: str
    published_at: str
