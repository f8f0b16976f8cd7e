"""Registrations and sanctions in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict

PERIOD = r"^\d{4}Q[1-4]$"


class RegistrationIn(Strict):
    """A TSP's application for one category (program) and quarter."""

    program_id: str = Field(min_length=1, max_length=100)
    period: str = Field(pattern=PERIOD, description="The quarter, e.g. 2024Q3.")
    registered_on: date | None = None


class SanctionIn(Strict):
    """An operator's exclusion (from `period` on) or forfeit (of the award for `period`)."""

    kind: Literal["exclude", "forfeit"]
    program_id: str = Field(min_length=1, max_length=100)
    partner_id: str = Field(min_length=1, max_length=200)
    period: str = Field(pattern=PERIOD)
    reason: str = Field(min_length=1, max_length=2000, description="Shown to the partner.")
    decided_on: date | None = None


class RegistrationOut(BaseModel):
    program_id: str
    partner_id: str
    period: str
    registered_on: str
    actor: str


class SanctionOut(BaseModel):
    kind: str
    program_id: str
    partner_id: str
    period: str
    reason: str
    decided_on: str
    actor: str


class RegistrationsOut(BaseModel):
    #: The partner listed (None: every partner, the operators' list).
    partner_id: str | None = None
    registrations: list[RegistrationOut]
    sanctions: list[SanctionOut]
