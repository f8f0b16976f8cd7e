"""Decisions in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict


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


class ReviewOut(BaseModel):
    """An open review item: the operator's to-do the lifecycle opened (never the
    partner's), answered by a decision."""

    program_id: str
    #: The published period whose standing holds it.
    period: str
    kind: str
    partner_id: str
    #: The review window (`2026H1`).
    window: str
    opened_on: str
    #: The class held when opened.
    level: str
    #: A proposal's class (None: a removal, or not a proposal).
    proposed: str | None
    #: What the operator decides: invitation_next_year, invitation, downgrade, removal.
    decides: str
    #: downgrade_proposal: the conditions that held (`leaks_and_complaints ≥ 1`).
    reasons: list[str]
