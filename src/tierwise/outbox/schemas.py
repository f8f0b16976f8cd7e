"""Outbox messages in the REST API."""

from __future__ import annotations

from pydantic import BaseModel


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
