"""Data Compass for the REST API and the CLI: the consent workflow, the access log, and the
reads of a partner's numbers — each read takes the workflow's authorization rows from the
state store (they count like imported ones) and logs who read which days of which creator.
One unit of work per call; the answers as plain documents or the analytics' results. The
rules live in `compass.consent` and `compass.visibility`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import duckdb

from tierwise.compass.analytics import (
    CreatorAnalytics,
    CreatorList,
    Overview,
    creator_analytics,
    creator_list,
    imported_authorizations,
    overview,
    pair_of,
)
from tierwise.compass.authorizations import Authorization, RequestStatus
from tierwise.compass.consent import Consent
from tierwise.compass.days import DayRange, VisibleDays
from tierwise.compass.errors import RequestNotFound
from tierwise.compass.ranges import QueryRange
from tierwise.compass.repository import (
    AccessLog,
    AccessQuery,
    ConsentRequests,
    Via,
    to_authorization,
)
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


def imported(
    con: duckdb.DuckDBPyConnection, *, partner_id: str | None, creator_id: str | None
) -> tuple[Authorization, ...]:
    """The event store's authorization rows in a caller's scope (a partner's, a creator's;
    every row for an operator's unfiltered list), to list and move with the workflow's."""
    return imported_authorizations(con, partner_id, creator_id)


def move(
    state: StateStore,
    request_id: str,
    what: Move,
    *,
    actor: str,
    markets: Mapping[str, str],
    creator_id: str | None = None,
    partner_id: str | None = None,
    imported: Sequence[Authorization] = (),
) -> dict[str, Any]:
    """The creator approves, declines or revokes; the partner withdraws — a request of
    the workflow or one of the `imported` rows (the event store's, of that creator or
    partner)."""
    with state.session() as session:
        consent = Consent(session, partner_markets=markets, imported=imported)
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
    imported: Sequence[Authorization] = (),
) -> list[dict[str, Any]]:
    """Requests with their status now (of one partner and/or creator when given), the
    workflow's and the `imported` rows alike."""
    with state.reading() as session:
        found = Consent(session, imported=imported).find(
            partner_id=partner_id, creator_id=creator_id, statuses=statuses
        )
        return [v.to_dict() for v in found]


def get_request(
    state: StateStore,
    request_id: str,
    *,
    partner_id: str | None = None,
    creator_id: str | None = None,
    imported: Sequence[Authorization] = (),
) -> dict[str, Any]:
    with state.reading() as session:
        consent = Consent(session, imported=imported)
        return consent.get(request_id, partner_id=partner_id, creator_id=creator_id).to_dict()


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


# -- reading a partner's numbers -----------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who reads a partner's numbers, and through what: what the access log records."""

    login: str
    role: str
    partner_id: str
    via: Via


def workflow_rows(state: StateStore, partner_id: str) -> tuple[Authorization, ...]:
    """The consent workflow's rows of a partner: they count like imported ones."""
    with state.reading() as session:
        found = ConsentRequests(session).list(partner_id=partner_id)
        return tuple(to_authorization(r) for r in found)


def log_reads(
    state: StateStore,
    reader: Reader,
    what: str,
    read: Mapping[str, VisibleDays],
) -> None:
    """One access-log entry per creator whose numbers were read (the visible days read),
    all in one transaction and one multi-row INSERT; none when no day was visible."""
    if not any(read.values()):
        return
    with state.session() as session:
        AccessLog(session).record_reads(
            at=now(session),
            login=reader.login,
            role=reader.role,
            partner_id=reader.partner_id,
            reads=read,
            via=reader.via,
            what=what,
        )


class Reads(Protocol):
    """A module's result: the visible days whose numbers it holds, per creator."""

    @property
    def read(self) -> Mapping[str, VisibleDays]: ...


Result = TypeVar("Result", bound=Reads)
#: A module run with the workflow's authorization rows (they count like imported ones).
Module = Callable[[Sequence[Authorization]], Result]


def read(state: StateStore, reader: Reader, what: str, module: Module[Result]) -> Result:
    """The one way Data Compass's numbers are read for someone: run the module with the
    workflow's rows of the reader's partner and log what it read before it is shown — an
    answer whose read could not be logged is not given. Pages, API routes, exports and
    the CLI all come through here."""
    result = module(workflow_rows(state, reader.partner_id))
    log_reads(state, reader, what, result.read)
    return result


def read_creators(
    state: StateStore, con: duckdb.DuckDBPyConnection, query: QueryRange, reader: Reader
) -> CreatorList:
    """compass.md §3's creator list of the reader's partner, its reads logged."""
    return read(
        state,
        reader,
        f"creators {query.first}..{query.last}",
        lambda rows: creator_list(con, reader.partner_id, query, rows),
    )


def read_overview(
    state: StateStore, con: duckdb.DuckDBPyConnection, query: QueryRange, reader: Reader
) -> Overview:
    """The data overview of the reader's partner (both periods), its reads logged."""
    return read(
        state,
        reader,
        f"overview {query.first}..{query.last}",
        lambda rows: overview(con, reader.partner_id, query, rows),
    )


def read_analytics(
    state: StateStore,
    con: duckdb.DuckDBPyConnection,
    query: QueryRange,
    reader: Reader,
    creator_id: str | None = None,
) -> CreatorAnalytics:
    """Creator analytics of the reader's partner (of one of its creators when given: a
    creator it was never bound to is `RequestNotFound`, as one that does not exist), its
    reads logged."""
    if creator_id is not None and pair_of(con, reader.partner_id, creator_id) is None:
        raise RequestNotFound(f"no creator {creator_id!r}")
    name = "analytics" if creator_id is None else f"analytics of {creator_id}"
    return read(
        state,
        reader,
        f"{name} {query.first}..{query.last}",
        lambda rows: creator_analytics(con, reader.partner_id, query, rows, creator_id=creator_id),
    )
