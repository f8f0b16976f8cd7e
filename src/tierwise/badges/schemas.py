"""Badges in the REST API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel


class BadgeOut(BaseModel):
    kind: Literal["level", "award"]
    program_id: str
    partner_id: str
    period: str
    value: str
    title: dict[str, str]
    valid_from: date | None
    valid_to: date | None
    #: The public page that checks it; `verify_api` answers the same in JSON.
    verify_url: str
    verify_api: str


class VerificationOut(BaseModel):
    """A genuine badge (a forged link answers 404) and whether it holds today."""

    genuine: Literal[True] = True
    current: bool
    standing: Literal["current", "superseded", "restated", "expired", "not_yet_valid", "withdrawn"]
    kind: Literal["level", "award"]
    program_id: str
    partner_id: str
    partner_name: str | None
    period: str
    value: str
    title: dict[str, str] | None
    valid_from: date | None
    valid_to: date | None
    checked_on: date
