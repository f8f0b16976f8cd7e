"""Authorization rows (compass.md §2) and what each one means: its status at an instant,
and the approval it grants, counted in local days.

A row is a request from a partner to a creator for a requested period. The creator
approves or declines within 7 days (168 h after `requested_at`); an answer given at or
after that instant has no effect and the request has expired. An approval may later be
revoked by the creator (`revoked_by = creator`) or withdrawn by the partner
(`revoked_by = partner`); either way it stays in force on the local day it ends and is gone
from the next day on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from tierwise.compass.days import DayRange
from tierwise.compass.errors import CompassError
from tierwise.compass.markets import as_utc, local_day

Response = Literal["approved", "declined"]
RevokedBy = Literal["creator", "partner"]
RequestStatus = Literal["pending", "approved", "declined", "expired", "revoked", "withdrawn"]

RESPONSES: tuple[Response, ...] = get_args(Response)
REVOKERS: tuple[RevokedBy, ...] = get_args(RevokedBy)
REQUEST_STATUSES: tuple[RequestStatus, ...] = get_args(RequestStatus)
#: An unanswered request expires this long after it was made (compass.md §1).
EXPIRY = timedelta(hours=168)


@dataclass(frozen=True)
class Authorization:
    """One row of `authorizations`, with exactly the columns of compass.md §2, so that
    `Authorization(**row)` reads an imported row or one the consent workflow wrote.
    Timestamps are instants; they are kept in UTC so that `requested_at + 168 h` is
    elapsed time. The loading rules of §2 are checked here too, because a choke point
    must not guess what a contradictory row means."""

    request_id: str
    partner_id: str
    creator_id: str
    requested_at: datetime
    period_from: date
    period_to: date
    responded_at: datetime | None = None
    response: Response | None = None
    revoked_at: datetime | None = None
    revoked_by: RevokedBy | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "requested_at", as_utc(self.requested_at))
        if self.responded_at is not None:
            object.__setattr__(self, "responded_at", as_utc(self.responded_at))
        if self.revoked_at is not None:
            object.__setattr__(self, "revoked_at", as_utc(self.revoked_at))
        problems = self._problems()
        if problems:
            raise CompassError(f"authorization {self.request_id!r}: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        """Every loading rule of §2 the row breaks, in the order the rules are stated."""
        return [
            *self._period_problems(),
            *self._answer_problems(),
            *self._revocation_problems(),
            *self._revoker_problems(),
        ]

    def _period_problems(self) -> list[str]:
        if self.period_to < self.period_from:
            return [f"period_to {self.period_to} is before period_from {self.period_from}"]
        return []

    def _answer_problems(self) -> list[str]:
        problems: list[str] = []
        if self.response is not None and self.response not in RESPONSES:
            problems.append(f"response {self.response!r} is not approved or declined")
        if (self.response is None) != (self.responded_at is None):
            problems.append("response and responded_at go together")
        if self.responded_at is not None and self.responded_at < self.requested_at:
            problems.append("responded_at is before requested_at")
        return problems

    def _revocation_problems(self) -> list[str]:
        if self.revoked_at is None:
            return []
        if self.response != "approved":
            return ["revoked_at without an approval"]
        if self.responded_at is not None and self.revoked_at < self.responded_at:
            return ["revoked_at is before responded_at"]
        return []

    def _revoker_problems(self) -> list[str]:
        if self.revoked_by is None:
            return []
        problems: list[str] = []
        if self.revoked_by not in REVOKERS:
            problems.append(f"revoked_by {self.revoked_by!r} is not creator or partner")
        if self.revoked_at is None:
            problems.append("revoked_by without revoked_at")
        return problems

    @property
    def expires_at(self) -> datetime:
        """The instant from which an answer has no effect: `requested_at` + 168 h."""
        return self.requested_at + EXPIRY

    @property
    def answered_in_time(self) -> bool:
        """Whether the answer counts: given strictly before the request expired."""
        return self.responded_at is not None and self.responded_at < self.expires_at

    @property
    def period(self) -> DayRange:
        """The requested period, both ends included."""
        return DayRange(self.period_from, self.period_to)

    def status_at(self, at: datetime) -> RequestStatus:
        """The request's status at an instant, as the consent workflow shows it. Before
        `requested_at` the request does not exist, which is refused rather than guessed."""
        at = as_utc(at)
        if at < self.requested_at:
            raise CompassError(
                f"authorization {self.request_id!r} was requested at {self.requested_at}, "
                f"after {at}"
            )
        if self.answered_in_time and self.responded_at is not None and self.responded_at <= at:
            if self.response == "declined":
                return "declined"
            if self.revoked_at is not None and self.revoked_at <= at:
                return "withdrawn" if self.revoked_by == "partner" else "revoked"
            return "approved"
        return "expired" if at >= self.expires_at else "pending"

    def extends(self, other: Authorization) -> bool:
        """Whether this row is `other` with later moves added: the same request, and every
        answer or revocation `other` records recorded alike here. How the consent workflow
        stores a move on an imported row (the import keeps the row as it was)."""
        later = ("responded_at", "response", "revoked_at", "revoked_by")
        return all(
            getattr(self, f) == getattr(other, f)
            for f in (
                "request_id",
                "partner_id",
                "creator_id",
                "requested_at",
                "period_from",
                "period_to",
            )
        ) and all(getattr(other, f) in (None, getattr(self, f)) for f in later)

    def approval(self, zone: ZoneInfo) -> Approval | None:
        """The approval this row grants, in local days of `zone`; None for a request that
        was declined, never answered, or answered too late."""
        if self.responded_at is None or self.response != "approved" or not self.answered_in_time:
            return None
        revoked_on = None if self.revoked_at is None else local_day(self.revoked_at, zone)
        return Approval(
            request_id=self.request_id,
            period=self.period,
            approved_on=local_day(self.responded_at, zone),
            revoked_on=revoked_on,
        )


@dataclass(frozen=True)
class Approval:
    """An approval in local days: approved on day A, revoked (or withdrawn) on day R."""

    request_id: str
    period: DayRange
    approved_on: date
    revoked_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Approved on A ≤ D and not revoked on a day R < D: a revocation leaves the
        approval in force on R itself and ends it from R + 1 on."""
        return self.approved_on <= day and (self.revoked_on is None or day <= self.revoked_on)


def merged(rows: Iterable[Authorization]) -> list[Authorization]:
    """Imported rows and the consent workflow's, which count alike: one row per request_id,
    the furthest one when one row extends the other (a move the workflow made on an
    imported row); the same id with contradictory content is refused, not guessed."""
    out: dict[str, Authorization] = {}
    for row in rows:
        seen = out.get(row.request_id)
        if seen is None or row.extends(seen):
            out[row.request_id] = row
        elif not seen.extends(row):
            raise CompassError(
                f"authorization {row.request_id!r} is given twice with contradictory "
                "content (imported and from the consent workflow)"
            )
    return list(out.values())


__all__ = [
    "EXPIRY",
    "REQUEST_STATUSES",
    "RESPONSES",
    "REVOKERS",
    "Approval",
    "Authorization",
    "RequestStatus",
    "Response",
    "RevokedBy",
    "merged",
]
