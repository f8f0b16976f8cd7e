"""The REST API's documents (its OpenAPI schemas)."""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")
PeriodText = Field(pattern=r"^\d{4}(-\d{2}|Q[1-4]|H[12])$", examples=["2026-09", "2026Q3"])


class Strict(BaseModel):
    """A request document: no unknown fields, no NUL characters in its texts (PostgreSQL
    text cannot hold one)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class Texts(BaseModel):
    en: str
    zh: str


class TokenRequest(Strict):
    login: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    login: str
    name: str
    role: Literal["operator", "partner", "creator", "seller"]
    language: str
    partner_id: str | None
    creator_id: str | None
    seller_id: str | None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: Me


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


class Distribution(BaseModel):
    program: str
    run: str
    period: str
    status: str
    levels: dict[str, int]
    none: int
    statuses: dict[str, int]


class PeriodOut(BaseModel):
    period: str
    published_run: str | None
    runs: list[RunSummary]


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
    metrics: dict[str, Any]
    breakdown: list[dict[str, Any]]
    next_level: dict[str, Any] | None
    keep: dict[str, Any] | None
    standing: dict[str, Any] | None


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


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
    metrics: dict[str, Any]
    metric_titles: dict[str, Texts]
    breakdown: list[dict[str, Any]]
    next_level: dict[str, Any] | None
    next_level_info: dict[str, Any] | None
    keep: dict[str, Any] | None
    status_rights: dict[str, list[str]] | None
    awards: list[dict[str, Any]]
    history: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


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


class OutboxMessageOut(BaseModel):
    id: int
    created_at: str
    program_id: str
    partner_id: str
    period: str
    kind: str
    language: str
    subject: str
    body: str
    status: str


class PreviewIn(Strict):
    program_id: str = Field(min_length=1, max_length=100)
    period: str = PeriodText


class PublishIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(Strict):
    program_id: str = Field(min_length=1, max_length=100)
    kind: Literal["invite", "downgrade", "remove", "continue_invitation", "override"]
    partner_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    level: str | None = Field(default=None, max_length=100)
    mode: Literal["floor", "fixed"] | None = None
    until: date | None = None
    effective: date | None = None
    decided_on: date | None = None
    continues: bool | None = None


class DecisionOut(BaseModel):
    id: int
    program_id: str
    partner_id: str
    kind: str
    actor: str
    reason: str
    decided_on: str
    effective: str | None
    level: str | None
    mode: str | None
    until: str | None


class AppealsIn(Strict):
    program_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class Restated(BaseModel):
    period: str
    restated: str
    restatement: str
    changes: list[dict[str, Any]]


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor: str
    action: str
    object: str
    reason: str | None
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    head_seq: int | None
    head_hash: str | None
    first_bad: int | None
    problem: str | None
    detail: str | None


class DiffOut(BaseModel):
    program: str
    run: str
    against: str | None
    levels: dict[str, list[int]]
    summary: dict[str, int]
    moves: list[dict[str, Any]]
    near_threshold: dict[str, str]


class Health(BaseModel):
    status: Literal["ok"]
    partners: int
    programs: int


RunOut.model_rebuild()
