"""The audit log as operators read it: entries newest first, and the chain's verification."""

from __future__ import annotations

from typing import Any

from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore


def verify_audit(state: StateStore) -> Any:
    with state.session() as session:
        return AuditLog(session).verify()


def audit_entries(state: StateStore, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Audit entries, newest first, `offset` entries from the newest."""
    with state.session() as session:
        head = AuditLog(session).head()
        last = 0 if head is None else head.seq
        since = max(0, last - offset - limit)
        entries = AuditLog(session).entries(since=since, limit=max(0, last - offset - since))
    newest = entries[::-1]
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
        for e in newest
    ]
