"""The audit log as operators read it: entries newest first, and the chain's verification.
Both read in the caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tierwise.db.audit import AuditLog, VerifyReport


def verify_audit(session: Session) -> VerifyReport:
    """Recompute the hash chain; the report names the first bad entry."""
    return AuditLog(session).verify()


def audit_entries(session: Session, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Audit entries, newest first, `offset` entries from the newest."""
    log = AuditLog(session)
    head = log.head()
    last = 0 if head is None else head.seq
    since = max(0, last - offset - limit)
    entries = log.entries(since=since, limit=max(0, last - offset - since))
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "object": e.object,
            "reason": e.reason,
            "hash": e.hash,
        }
        for e in entries[::-1]
    ]
