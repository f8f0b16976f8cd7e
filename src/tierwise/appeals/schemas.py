"""Appeals in the REST API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tierwise.web.schemas import Strict


class AppealsIn(Strict):
    program_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class Restated(BaseModel):
    period: str
    restated: str
    restatement: str
    changes: list[dict[str, Any]]
