"""Messages to partners: pages of the outbox, and reminders of awards about to expire; in
the caller's unit of work."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import duckdb
from sqlalchemy.orm import Session

from tierwise.core.periods import Period
from tierwise.definitions.model import Program
from tierwise.lifecycle import Policy
from tierwise.outbox.repository import Outbox
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
    newest_first: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """How many messages match, and a page of them (all with no `limit`)."""
    box = Outbox(session)
    messages = box.list(status, partner_id, newest_first=newest_first, offset=offset, limit=limit)
    total = box.count(status, partner_id) if limit is not None else len(messages)
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
