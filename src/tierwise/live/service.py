"""One request of live events: check its signature, read its events, store them.

The order matters: the signature is checked on the raw bytes before anything is parsed, so
an unsigned sender learns nothing of the payload rules; the events are stored in one
transaction, so a batch is stored whole or not at all, and the answer is sent only after
that transaction committed (accepted means durable).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from tierwise.db.engine import StateStore
from tierwise.live.events import LiveEvent, parse_events
from tierwise.live.repository import Accepted, LiveEvents
from tierwise.live.signing import (
    SECRET_ENV,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    secrets_from_env,
    verify,
)


def checked_events(
    headers: Mapping[str, str], body: bytes, at: float | None = None
) -> list[LiveEvent]:
    """The events of a signed request; `BadSignature` (also when no secret is set: then no
    signature is good) or `Malformed`."""
    secrets = secrets_from_env()
    if not secrets:
        raise BadSignature(f"this server takes no live events: ${SECRET_ENV} is not set")
    verify(
        secrets,
        headers.get(TIMESTAMP_HEADER.lower()),
        headers.get(SIGNATURE_HEADER.lower()),
        body,
        time.time() if at is None else at,
    )
    return parse_events(body)


def ingest(store: StateStore, events: list[LiveEvent]) -> Accepted:
    """Store the events in one transaction, committed before this returns."""
    with store.session() as session:
        return LiveEvents(session).add(events)
