"""Data Compass's consent workflow and access log for the REST API and the CLI: one unit of
work per call over the state store (and, for a new request, the event store's pair), the
answers as plain documents. The rules live in `compass.consent` and `compass.visibility`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import duckdb

from tierwise.compass.authorizations import RequestStatus
from tierwise.compass.consent import Consent
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import RequestNotFound
from tierwise.compass.events import pair_of
from tierwise.compass.repository import AccessLog, AccessQuery, Via
from tierwise.db.engine import StateStore, now
from tierwise.db.models import CompassAccess

Move = Literal["approve", "decline", "revoke", "withdraw"]


def request_access(
    state: StateStore,
    con: duckdb.DuckDBPyConnection,
    partner_id: str,
    creator_id: str,
    period: DayRange,
    *,
    actor: str,
    markets: Mapping[str, str],
) -> dict[str, Any]:
    """The partner asks the creator for `period` (`RequestNotFound` for a creator it was
    never bound to; `RequestRefused` with the reasons when it may not ask now)."""
    with state.session() as session:
        consent = Consent(session, partner_markets=markets)
        pair = pair_of(con, partner_id, creator_id, consent.rows_of_pair(partner_id, creator_id))
        if pair is None:
            raise RequestNotFound(f"no creator {creator_id!r}")
        return consent.request(pair, period, actor=actor).to_dict()


def move(
    state: StateStore,
    request_id: str,
    what: Move,
    *,
    actor: str,
    markets: Mapping[str, str],
    creator_id: str | None = None,
    partner_id: str | None = None,
) -> dict[str, Any]:
    """The creator approves, declines or revokes; the partner withdraws."""
    with state.session() as session:
        consent = Consent(session, partner_markets=markets)
        if what == "withdraw":
            if partner_id is None:
                raise RequestNotFound(f"no request {request_id!r}")
            return consent.withdraw(request_id, partner_id=partner_id, actor=actor).to_dict()
        if creator_id is None:
            raise RequestNotFound(f"no request {request_id!r}")
        step = {"approve": consent.approve, "decline": consent.decline, "revoke": consent.revoke}
        return step[what](request_id, creator_id=creator_id, actor=actor).to_dict()


def expire_due(state: StateStore, markets: Mapping[str, str]) -> list[dict[str, Any]]:
    """The expiry sweep: tell the partners of requests that expired since the last one."""
    with state.session() as session:
        return [v.to_dict() for v in Consent(session, partner_markets=markets).expire_due()]


def requests(
    state: StateStore,
    *,
    partner_id: str | None = None,
    creator_id: str | None = None,
    statuses: Iterable[RequestStatus] | None = None,
) -> list[dict[str, Any]]:
    """Requests with their status now (of one partner and/or creator when given)."""
    with state.reading() as session:
        found = Consent(session).find(
            partner_id=partner_id, creator_id=creator_id, statuses=statuses
        )
        return [v.to_dict() for v in found]


def get_request(
    state: StateStore,
    request_id: str,
    *,
    partner_id: str | None = None,
    creator_id: str | None = None,
) -> dict[str, Any]:
    with state.reading() as session:
        view = Consent(session).get(request_id, partner_id=partner_id, creator_id=creator_id)
        return view.to_dict()


def record_access(
    state: StateStore,
    *,
    login: str,
    role: str,
    partner_id: str | None,
    creator_id: str,
    days: VisibleDays,
    via: Via,
    what: str,
) -> int | None:
    """Log a read of a creator's numbers over the visible days it read (the id; None when
    no day was read). Data Compass's modules call this for every page, API answer and
    export that shows a creator's numbers."""
    with state.session() as session:
        entry = AccessLog(session).record(
            at=now(session),
            login=login,
            role=role,
            partner_id=partner_id,
            creator_id=creator_id,
            days=days,
            via=via,
            what=what,
        )
        return None if entry is None else entry.id


def access_entry(entry: CompassAccess) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "login": entry.login,
        "role": entry.role,
        "partner_id": entry.partner_id,
        "creator_id": entry.creator_id,
        "first_day": entry.first_day.isoformat(),
        "last_day": entry.last_day.isoformat(),
        "days": entry.days,
        "ranges": [[str(a), str(b)] for a, b in entry.ranges],
        "via": entry.via,
        "what": entry.what,
    }


def access_log(
    state: StateStore, query: AccessQuery, *, offset: int = 0, limit: int | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """How many entries match, and a page of them, newest first."""
    with state.reading() as session:
        log = AccessLog(session)
        entries = log.list(query, offset=offset, limit=limit)
        total = log.count(query) if limit is not None else len(entries)
        return total, [access_entry(e) for e in entries]
