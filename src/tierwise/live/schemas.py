"""What `POST /api/v1/events` answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IngestOut(BaseModel):
    received: int = Field(description="Events in the request.")
    stored: int = Field(description="Events stored now.")
    duplicates: list[str] = Field(description="Ids of events stored before (each changed nothing).")
