"""Data Compass in the state store: the consent workflow's access requests (rows in the
columns of the imported `authorizations`, compass.md §2) and the access log.

The repositories read and write in the caller's session and transaction; they decide
nothing — the workflow (`compass.consent`) checks every move against the rules first.
Request ids start with `REQUEST_PREFIX`, which imported ids never carry, so that a
request_id is unique across the imported rows and these.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tierwise.compass.authorizations import Authorization
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import CompassError
from tierwise.compass.markets import as_utc
from tierwise.db.models import CompassAccess, CompassRequest, OutboxMessage

#: Every id the workflow gives starts so; imported ids must not (the generator's and the
#: platform's never do), so the two sources never share an id.
REQUEST_PREFIX = "wf-"

Via = Literal["page", "api", "export", "cli"]
VIAS: tuple[Via, ...] = get_args(Via)


def new_request_id() -> str:
    """A random id (not a sequence: a count of requests is nobody's business)."""
    return f"{REQUEST_PREFIX}{secrets.token_hex(8)}"


def pair_lock_key(partner_id: str, creator_id: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory lock on one pair."""
    digest = hashlib.sha256(f"compass-pair\x00{partner_id}\x00{creator_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def to_authorization(row: CompassRequest) -> Authorization:
    """A stored request as the rules read it (the §2 columns, nothing else)."""
    return Authorization(
        request_id=row.request_id,
        partner_id=row.partner_id,
        creator_id=row.creator_id,
        requested_at=row.requested_at,
        period_from=row.period_from,
        period_to=row.period_to,
        responded_at=row.responded_at,
        response=row.response,  # type: ignore[arg-type]
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,  # type: ignore[arg-type]
    )


def authorization_row(row: CompassRequest) -> dict[str, Any]:
    """The §2 columns of a stored request, as plain values (the audit's before/after)."""
    return {
        "request_id": row.request_id,
        "partner_id": row.partner_id,
        "creator_id": row.creator_id,
        "requested_at": row.requested_at,
        "period_from": row.period_from,
        "period_to": row.period_to,
        "responded_at": row.responded_at,
        "response": row.response,
        "revoked_at": row.revoked_at,
        "revoked_by": row.revoked_by,
    }


class ConsentRequests:
    """The workflow's access requests in the session's database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_pair(self, partner_id: str, creator_id: str) -> None:
        """Serialise the check-and-insert of a new request of one pair until the
        transaction ends: PostgreSQL takes a transaction-scoped advisory lock; SQLite
        already runs every write transaction as `BEGIN IMMEDIATE`, one at a time."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": pair_lock_key(partner_id, creator_id)},
            )

    def lock_sweep(self) -> None:
        """Serialise expiry sweeps (two sweeps at once would queue a message twice)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": pair_lock_key("", "expiry-sweep")},
            )

    def add(
        self,
        partner_id: str,
        creator_id: str,
        requested_at: datetime,
        period: DayRange,
    ) -> CompassRequest:
        row = CompassRequest(
            request_id=new_request_id(),
            partner_id=partner_id,
            creator_id=creator_id,
            requested_at=requested_at,
            period_from=period.first,
            period_to=period.last,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def adopt(self, imported: Authorization) -> CompassRequest:
        """Store an imported row as it is, so that the workflow can record a move on it
        (its id stays the import's: the stored row extends the imported one)."""
        row = CompassRequest(**dataclasses.asdict(imported))  # the same §2 columns
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, request_id: str, *, lock: bool = False) -> CompassRequest | None:
        """One request; `lock` holds its row until the transaction ends (PostgreSQL), so
        two answers to one request cannot both pass their check."""
        query = sa.select(CompassRequest).where(CompassRequest.request_id == request_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def of_pair(self, partner_id: str, creator_id: str) -> builtins.list[CompassRequest]:
        """The pair's requests, oldest first."""
        return self.list(partner_id=partner_id, creator_id=creator_id)

    def list(
        self,
        *,
        partner_id: str | None = None,
        creator_id: str | None = None,
        request_ids: Iterable[str] | None = None,
    ) -> builtins.list[CompassRequest]:
        """Requests by request time (then id), optionally of one partner and/or creator."""
        query = sa.select(CompassRequest).order_by(
            CompassRequest.requested_at, CompassRequest.request_id
        )
        if partner_id is not None:
            query = query.where(CompassRequest.partner_id == partner_id)
        if creator_id is not None:
            query = query.where(CompassRequest.creator_id == creator_id)
        if request_ids is not None:
            query = query.where(CompassRequest.request_id.in_(builtins.list(request_ids)))
        return builtins.list(self.session.scalars(query))

    def unanswered_before(
        self, requested_before: datetime, *, untold: tuple[str, str] | None = None
    ) -> builtins.list[CompassRequest]:
        """Requests with no answer made at or before an instant (the expiry sweep's
        candidates). With `untold = (prefix, suffix)`, only those with no outbox message
        keyed `prefix + request_id + suffix` yet (the unique key's index answers it), so
        a sweep does not walk every request that expired long ago."""
        query = (
            sa.select(CompassRequest)
            .where(
                CompassRequest.response.is_(None),
                CompassRequest.requested_at <= requested_before,
            )
            .order_by(CompassRequest.requested_at, CompassRequest.request_id)
        )
        if untold is not None:
            key = sa.literal(untold[0]) + CompassRequest.request_id + sa.literal(untold[1])
            told = sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
            query = query.where(~told.exists())
        return builtins.list(self.session.scalars(query))


@dataclass(frozen=True)
class AccessQuery:
    """An operator's (or a creator's) filter over the access log; None matches anything."""

    creator_id: str | None = None
    partner_id: str | None = None
    login: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AccessLog:
    """The access log in the session's database: appended to, never changed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        at: datetime,
        login: str,
        role: str,
        partner_id: str | None,
        creator_id: str,
        days: VisibleDays,
        via: Via,
        what: str,
    ) -> CompassAccess | None:
        """Log one read of a creator's numbers over `days` (the visible days it read);
        a read of no day read no number and is not logged (returns None)."""
        found = self.record_reads(
            at=at,
            login=login,
            role=role,
            partner_id=partner_id,
            reads={creator_id: days},
            via=via,
            what=what,
        )
        return found[0] if found else None

    def record_reads(
        self,
        *,
        at: datetime,
        login: str,
        role: str,
        partner_id: str | None,
        reads: Mapping[str, VisibleDays],
        via: Via,
        what: str,
    ) -> builtins.list[CompassAccess]:
        """Log one read per creator of `reads` (creator → the visible days read), by
        creator_id, in one flush of the session's transaction (a multi-row INSERT where
        the database allows): a module that read 1,000 creators writes 1,000 entries
        without 1,000 round trips. Creators with no day are not logged."""
        if via not in VIAS:
            raise CompassError(f"unknown access channel {via!r}: one of {', '.join(VIAS)}")
        if not login.strip() or not what.strip():
            raise CompassError("an access log entry needs the reader's login and what was read")
        entries = [
            CompassAccess(
                at=at,
                login=login,
                role=role,
                partner_id=partner_id,
                creator_id=creator_id,
                first_day=days.ranges[0].first,
                last_day=days.ranges[-1].last,
                days=days.count,
                ranges=[[r.first, r.last] for r in days.ranges],
                via=via,
                what=what,
            )
            for creator_id, days in sorted(reads.items())
            if days.ranges
        ]
        if entries:
            self.session.add_all(entries)
            self.session.flush()
        return entries

    def list(
        self, query: AccessQuery, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[CompassAccess]:
        """Entries newest first."""
        select = self._where(sa.select(CompassAccess), query)
        select = select.order_by(CompassAccess.at.desc(), CompassAccess.id.desc())
        return builtins.list(self.session.scalars(select.offset(offset).limit(limit)))

    def count(self, query: AccessQuery) -> int:
        select = self._where(sa.select(sa.func.count()).select_from(CompassAccess), query)
        return int(self.session.scalar(select) or 0)

    @staticmethod
    def _where(select: sa.Select[Any], query: AccessQuery) -> sa.Select[Any]:
        if query.creator_id is not None:
            select = select.where(CompassAccess.creator_id == query.creator_id)
        if query.partner_id is not None:
            select = select.where(CompassAccess.partner_id == query.partner_id)
        if query.login is not None:
            select = select.where(CompassAccess.login == query.login)
        if query.since is not None:  # a naive instant is UTC, as everywhere in Data Compass
            select = select.where(CompassAccess.at >= as_utc(query.since))
        if query.until is not None:
            select = select.where(CompassAccess.at < as_utc(query.until))
        return select


def day_ranges(entry: CompassAccess) -> builtins.list[tuple[date, date]]:
    """The ranges of an entry as dates."""
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in entry.ranges]
