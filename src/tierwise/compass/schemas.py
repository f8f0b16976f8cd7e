"""Data Compass's consent workflow and access log in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict

Status = Literal["pending", "approved", "declined", "expired", "revoked", "withdrawn"]


class AccessRequestIn(Strict):
    creator_id: str = Field(min_length=1, max_length=200)
    period_from: date
    period_to: date


class AccessRequestOut(BaseModel):
    """A request in the columns of compass.md §2, with its status now and when it
    expires unanswered (168 h after it was made)."""

    request_id: str
    partner_id: str
    creator_id: str
    requested_at: str
    period_from: str
    period_to: str
    responded_at: str | None
    response: Literal["approved", "declined"] | None
    revoked_at: str | None
    revoked_by: Literal["creator", "partner"] | None
    status: Status
    expires_at: str


class AccessLogEntryOut(BaseModel):
    """One read of a creator's numbers: who, which days, when, through what."""

    id: int
    at: str
    login: str
    role: str
    partner_id: str | None
    creator_id: str
    first_day: str
    last_day: str
    days: int
    ranges: list[list[str]]
    via: Literal["page", "api", "export", "cli"]
    what: str
