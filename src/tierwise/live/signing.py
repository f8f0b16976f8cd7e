"""The signature of a request of events: the outbox's webhook scheme, received.

`Tierwise-Timestamp: SECONDS` (Unix time) and `Tierwise-Signature: v1=HEX`, HEX the
HMAC-SHA256 of `TIMESTAMP + "." + BODY` with the shared secret (`outbox.transport.
signature`, one way to sign). A timestamp more than `WINDOW_S` away from the receiver's
clock is refused, so a captured request cannot be replayed later; a request resent within
the window is answered as a duplicate by the events' ids. The secret is
`$TIERWISE_EVENTS_SECRET`; several, comma-separated, while one replaces another.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

from tierwise.core.errors import TierwiseError
from tierwise.outbox.transport import signature

TIMESTAMP_HEADER = "Tierwise-Timestamp"
SIGNATURE_HEADER = "Tierwise-Signature"
SECRET_ENV = "TIERWISE_EVENTS_SECRET"
#: How far a request's timestamp may be from now, either way (seconds).
WINDOW_S = 300


class BadSignature(TierwiseError):
    """A request whose signature is missing, wrong or outside the window (answered 401)."""


def secrets_from_env(env: Mapping[str, str] | None = None) -> tuple[bytes, ...]:
    """The secrets requests may be signed with (none: ingestion is not configured)."""
    text = (os.environ if env is None else env).get(SECRET_ENV, "")
    return tuple(part.strip().encode() for part in text.split(",") if part.strip())


def signed_headers(secret: bytes, body: bytes, now: float) -> dict[str, str]:
    """The headers that sign `body` at `now` (for senders: the replay, the tests)."""
    timestamp = str(int(now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secrets: tuple[bytes, ...],
    timestamp: str | None,
    sent: str | None,
    body: bytes,
    now: float,
    window: int = WINDOW_S,
) -> None:
    """Raise `BadSignature` unless `sent` signs `timestamp.body` with one of the secrets
    and the timestamp is within `window` seconds of `now`."""
    if not timestamp or not sent:
        raise BadSignature(f"sign the request: {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature(f"{TIMESTAMP_HEADER} must be Unix seconds")
    if abs(now - int(timestamp)) > window:
        raise BadSignature(f"{TIMESTAMP_HEADER} is more than {window} s from the server's clock")
    if not any(hmac.compare_digest(signature(s, timestamp, body), sent) for s in secrets):
        raise BadSignature("the signature does not match the body")
