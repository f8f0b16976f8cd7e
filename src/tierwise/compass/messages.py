"""The consent workflow's messages, queued in the notification outbox: to the creator on a
request (and on a partner's withdrawal), to the partner on an answer, an expiry or a
revocation; in English, Chinese or Thai from the outbox's template table.

The outbox row's `partner_id` names the recipient: the partner's id for a partner, and
`creator:<creator_id>` for a creator (the outbox has no recipient column of its own, and
a partner's outbox must not list the messages addressed to its creators). `program_id` is
`compass`, `period` the requested period's first day, and the dedupe key
`compass/<request_id>/<event>`: one message per request and event, however often the
sweep runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.compass.authorizations import Authorization
from tierwise.db.models import OutboxMessage, User
from tierwise.outbox.messages import LANGUAGES, TEMPLATES, Language, language_of

Event = Literal["requested", "approved", "declined", "expired", "revoked", "withdrawn"]
Recipient = Literal["creator", "partner"]

PROGRAM_ID = "compass"
#: Who hears of each event.
RECIPIENTS: dict[Event, Recipient] = {
    "requested": "creator",
    "approved": "partner",
    "declined": "partner",
    "expired": "partner",
    "revoked": "partner",
    "withdrawn": "creator",
}


def kind_of(event: Event) -> str:
    return f"compass_{event}"


def dedupe_key(request_id: str, event: Event) -> str:
    return f"{PROGRAM_ID}/{request_id}/{event}"


def recipient_key(row: Authorization, to: Recipient) -> str:
    return row.partner_id if to == "partner" else f"creator:{row.creator_id}"


def _utc_text(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(row: Authorization, event: Event, language: Language, at: datetime) -> tuple[str, str]:
    """(subject, body) of one event's message in `language`."""
    template = TEMPLATES[(kind_of(event), language)]
    fields = {
        "request_id": row.request_id,
        "partner_id": row.partner_id,
        "creator_id": row.creator_id,
        "period_from": row.period_from.isoformat(),
        "period_to": row.period_to.isoformat(),
        "expires_at": _utc_text(row.expires_at),
        "at": _utc_text(at),
    }
    return template.subject.format_map(fields), template.body.format_map(fields)


@dataclass(frozen=True)
class Languages:
    """How a recipient's language is chosen: a partner's from its market (as the outbox
    does for notices: CN Chinese, TH Thai, otherwise English); a creator's from its
    portal user's language, else from the partner's market."""

    partner_markets: dict[str, str]

    def of_partner(self, partner_id: str) -> Language:
        return language_of(self.partner_markets.get(partner_id))

    def of_creator(self, session: Session, creator_id: str, partner_id: str) -> Language:
        query = (
            sa.select(User.language)
            .where(User.role == "creator", User.creator_id == creator_id, User.active)
            .order_by(User.id)
            .limit(1)
        )
        chosen = session.scalars(query).first()
        for language in LANGUAGES:
            if chosen == language:
                return language
        return self.of_partner(partner_id)


class ConsentMessages:
    """Queues the workflow's messages in the session's outbox."""

    def __init__(self, session: Session, languages: Languages) -> None:
        self.session = session
        self.languages = languages

    def queued(self, request_id: str, event: Event) -> bool:
        query = sa.select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == dedupe_key(request_id, event)
        )
        return self.session.scalars(query.limit(1)).first() is not None

    def queue(self, row: Authorization, event: Event, at: datetime) -> OutboxMessage | None:
        """Render and queue the event's message to its recipient; None when it was queued
        before (the same event of the same request is told once)."""
        if self.queued(row.request_id, event):
            return None
        to = RECIPIENTS[event]
        language = (
            self.languages.of_partner(row.partner_id)
            if to == "partner"
            else self.languages.of_creator(self.session, row.creator_id, row.partner_id)
        )
        subject, body = render(row, event, language, at)
        message = OutboxMessage(
            created_at=at,
            program_id=PROGRAM_ID,
            partner_id=recipient_key(row, to),
            period=row.period_from.isoformat(),
            kind=kind_of(event),
            language=language,
            subject=subject,
            body=body,
            status="pending",
            dedupe_key=dedupe_key(row.request_id, event),
            notice={
                "event": event,
                "to": to,
                "request_id": row.request_id,
                "partner_id": row.partner_id,
                "creator_id": row.creator_id,
                "at": at,
            },
        )
        self.session.add(message)
        self.session.flush()
        return message
