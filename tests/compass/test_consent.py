"""The consent workflow on both state engines: every move and every refusal, the 168-hour
boundary with an injected clock, the expiry sweep, the audit chain and the outbox.

The world: partner A (market TH, Asia/Bangkok, UTC+7) bound to creator c0 (region TH)
since 2024-01-01; every request is for 2024-03-01..2024-03-31 unless a test says so. The
expectations are worked out by hand beside each test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tierwise.compass import (
    BindingWindow,
    ConsentRefused,
    DayRange,
    Pair,
    RequestExpired,
    RequestNotFound,
    RequestRefused,
    visible_days,
)
from tierwise.compass.authorizations import Authorization, merged
from tierwise.compass.consent import Consent
from tierwise.compass.errors import CompassError
from tierwise.compass.repository import REQUEST_PREFIX
from tierwise.db.audit import AuditLog
from tierwise.db.engine import StateStore
from tierwise.db.models import AuditEntry, CompassRequest, OutboxMessage
from tierwise.outbox.repository import Outbox

MARCH = DayRange(date(2024, 3, 1), date(2024, 3, 31))
T0 = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
MARKETS = {"A": "TH", "B": "CN", "I": "ID"}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def pair(
    partner: str = "A",
    creator: str = "c0",
    *,
    region: str = "TH",
    windows: tuple[BindingWindow, ...] = (BindingWindow(date(2024, 1, 1)),),
) -> Pair:
    return Pair(partner, creator, MARKETS[partner], region, windows)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def state(state_url: str, clock: Clock) -> Iterator[StateStore]:
    with StateStore.open(state_url, clock=clock) as opened:
        yield opened


def request(state: StateStore, p: Pair | None = None, period: DayRange = MARCH) -> str:
    with state.session() as session:
        view = Consent(session, partner_markets=MARKETS).request(
            p or pair(), period, actor="agency-a"
        )
        return view.request_id


def counts(state: StateStore) -> tuple[int, int, int]:
    """(requests, audit entries, outbox messages): what a refused move must not change."""
    with state.session() as session:
        return (
            int(session.scalar(sa.select(sa.func.count()).select_from(CompassRequest)) or 0),
            int(session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0),
            int(session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0),
        )


def status(state: StateStore, request_id: str) -> str:
    with state.session() as session:
        return Consent(session).get(request_id).status


def move(state: StateStore, what: str, request_id: str, **who: str) -> str:
    with state.session() as session:
        consent = Consent(session, partner_markets=MARKETS)
        view = getattr(consent, what)(request_id, actor="someone", **who)
        return str(view.status)


def messages(state: StateStore) -> list[OutboxMessage]:
    with state.session() as session:
        return Outbox(session).list()


# -- a request ------------------------------------------------------------------------------


def test_a_request_is_written_in_the_authorizations_columns_audited_and_told(
    state: StateStore,
) -> None:
    request_id = request(state)
    assert request_id.startswith(REQUEST_PREFIX)
    with state.session() as session:
        row = session.get(CompassRequest, request_id)
        assert row is not None
        assert {c.name for c in CompassRequest.__table__.columns} == {
            "request_id",
            "partner_id",
            "creator_id",
            "requested_at",
            "period_from",
            "period_to",
            "responded_at",
            "response",
            "revoked_at",
            "revoked_by",
        }
        assert (row.partner_id, row.creator_id, row.requested_at) == ("A", "c0", T0)
        assert (row.period_from, row.period_to) == (date(2024, 3, 1), date(2024, 3, 31))
        assert (row.responded_at, row.response, row.revoked_at, row.revoked_by) == (None,) * 4
        entries = AuditLog(session).entries()
        assert [(e.actor, e.action, e.object) for e in entries] == [
            ("agency-a", "compass_request", f"compass/{request_id}")
        ]
        assert AuditLog(session).verify().ok
    (message,) = messages(state)
    # To the creator; no creator user, so the partner's market TH → Thai.
    assert (message.partner_id, message.kind, message.language) == (
        "creator:c0",
        "compass_requested",
        "th",
    )
    assert message.program_id == "compass" and message.dedupe_key.endswith("/requested")
    assert "A" in message.body and "2024-03-01" in message.body and "2024-03-31" in message.body
    # Expires 168 h later: 2024-03-08 00:00 UTC.
    assert "2024-03-08 00:00 UTC" in message.body
    assert status(state, request_id) == "pending"


def test_one_pending_request_per_pair(state: StateStore) -> None:
    first = request(state)
    before = counts(state)
    with pytest.raises(RequestRefused, match=f"request {first} to creator c0 is still pending"):
        request(state)
    assert counts(state) == before
    # Another creator of the same partner is another pair.
    request(state, pair(creator="c1"))


def test_a_creator_in_an_excluded_region_can_never_be_asked(state: StateStore) -> None:
    with pytest.raises(RequestRefused, match="region US, whose creators can never be asked"):
        request(state, pair(creator="u0", region="US"))
    assert counts(state) == (0, 0, 0)


def test_only_a_creator_bound_on_the_local_day_of_the_request(
    state: StateStore, clock: Clock
) -> None:
    # Window from 2024-03-11 in Bangkok: that day starts at 2024-03-10 17:00:00Z.
    late = pair(windows=(BindingWindow(date(2024, 3, 11)),))
    clock.at = datetime(2024, 3, 10, 16, 59, 59, tzinfo=UTC)
    with pytest.raises(RequestRefused, match="A is not bound to creator c0 on 2024-03-10"):
        request(state, late)
    assert counts(state) == (0, 0, 0)
    clock.at = datetime(2024, 3, 10, 17, 0, 0, tzinfo=UTC)
    request(state, late)


def test_an_imported_pending_row_counts_too(state: StateStore) -> None:
    from tierwise.compass import Authorization

    imported = Authorization("imp-1", "A", "c0", T0 - timedelta(days=1), MARCH.first, MARCH.last)
    with_row = Pair("A", "c0", "TH", "TH", pair().windows, (imported,))
    with pytest.raises(RequestRefused, match="request imp-1 to creator c0 is still pending"):
        request(state, with_row)


# -- answers and the 168-hour boundary --------------------------------------------------------


def test_an_approval_one_second_before_168_hours_counts(state: StateStore, clock: Clock) -> None:
    request_id = request(state)
    clock.at = T0 + timedelta(hours=168) - timedelta(seconds=1)  # 2024-03-07 23:59:59Z
    assert move(state, "approve", request_id, creator_id="c0") == "approved"
    with state.session() as session:
        row = session.get(CompassRequest, request_id)
        assert row is not None and (row.response, row.responded_at) == ("approved", clock.at)
        actions = [e.action for e in AuditLog(session).entries()]
        assert actions == ["compass_request", "compass_approve"]
        assert AuditLog(session).verify().ok
    told = messages(state)[-1]
    assert (told.partner_id, told.kind, told.language) == ("A", "compass_approved", "th")
    # Approved at 06:59:59 on 03-08 in Bangkok: as of 03-08 the history 03-01..03-07 shows.
    with state.session() as session:
        rows = Consent(session).rows_of_pair("A", "c0")
    seen = visible_days(Pair("A", "c0", "TH", "TH", pair().windows, rows), date(2024, 3, 8))
    assert seen.ranges == (DayRange(date(2024, 3, 1), date(2024, 3, 7)),)


@pytest.mark.parametrize("verb", ["approve", "decline"])
def test_an_answer_at_168_hours_is_refused_and_records_nothing(
    state: StateStore, clock: Clock, verb: str
) -> None:
    request_id = request(state)
    clock.at = T0 + timedelta(hours=168)  # 2024-03-08 00:00:00Z exactly
    assert status(state, request_id) == "expired"  # before any sweep
    before = counts(state)
    with pytest.raises(RequestExpired, match="expired at 2024-03-08 00:00:00 UTC"):
        move(state, verb, request_id, creator_id="c0")
    assert counts(state) == before
    with state.session() as session:
        row = session.get(CompassRequest, request_id)
        assert row is not None and row.response is None and row.responded_at is None


def test_a_decline_and_asking_again(state: StateStore, clock: Clock) -> None:
    request_id = request(state)
    clock.at = T0 + timedelta(hours=1)
    assert move(state, "decline", request_id, creator_id="c0") == "declined"
    told = messages(state)[-1]
    assert (told.partner_id, told.kind) == ("A", "compass_declined")
    with pytest.raises(ConsentRefused, match=r"is declined: .*only a pending request can be"):
        move(state, "approve", request_id, creator_id="c0")
    again = request(state)
    assert again != request_id and status(state, again) == "pending"


def test_answers_refused_once_answered(state: StateStore, clock: Clock) -> None:
    request_id = request(state)
    clock.at = T0 + timedelta(hours=1)
    move(state, "approve", request_id, creator_id="c0")
    before = counts(state)
    for verb in ("approve", "decline"):
        with pytest.raises(ConsentRefused, match=f"request {request_id} is approved"):
            move(state, verb, request_id, creator_id="c0")
    assert counts(state) == before


def test_another_creator_or_partner_finds_no_such_request(state: StateStore) -> None:
    request_id = request(state)
    before = counts(state)
    with pytest.raises(RequestNotFound, match=f"no request '{request_id}'"):
        move(state, "approve", request_id, creator_id="c1")
    with pytest.raises(RequestNotFound):
        move(state, "withdraw", request_id, partner_id="B")
    with pytest.raises(RequestNotFound):
        move(state, "approve", "wf-nonexistent", creator_id="c0")
    assert counts(state) == before
    assert status(state, request_id) == "pending"


# -- the expiry sweep -------------------------------------------------------------------------


def test_expiry_sweep_tells_the_partner_once(state: StateStore, clock: Clock) -> None:
    request_id = request(state, pair("B", "b0", region="CN"))
    with state.session() as session:
        # One second before 168 h: nothing is due.
        assert Consent(session).expire_due(T0 + timedelta(hours=168, seconds=-1)) == []
    clock.at = T0 + timedelta(hours=168)
    with state.session() as session:
        (view,) = Consent(session, partner_markets=MARKETS).expire_due()
        assert (view.request_id, view.status) == (request_id, "expired")
    with state.session() as session:
        assert Consent(session, partner_markets=MARKETS).expire_due() == []
    clock.at = T0 + timedelta(days=30)
    with state.session() as session:
        assert Consent(session, partner_markets=MARKETS).expire_due() == []
        entries = AuditLog(session).entries()
        assert [e.action for e in entries] == ["compass_request", "compass_expire"]
        assert entries[-1].actor == "compass-expiry"
        assert AuditLog(session).verify().ok
    told = [m for m in messages(state) if m.kind == "compass_expired"]
    # B's market is CN → Chinese.
    assert [(m.partner_id, m.language) for m in told] == [("B", "zh")]
    assert "b0" in told[0].body and "2024-03-08 00:00 UTC" in told[0].body
    # After an expiry the partner may ask again.
    request(state, pair("B", "b0", region="CN"))


def test_the_sweep_leaves_answered_requests_alone(state: StateStore, clock: Clock) -> None:
    request_id = request(state)
    clock.at = T0 + timedelta(hours=2)
    move(state, "decline", request_id, creator_id="c0")
    clock.at = T0 + timedelta(days=10)
    with state.session() as session:
        assert Consent(session).expire_due() == []


# -- revocation and withdrawal ----------------------------------------------------------------


def approved(state: StateStore, clock: Clock) -> str:
    """Requested 2024-03-09 00:00Z, approved 2024-03-10 10:00 in Bangkok."""
    clock.at = datetime(2024, 3, 9, tzinfo=UTC)
    request_id = request(state)
    clock.at = datetime(2024, 3, 10, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
    move(state, "approve", request_id, creator_id="c0")
    return request_id


def test_the_creator_revokes_an_approval(state: StateStore, clock: Clock) -> None:
    request_id = approved(state, clock)
    clock.at = datetime(2024, 3, 20, 3, 0, tzinfo=UTC)  # 10:00 on 03-20 in Bangkok
    assert move(state, "revoke", request_id, creator_id="c0") == "revoked"
    with state.session() as session:
        row = session.get(CompassRequest, request_id)
        assert row is not None and (row.revoked_at, row.revoked_by) == (clock.at, "creator")
        rows = Consent(session).rows_of_pair("A", "c0")
        assert AuditLog(session).entries()[-1].action == "compass_revoke"
    told = messages(state)[-1]
    assert (told.partner_id, told.kind, told.language) == ("A", "compass_revoked", "th")
    # Revoked on 03-20: still visible as of 03-20 (03-01..03-19), gone as of 03-21.
    p = Pair("A", "c0", "TH", "TH", pair().windows, rows)
    assert visible_days(p, date(2024, 3, 20)).ranges == (
        DayRange(date(2024, 3, 1), date(2024, 3, 19)),
    )
    assert visible_days(p, date(2024, 3, 21)).ranges == ()
    before = counts(state)
    with pytest.raises(ConsentRefused, match=r"is revoked: .*already revoked at 2024-03-20"):
        move(state, "revoke", request_id, creator_id="c0")
    with pytest.raises(ConsentRefused, match="is revoked"):
        move(state, "withdraw", request_id, partner_id="A")
    assert counts(state) == before


def test_the_partner_withdraws_and_asks_again(state: StateStore, clock: Clock) -> None:
    request_id = approved(state, clock)
    clock.at = datetime(2024, 3, 12, tzinfo=UTC)
    assert move(state, "withdraw", request_id, partner_id="A") == "withdrawn"
    told = messages(state)[-1]
    assert (told.partner_id, told.kind) == ("creator:c0", "compass_withdrawn")
    with state.session() as session:
        row = session.get(CompassRequest, request_id)
        assert row is not None and row.revoked_by == "partner"
    again = request(state)
    assert status(state, again) == "pending"


def test_only_an_approval_can_be_revoked_or_withdrawn(state: StateStore, clock: Clock) -> None:
    pending = request(state)
    before = counts(state)
    with pytest.raises(ConsentRefused, match=r"is pending: .*expires at 2024-03-08 00:00:00 UTC"):
        move(state, "withdraw", pending, partner_id="A")
    with pytest.raises(ConsentRefused, match=r"is pending: .*decline it instead"):
        move(state, "revoke", pending, creator_id="c0")
    assert counts(state) == before
    clock.at = T0 + timedelta(hours=1)
    move(state, "decline", pending, creator_id="c0")
    with pytest.raises(ConsentRefused, match="is declined"):
        move(state, "revoke", pending, creator_id="c0")
    expired = request(state)
    clock.at += timedelta(hours=168)
    with pytest.raises(ConsentRefused, match=r"is expired: .*expired unanswered"):
        move(state, "withdraw", expired, partner_id="A")


# -- languages --------------------------------------------------------------------------------


def test_messages_in_english_chinese_and_thai(state: StateStore, clock: Clock) -> None:
    from tierwise.accounts import Accounts, NewUser

    with state.session() as session:
        Accounts(session).add(
            NewUser("creator-c2", "c2", "creator", creator_id="c2", language="zh"),
            "correct horse battery",
        )
    thai = request(state, pair("A", "c1"))  # no user: A's market TH
    chinese = request(state, pair("A", "c2"))  # the creator's user says zh
    english = request(state, pair("I", "i0", region="ID"))  # ID market: English
    by_request = {m.dedupe_key.split("/")[1]: m for m in messages(state)}
    assert by_request[thai].language == "th" and "ขอดูข้อมูลของคุณ" in by_request[thai].subject
    assert by_request[chinese].language == "zh"
    assert "申请查看您的数据" in by_request[chinese].subject
    assert by_request[english].language == "en"
    assert by_request[english].subject == "Data Compass: I asks to see your data"
    clock.at = T0 + timedelta(hours=1)
    for request_id, creator in ((thai, "c1"), (chinese, "c2"), (english, "i0")):
        move(state, "approve", request_id, creator_id=creator)
    answers = {m.partner_id: m for m in messages(state) if m.kind == "compass_approved"}
    # To the partner, in its market's language: A (TH) Thai, I (ID) English.
    assert answers["A"].language == "th" and "อนุมัติคำขอของคุณแล้ว" in answers["A"].subject
    assert answers["I"].body.startswith("Creator i0 approved request")


# -- the race ---------------------------------------------------------------------------------


@pytest.mark.pg
def test_two_sessions_racing_leave_one_pending_request(pg_state_url: str) -> None:
    """Session 1 checks and inserts but has not committed; session 2, asking for the same
    pair, must wait for it and then find the request pending — not insert a second."""
    clock = Clock(T0)
    with StateStore.open(pg_state_url, clock=clock) as state:
        outcome: dict[str, object] = {}

        def second() -> None:
            try:
                outcome["id"] = request(state)
            except RequestRefused as exc:
                outcome["refused"] = str(exc)

        with state.session() as session:
            first = Consent(session).request(pair(), MARCH, actor="agency-a").request_id
            racer = threading.Thread(target=second)
            racer.start()
            time.sleep(0.5)
            assert racer.is_alive(), "the second request did not wait for the first"
        racer.join(timeout=10)
        assert not racer.is_alive()
        assert "id" not in outcome
        assert f"request {first} to creator c0 is still pending" in str(outcome["refused"])
        assert counts(state)[0] == 1


# -- the platform's (imported) rows ------------------------------------------------------------

#: Approved on the platform on 2024-02-02 for March, before any tierwise request.
IMPORTED = Authorization(
    "imp-9",
    "A",
    "c0",
    datetime(2024, 2, 1, tzinfo=UTC),
    MARCH.first,
    MARCH.last,
    responded_at=datetime(2024, 2, 2, tzinfo=UTC),
    response="approved",
)


def test_an_imported_approval_is_listed_and_revoked_in_place(
    state: StateStore, clock: Clock
) -> None:
    with state.session() as session:
        listed = Consent(session, imported=[IMPORTED]).find(creator_id="c0")
    assert [(v.request_id, v.status, v.source) for v in listed] == [
        ("imp-9", "approved", "imported")
    ]
    clock.at = datetime(2024, 3, 20, 3, 0, tzinfo=UTC)  # 10:00 on 03-20 in Bangkok
    with state.session() as session:
        consent = Consent(session, partner_markets=MARKETS, imported=[IMPORTED])
        assert consent.revoke("imp-9", creator_id="c0", actor="creator-c0").status == "revoked"
    with state.session() as session:
        stored = Consent(session).rows_of_pair("A", "c0")
        entry = AuditLog(session).entries()[-1]
    # The workflow keeps the import's row with the revocation added, audited and told.
    assert stored == (replace(IMPORTED, revoked_at=clock.at, revoked_by="creator"),)
    assert (entry.action, entry.object) == ("compass_revoke", "compass/imp-9")
    told = messages(state)[-1]
    assert (told.partner_id, told.kind) == ("A", "compass_revoked")
    # Both rows together: the stored one counts (revoked 03-20: gone as of 03-21).
    p = Pair("A", "c0", "TH", "TH", pair().windows, tuple(merged([IMPORTED, *stored])))
    assert visible_days(p, date(2024, 3, 21)).ranges == ()
    assert visible_days(p, date(2024, 3, 20)).ranges == (
        DayRange(date(2024, 3, 1), date(2024, 3, 19)),
    )


def test_an_imported_pending_request_is_answered_like_the_workflows(
    state: StateStore, clock: Clock
) -> None:
    asked = replace(IMPORTED, request_id="imp-10", responded_at=None, response=None)
    clock.at = datetime(2024, 2, 3, tzinfo=UTC)  # 48 h after it was made: still pending
    with state.session() as session:
        consent = Consent(session, partner_markets=MARKETS, imported=[asked])
        assert consent.decline("imp-10", creator_id="c0", actor="creator-c0").status == "declined"
    with state.session() as session:
        again = Consent(session, imported=[asked])
        assert again.get("imp-10", creator_id="c0").status == "declined"
        with pytest.raises(RequestNotFound):
            again.get("imp-10", creator_id="c1")


def test_merging_keeps_the_furthest_row_and_refuses_contradictions() -> None:
    revoked = replace(IMPORTED, revoked_at=datetime(2024, 3, 5, tzinfo=UTC), revoked_by="creator")
    assert merged([IMPORTED, revoked]) == [revoked]
    assert merged([revoked, IMPORTED]) == [revoked]
    assert merged([IMPORTED, IMPORTED]) == [IMPORTED]
    other = replace(IMPORTED, period_to=date(2024, 3, 30))
    with pytest.raises(CompassError, match="'imp-9' is given twice with contradictory"):
        merged([IMPORTED, other])
    later = replace(revoked, revoked_at=datetime(2024, 3, 6, tzinfo=UTC))
    with pytest.raises(CompassError, match="contradictory"):
        merged([revoked, later])
