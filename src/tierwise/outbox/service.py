"""Messages to partners: pages of the outbox with each message's delivery, an operator's
retry of a failed delivery (audited), and reminders of awards about to expire; in the
caller's unit of work."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import duckdb
from sqlalchemy.orm import Session

from tierwise.core.errors import StateError
from tierwise.core.periods import Period
from tierwise.db.audit import AuditLog
from tierwise.definitions.model import Program
from tierwise.lifecycle import Policy
from tierwise.outbox.delivery import Deliveries
from tierwise.outbox.repository import DeliveryState, Outbox
from tierwise.runs.repository import Runs
from tierwise.store.queries import partner_markets


def outbox(
    session: Session, status: Literal["pending", "sent"] | None, partner_id: str | None
) -> list[dict[str, Any]]:
    """Every message, in the order queued."""
    return outbox_page(session, status, partner_id)[1]


def outbox_page(
    session: Session,
    status: Literal["pending", "sent"] | None,
    partner_id: str | None,
    *,
    delivery: DeliveryState | None = None,
    newest_first: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """How many messages match, and a page of them (all with no `limit`); `delivery`
    keeps those with a channel in that delivery state."""
    box = Outbox(session)
    messages = box.list(
        status,
        partner_id,
        delivery=delivery,
        newest_first=newest_first,
        offset=offset,
        limit=limit,
    )
    total = box.count(status, partner_id, delivery=delivery) if limit is not None else len(messages)
    return total, [
        {
            "id": m.id,
            "created_at": str(m.created_at),
            "program_id": m.program_id,
            "partner_id": m.partner_id,
            "period": m.period,
            "kind": m.kind,
            "language": m.language,
            "subject": m.subject,
            "body": m.body,
            "status": m.status,
        }
        for m in messages
    ]


def remind_expiring(
    session: Session, con: duckdb.DuckDBPyConnection | None, program: Program, on: date
) -> list[dict[str, Any]]:
    """Queue `award_expiring` notices for awards in force that end within 14 days of `on`,
    from the published standings (queued once per award: the outbox dedupes)."""
    from tierwise.lifecycle import expiring_notices

    policy = Policy.of(program)
    after = Period.containing(on, program.period_kind).next
    standings = Runs(session).published_standings(program.id, str(after))
    notices = [n for s in standings.values() for n in expiring_notices(policy, s, on)]
    markets = partner_markets(con, program.subject_kind) if con is not None else {}
    added = Outbox(session).add_notices(program, notices, markets)
    return [
        {"id": m.id, "partner_id": m.partner_id, "kind": m.kind, "subject": m.subject}
        for m in added
    ]


def deliveries_of(session: Session, message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each message's deliveries, one per channel: state, attempts, last error, when next."""
    return {
        message_id: [
            {
                "channel": row.channel,
                "state": row.state,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "next_attempt_at": str(row.next_attempt_at) if row.state == "pending" else None,
                "sent_at": None if row.sent_at is None else str(row.sent_at),
                "target": row.target,
            }
            for row in rows
        ]
        for message_id, rows in Deliveries(session).of_messages(message_ids).items()
    }


def message_exists(session: Session, message_id: int) -> bool:
    return Outbox(session).get(message_id) is not None


def retry_delivery(
    session: Session, message_id: int, channel: str | None, actor: str, reason: str
) -> list[dict[str, Any]]:
    """An operator sends a failed delivery again (every failed channel of the message, or
    one): recorded in the audit log with the state it leaves; its deliveries after."""
    if not message_exists(session, message_id):
        raise LookupError(f"no outbox message {message_id}")
    before = deliveries_of(session, [message_id])[message_id]
    retried = Deliveries(session).retry(message_id, channel)
    if not retried:
        which = f"on {channel}" if channel else "on any channel"
        raise StateError(f"message {message_id} has no failed delivery {which} to retry")
    AuditLog(session).append(
        actor,
        "outbox_retry",
        f"outbox/{message_id}",
        reason=reason,
        before=[d for d in before if d["channel"] in retried],
        after={"retried": retried},
    )
    return deliveries_of(session, [message_id])[message_id]
