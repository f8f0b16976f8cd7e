"""The consent workflow (compass.md §1 "Requests", "Revocation"): a partner asks a creator
it is bound to for access to a requested period; the creator approves or declines within
168 h, or the request expires; the creator revokes an approval, or the partner withdraws
it; the partner may ask again after a decline, an expiry or a withdrawal.

    consent = Consent(session, partner_markets={"A": "TH"})   # the caller's transaction
    view = consent.request(pair, DayRange(d1, d2), actor="agency-a")
    consent.approve(view.request_id, creator_id="c0", actor="creator-c0")
    consent.expire_due()                                      # the sweep: idempotent

Every move is checked against the request's status *at the move's instant* (so a request
is expired from 168 h on even before any sweep ran), writes the row in the columns of
compass.md §2, appends to the audit chain and queues the outbox message — all in the
caller's transaction, so all of it happens or none. A refused move raises and records
nothing. The clock is the store's (injected: `StateStore.open(clock=…)`) unless one is
given here; the service never reads the wall clock itself. Bindings come from the event
store through the `Pair` the caller builds: this module does no DuckDB I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from tierwise.compass.authorizations import (
    EXPIRY,
    Authorization,
    RequestStatus,
    RevokedBy,
    merged,
)
from tierwise.compass.days import DayRange
from tierwise.compass.errors import ConsentRefused, RequestExpired, RequestNotFound
from tierwise.compass.markets import as_utc
from tierwise.compass.messages import PROGRAM_ID, ConsentMessages, Event, Languages
from tierwise.compass.repository import (
    REQUEST_PREFIX,
    ConsentRequests,
    authorization_row,
    to_authorization,
)
from tierwise.compass.visibility import Pair, may_request
from tierwise.db.audit import AuditLog
from tierwise.db.engine import now
from tierwise.db.models import CompassRequest

Clock = Callable[[], datetime]
Answer = Literal["approved", "declined"]
#: The actor of the expiry sweep's audit entries.
SWEEP_ACTOR = "compass-expiry"


def audit_object(request_id: str) -> str:
    return f"compass/{request_id}"


def _utc(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M:%S} UTC"


Source = Literal["workflow", "imported"]


@dataclass(frozen=True)
class RequestView:
    """A request and its status at the instant it was read."""

    authorization: Authorization
    status: RequestStatus
    read_at: datetime

    @property
    def request_id(self) -> str:
        return self.authorization.request_id

    @property
    def source(self) -> Source:
        """Where the request was made: in this workflow, or on the platform (imported)."""
        return "workflow" if self.request_id.startswith(REQUEST_PREFIX) else "imported"

    def to_dict(self) -> dict[str, Any]:
        row = self.authorization
        return {
            "request_id": row.request_id,
            "partner_id": row.partner_id,
            "creator_id": row.creator_id,
            "requested_at": row.requested_at.isoformat(),
            "period_from": row.period_from.isoformat(),
            "period_to": row.period_to.isoformat(),
            "responded_at": None if row.responded_at is None else row.responded_at.isoformat(),
            "response": row.response,
            "revoked_at": None if row.revoked_at is None else row.revoked_at.isoformat(),
            "revoked_by": row.revoked_by,
            "status": self.status,
            "expires_at": row.expires_at.isoformat(),
            "source": self.source,
        }


class Consent:
    """The consent workflow over the session's state store (the caller's transaction).
    `imported` are the event store's authorization rows the caller read (of the partner
    or creator at hand): they are listed with the workflow's, and a creator (a partner)
    answers or revokes (withdraws) one like its own — the workflow stores the row and
    records the move on its copy, which then counts in place of the import."""

    def __init__(
        self,
        session: Session,
        *,
        partner_markets: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        imported: Iterable[Authorization] = (),
    ) -> None:
        self.session = session
        self.imported = {a.request_id: a for a in imported}
        self.requests = ConsentRequests(session)
        self.audit = AuditLog(session)
        self.messages = ConsentMessages(session, Languages(dict(partner_markets or {})))
        self._clock = clock

    def now(self) -> datetime:
        return as_utc(self._clock()) if self._clock is not None else now(self.session)

    # -- moves ----------------------------------------------------------------------------

    def request(self, pair: Pair, period: DayRange, *, actor: str) -> RequestView:
        """The partner of `pair` asks its creator for `period`. Refused (`RequestRefused`,
        every reason named) when the creator's region is excluded, the pair is not bound
        on the local day of the request, or a request of the pair is pending. The pair's
        workflow rows are read again under a lock on the pair, so two requests at once
        cannot both find none pending."""
        at = self.now()
        self.requests.lock_pair(pair.partner_id, pair.creator_id)
        stored = [
            to_authorization(r) for r in self.requests.of_pair(pair.partner_id, pair.creator_id)
        ]
        stored_ids = {a.request_id for a in stored}
        imported = [a for a in pair.authorizations if a.request_id not in stored_ids]
        current = dataclasses.replace(pair, authorizations=(*imported, *stored))
        may_request(current, at).enforce()
        row = self.requests.add(pair.partner_id, pair.creator_id, at, period)
        return self._recorded(row, None, actor, "compass_request", "requested", at)

    def approve(self, request_id: str, *, creator_id: str, actor: str) -> RequestView:
        """The creator approves a pending request."""
        return self._answer(request_id, "approved", creator_id, actor)

    def decline(self, request_id: str, *, creator_id: str, actor: str) -> RequestView:
        """The creator declines a pending request."""
        return self._answer(request_id, "declined", creator_id, actor)

    def revoke(self, request_id: str, *, creator_id: str, actor: str) -> RequestView:
        """The creator revokes an approval (in force through today, gone from tomorrow)."""
        row = self._own(request_id, creator_id=creator_id)
        return self._end(row, "creator", actor)

    def withdraw(self, request_id: str, *, partner_id: str, actor: str) -> RequestView:
        """The partner gives up an approval it holds. A pending request cannot be
        withdrawn: compass.md §2 has no column for it (`revoked_at` needs an approval);
        it ends by an answer or by expiring."""
        row = self._own(request_id, partner_id=partner_id)
        return self._end(row, "partner", actor)

    def expire_due(
        self, at: datetime | None = None, *, actor: str = SWEEP_ACTOR
    ) -> list[RequestView]:
        """Tell the partners of requests that expired by `at` (default: now): one audit
        entry and one message per request, whenever and however often the sweep runs.
        The status read never waits for it: a request is `expired` from 168 h on."""
        at = self.now() if at is None else as_utc(at)
        self.requests.lock_sweep()
        untold = (f"{PROGRAM_ID}/", "/expired")
        due = self.requests.unanswered_before(at - EXPIRY, untold=untold)
        expired = []
        for row in due:
            authorization = to_authorization(row)
            self.audit.append(
                actor,
                "compass_expire",
                audit_object(row.request_id),
                reason=f"no answer by {_utc(authorization.expires_at)}",
                after={**authorization_row(row), "status": "expired"},
            )
            self.messages.queue(authorization, "expired", at)
            expired.append(RequestView(authorization, "expired", at))
        return expired

    # -- reads ----------------------------------------------------------------------------

    def rows_of_pair(self, partner_id: str, creator_id: str) -> tuple[Authorization, ...]:
        """The pair's workflow rows, to add to the imported ones when building a `Pair`."""
        return tuple(to_authorization(r) for r in self.requests.of_pair(partner_id, creator_id))

    def get(
        self, request_id: str, *, partner_id: str | None = None, creator_id: str | None = None
    ) -> RequestView:
        """One request, of this partner and/or creator when given (else `RequestNotFound`)."""
        row = self.requests.get(request_id)
        found = to_authorization(row) if row is not None else self.imported.get(request_id)
        at = self.now()
        if (
            found is None
            or found.requested_at > at
            or partner_id not in (None, found.partner_id)
            or creator_id not in (None, found.creator_id)
        ):
            raise RequestNotFound(f"no request {request_id!r}")
        return RequestView(found, found.status_at(at), at)

    def find(
        self,
        *,
        partner_id: str | None = None,
        creator_id: str | None = None,
        statuses: Iterable[RequestStatus] | None = None,
    ) -> list[RequestView]:
        """Requests by request time, with their status now, optionally filtered."""
        at = self.now()
        wanted = None if statuses is None else frozenset(statuses)
        stored = [
            to_authorization(r)
            for r in self.requests.list(partner_id=partner_id, creator_id=creator_id)
        ]
        imported = [
            a
            for a in self.imported.values()
            if partner_id in (None, a.partner_id) and creator_id in (None, a.creator_id)
        ]
        rows = sorted(merged([*imported, *stored]), key=lambda a: (a.requested_at, a.request_id))
        views = [RequestView(a, a.status_at(at), at) for a in rows if a.requested_at <= at]
        return [v for v in views if wanted is None or v.status in wanted]

    def pending_for(self, creator_id: str) -> list[RequestView]:
        """What the creator has to answer."""
        return self.find(creator_id=creator_id, statuses=("pending",))

    def with_access(self, creator_id: str) -> list[RequestView]:
        """The creator's approvals in force now: who has access (by this workflow)."""
        return self.find(creator_id=creator_id, statuses=("approved",))

    # -- the steps ------------------------------------------------------------------------

    def _own(
        self, request_id: str, *, partner_id: str | None = None, creator_id: str | None = None
    ) -> CompassRequest:
        row = self.requests.get(request_id, lock=True)
        if row is None and request_id in self.imported:
            row = self.requests.adopt(self.imported[request_id])
        if (
            row is None
            or (partner_id is not None and row.partner_id != partner_id)
            or (creator_id is not None and row.creator_id != creator_id)
        ):
            raise RequestNotFound(f"no request {request_id!r}")
        return row

    def _answer(
        self, request_id: str, response: Answer, creator_id: str, actor: str
    ) -> RequestView:
        row = self._own(request_id, creator_id=creator_id)
        at = self.now()
        before = to_authorization(row)
        status = before.status_at(at)
        verb = "approve" if response == "approved" else "decline"
        if status == "expired":
            raise RequestExpired(
                f"request {request_id} expired at {_utc(before.expires_at)}, 168 h after it "
                f"was made: an answer now has no effect (the partner may ask again)"
            )
        if status != "pending":
            raise ConsentRefused(
                f"request {request_id} is {status}: it was answered at "
                f"{_utc(before.responded_at or at)}; only a pending request can be "
                f"{verb}d"
            )
        dataclasses.replace(before, responded_at=at, response=response)  # the §2 checks
        snapshot = authorization_row(row)
        row.responded_at, row.response = at, response
        event: Event = "approved" if response == "approved" else "declined"
        return self._recorded(row, snapshot, actor, f"compass_{verb}", event, at)

    def _end(self, row: CompassRequest, by: RevokedBy, actor: str) -> RequestView:
        at = self.now()
        before = to_authorization(row)
        status = before.status_at(at)
        move = "revoke" if by == "creator" else "withdraw"
        if status != "approved":
            hint = {
                "pending": (
                    "it has not been answered yet (decline it instead)"
                    if by == "creator"
                    else f"it has not been answered yet; it expires at "
                    f"{_utc(before.expires_at)} unless the creator answers"
                ),
                "revoked": f"it was already revoked at {_utc(before.revoked_at or at)}",
                "withdrawn": f"it was already withdrawn at {_utc(before.revoked_at or at)}",
                "declined": "it was declined",
                "expired": f"it expired unanswered at {_utc(before.expires_at)}",
            }[status]
            done = "revoked" if by == "creator" else "withdrawn"
            raise ConsentRefused(
                f"request {row.request_id} is {status}: only an approval can be {done}; {hint}"
            )
        dataclasses.replace(before, revoked_at=at, revoked_by=by)  # the §2 checks
        snapshot = authorization_row(row)
        row.revoked_at, row.revoked_by = at, by
        event: Event = "revoked" if by == "creator" else "withdrawn"
        return self._recorded(row, snapshot, actor, f"compass_{move}", event, at)

    def _recorded(
        self,
        row: CompassRequest,
        before: dict[str, Any] | None,
        actor: str,
        action: str,
        event: Event,
        at: datetime,
    ) -> RequestView:
        """Flush the row, append it to the audit chain and queue the event's message."""
        self.session.flush()
        authorization = to_authorization(row)
        self.audit.append(
            actor,
            action,
            audit_object(row.request_id),
            before=before,
            after=authorization_row(row),
        )
        self.messages.queue(authorization, event, at)
        return RequestView(authorization, authorization.status_at(at), at)
