"""Entered facts in the REST API."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict


class FactIn(Strict):
    partner_id: str = Field(min_length=1, max_length=200)
    #: A fact the program reads per period (ISV: key_project, new_capability, compliance,
    #: complaint_response, bug_fix, adaptation, activity).
    name: str = Field(min_length=1, max_length=64)
    #: The period it is for, in the program's period kind (`2026Q3`).
    period: str = Field(min_length=1, max_length=16, examples=["2026Q3"])
    #: 0–1.
    value: Decimal
    reason: str = Field(min_length=1, max_length=2000)


class FactOut(BaseModel):
    program_id: str
    partner_id: str
    name: str
    period: str
    #: The day the fact is in force from: the period's last day.
    as_of: str
    value: str
    actor: str
    reason: str
