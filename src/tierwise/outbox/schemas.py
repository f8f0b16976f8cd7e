"""Outbox messages in the REST API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


class DeliveryOut(BaseModel):
    """A message on one channel: `pending` (with when next), `sending`, `sent`, or
    `failed` (permanently, or after the last attempt) with the last error."""

    channel: Literal["email", "webhook", "none"]
    state: Literal["pending", "sending", "sent", "failed"]
    attempts: int
    last_error: str | None
    next_attempt_at: str | None
    sent_at: str | None
    target: str | None


class RetryIn(BaseModel):
    channel: Literal["email", "webhook", "none"] | None = Field(
        None, description="One channel; none: every failed channel of the message."
    )
    reason: str = Field(min_length=1, max_length=2000, description="Kept in the audit log.")
