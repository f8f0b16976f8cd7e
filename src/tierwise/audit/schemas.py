"""The audit log in the REST API."""

from __future__ import annotations

from pydantic import BaseModel


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
