"""Request statuses at an instant and the loading rules of compass.md §2, by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tierwise.compass import Approval, Authorization, CompassError, DayRange

REQUESTED = datetime(2024, 3, 1, tzinfo=UTC)  # expires 2024-03-08 00:00Z
H = timedelta(hours=1)
S = timedelta(seconds=1)
BANGKOK = ZoneInfo("Asia/Bangkok")


def row(**changes: Any) -> Authorization:
    fields: dict[str, Any] = {
        "request_id": "r1",
        "partner_id": "p1",
        "creator_id": "c1",
        "requested_at": REQUESTED,
        "period_from": date(2024, 2, 1),
        "period_to": date(2024, 2, 29),
    }
    return Authorization(**(fields | changes))


def test_pending_then_expired_at_168_hours() -> None:
    r = row()
    assert r.expires_at == datetime(2024, 3, 8, tzinfo=UTC)
    assert r.status_at(REQUESTED) == "pending"
    assert r.status_at(REQUESTED + 168 * H - S) == "pending"
    assert r.status_at(REQUESTED + 168 * H) == "expired"


def test_approved_declined() -> None:
    yes = row(responded_at=REQUESTED + 2 * H, response="approved")
    no = row(responded_at=REQUESTED + 2 * H, response="declined")
    # before the answer the request is pending; from the answer's instant it is answered
    assert yes.status_at(REQUESTED + H) == "pending"
    assert yes.status_at(REQUESTED + 2 * H) == "approved"
    assert no.status_at(REQUESTED + 2 * H) == "declined"
    # an answered request does not expire
    assert yes.status_at(REQUESTED + 1000 * H) == "approved"
    assert no.status_at(REQUESTED + 1000 * H) == "declined"


def test_an_answer_one_second_before_168_hours_counts() -> None:
    r = row(responded_at=REQUESTED + 168 * H - S, response="approved")
    assert r.answered_in_time
    assert r.status_at(REQUESTED + 168 * H) == "approved"


def test_an_answer_at_168_hours_has_no_effect() -> None:
    # the answer instant is the expiry instant: too late, the request expired
    for response in ("approved", "declined"):
        r = row(responded_at=REQUESTED + 168 * H, response=response)
        assert not r.answered_in_time
        assert r.status_at(REQUESTED + 168 * H - S) == "pending"
        assert r.status_at(REQUESTED + 168 * H) == "expired"
        assert r.approval(BANGKOK) is None


def test_revoked_and_withdrawn() -> None:
    answered, ended = REQUESTED + H, REQUESTED + 48 * H
    by_creator = row(
        responded_at=answered, response="approved", revoked_at=ended, revoked_by="creator"
    )
    by_partner = row(
        responded_at=answered, response="approved", revoked_at=ended, revoked_by="partner"
    )
    assert by_creator.status_at(ended - S) == "approved"
    assert by_creator.status_at(ended) == "revoked"
    assert by_partner.status_at(ended) == "withdrawn"
    # an imported row may name no one: read as the creator's revocation
    unnamed = row(responded_at=answered, response="approved", revoked_at=ended)
    assert unnamed.status_at(ended) == "revoked"


def test_a_late_approval_later_revoked_is_still_expired() -> None:
    r = row(
        responded_at=REQUESTED + 200 * H,
        response="approved",
        revoked_at=REQUESTED + 300 * H,
        revoked_by="creator",
    )
    assert r.status_at(REQUESTED + 400 * H) == "expired"
    assert r.approval(BANGKOK) is None


def test_status_before_the_request_is_refused() -> None:
    with pytest.raises(CompassError, match="requested at"):
        row().status_at(REQUESTED - S)


def test_the_approval_in_local_days() -> None:
    # answered 2024-03-01 17:30Z = 03-02 00:30 Bangkok; revoked 2024-03-05 16:59:59Z =
    # 03-05 23:59:59 Bangkok
    r = row(
        responded_at=datetime(2024, 3, 1, 17, 30, tzinfo=UTC),
        response="approved",
        revoked_at=datetime(2024, 3, 5, 16, 59, 59, tzinfo=UTC),
    )
    assert r.approval(BANGKOK) == Approval(
        "r1", DayRange(date(2024, 2, 1), date(2024, 2, 29)), date(2024, 3, 2), date(2024, 3, 5)
    )
    assert row(responded_at=REQUESTED, response="declined").approval(BANGKOK) is None
    assert row().approval(BANGKOK) is None


def test_instants_are_kept_in_utc() -> None:
    # 07:00 in Bangkok is 00:00Z; 168 h later is elapsed time, whatever zone came in
    r = row(requested_at=datetime(2024, 3, 1, 7, tzinfo=BANGKOK))
    assert r.requested_at == REQUESTED and r.requested_at.tzinfo is UTC
    assert r.expires_at == datetime(2024, 3, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"period_to": date(2024, 1, 31)}, "period_to 2024-01-31 is before period_from"),
        ({"response": "approved"}, "response and responded_at go together"),
        ({"responded_at": REQUESTED}, "response and responded_at go together"),
        ({"response": "maybe", "responded_at": REQUESTED}, "response 'maybe' is not"),
        ({"response": "approved", "responded_at": REQUESTED - S}, "before requested_at"),
        ({"revoked_at": REQUESTED}, "revoked_at without an approval"),
        (
            {"response": "declined", "responded_at": REQUESTED, "revoked_at": REQUESTED},
            "revoked_at without an approval",
        ),
        (
            {"response": "approved", "responded_at": REQUESTED + H, "revoked_at": REQUESTED},
            "revoked_at is before responded_at",
        ),
        (
            {"response": "approved", "responded_at": REQUESTED, "revoked_by": "creator"},
            "revoked_by without revoked_at",
        ),
        (
            {
                "response": "approved",
                "responded_at": REQUESTED,
                "revoked_at": REQUESTED,
                "revoked_by": "ops",
            },
            "revoked_by 'ops' is not creator or partner",
        ),
    ],
)
def test_rows_that_break_the_loading_rules_are_refused(
    changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(CompassError, match=problem):
        row(**changes)
