"""`POST /api/v1/events` on both engines: the signature and its window, idempotency,
late events, malformed bodies, batches — and that a refused request stores nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.live.conftest import URL, body_of, minute, post, signed
from tierwise.db.models import LIVE_EVENT_KINDS, LiveEventRecord
from tierwise.live.events import KINDS
from tierwise.live.folding import fold
from tierwise.live.repository import LiveEvents
from tierwise.live.signing import SECRET_ENV, BadSignature, signature, verify
from tierwise.web.context import Portal

M1 = minute("m1", "L1", "2026-09-01T10:00:00Z", "2026-09-01T10:01:00Z", views=5, gmv="12.5")


def stored(portal: Portal) -> list[tuple[str, str]]:
    with portal.state.reading() as session:
        query = sa.select(LiveEventRecord.event_id, LiveEventRecord.body).order_by("seq")
        return [(str(i), str(b)) for i, b in session.execute(query)]


def days(portal: Portal) -> list[tuple[object, int]]:
    """Each day due for compaction, with the number of batches that marked it."""
    with portal.state.reading() as session:
        marks = LiveEvents(session).marks()
    return sorted((day, len(ids)) for day, ids in marks.items())


def test_the_kinds_of_the_models_are_those_the_table_allows() -> None:
    assert KINDS == LIVE_EVENT_KINDS


def test_a_signed_event_is_stored_before_the_answer(client: TestClient, portal: Portal) -> None:
    reply = post(client, M1)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"received": 1, "stored": 1, "duplicates": []}
    assert [i for i, _ in stored(portal)] == ["m1"]
    assert days(portal) == [(datetime(2026, 9, 1).date(), 1)]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        signed(body_of(M1), secret=b"another secret"),
        signed(body_of(M1) + b" "),  # signs other bytes
        {"Tierwise-Timestamp": "not a number", "Tierwise-Signature": "v1=00"},
    ],
    ids=["unsigned", "wrong-secret", "other-body", "bad-timestamp"],
)
def test_a_bad_signature_is_refused_with_401_and_nothing_stored(
    client: TestClient, portal: Portal, headers: dict[str, str]
) -> None:
    reply = client.post(URL, content=body_of(M1), headers=headers)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Tierwise-Signature")
    assert reply.headers["content-type"] == "application/problem+json"
    assert stored(portal) == []


# Half a minute beyond the window either way: the edge itself is `verify`'s own test; here a
# slow machine must not carry a request from the future back inside the window on its way.
@pytest.mark.parametrize("offset", [-330, 330], ids=["replayed-later", "from-the-future"])
def test_a_request_outside_the_five_minute_window_is_refused(
    client: TestClient, portal: Portal, offset: int
) -> None:
    """A captured request sent again 5 minutes later carries a valid signature of a stale
    timestamp: refused; within the window it passes."""
    reply = post(client, M1, at=time.time() + offset)
    assert reply.status_code == 401
    assert "300 s" in reply.json()["detail"]
    assert stored(portal) == []
    assert post(client, M1, at=time.time() - 270).status_code == 200


def test_a_duplicate_answers_200_and_changes_nothing(client: TestClient, portal: Portal) -> None:
    assert post(client, M1).status_code == 200
    before, versions = stored(portal), days(portal)
    # the same event again, spelt differently (another zone, another decimal spelling)
    again = M1 | {"at": "2026-09-01T12:01:00+02:00", "gmv": 12.50}
    reply = post(client, again)
    assert reply.status_code == 200
    assert reply.json() == {"received": 1, "stored": 0, "duplicates": ["m1"]}
    assert stored(portal) == before
    assert days(portal) == versions  # the batch stored nothing: no day to fold again


def test_an_id_reused_for_other_content_is_refused_whole(
    client: TestClient, portal: Portal
) -> None:
    assert post(client, M1).status_code == 200
    other = M1 | {"views": 6}
    fresh = minute("m2", "L1", "2026-09-01T10:01:00Z", "2026-09-01T10:02:00Z")
    reply = post(client, [fresh, other])
    assert reply.status_code == 409
    assert "'m1'" in reply.json()["detail"]
    assert [i for i, _ in stored(portal)] == ["m1"]  # m2 neither: the batch is one


def test_a_late_minute_updates_that_minute_and_never_a_newer_one(
    client: TestClient, portal: Portal
) -> None:
    """Minute 10:02 arrives first; then minute 10:01 (late) and an older count of 10:02
    (sent before the one stored, delivered after it)."""
    newest_0102 = minute("a", "L1", "2026-09-01T10:02:00Z", "2026-09-01T10:03:05Z", views=30)
    late_0101 = minute("b", "L1", "2026-09-01T10:01:00Z", "2026-09-01T10:02:01Z", views=20)
    older_0102 = minute("c", "L1", "2026-09-01T10:02:00Z", "2026-09-01T10:03:00Z", views=25)
    for doc in (newest_0102, late_0101, older_0102):
        assert post(client, doc).status_code == 200
    with portal.state.reading() as session:
        rows = fold(LiveEvents(session).of_subjects(["L1"]))["live_minutes"]
    assert [(r["minute"], r["views"]) for r in rows] == [
        (datetime(2026, 9, 1, 10, 1, tzinfo=UTC), 20),
        (datetime(2026, 9, 1, 10, 2, tzinfo=UTC), 30),
    ]


def test_a_batch_is_stored_in_one_request(client: TestClient, portal: Portal) -> None:
    batch = [
        M1,
        {
            "id": "s1",
            "kind": "stock.changed",
            "at": "2026-09-01T10:00:30Z",
            "product_id": "P1",
            "stock": 4,
        },
        {
            "id": "o1",
            "kind": "order.refunded",
            "at": "2026-09-02T00:00:01+00:00",
            "order_id": "O1",
            "refund_amount": "3.2",
            "currency": "USD",
        },
    ]
    reply = post(client, batch)
    assert reply.json() == {"received": 3, "stored": 3, "duplicates": []}
    assert sorted(i for i, _ in stored(portal)) == ["m1", "o1", "s1"]
    assert sorted(days(portal)) == [
        (datetime(2026, 9, 1).date(), 1),
        (datetime(2026, 9, 2).date(), 1),
    ]
    reply = post(client, [M1, minute("m9", "L1", "2026-09-01T10:09:00Z", "2026-09-01T10:10:00Z")])
    assert reply.json() == {"received": 2, "stored": 1, "duplicates": ["m1"]}
    assert sorted(days(portal)) == [
        (datetime(2026, 9, 1).date(), 2),
        (datetime(2026, 9, 2).date(), 1),
    ]


def test_a_batch_is_stored_in_the_order_sent(client: TestClient, portal: Portal) -> None:
    """Stored order (`seq`) is the order sent, whatever the ids, a stored event skipped:
    z9, a1, m5 then, with m5 sent again between them, b2 and y0."""
    docs = {
        i: minute(i, "L1", f"2026-09-01T10:0{n}:00Z", f"2026-09-01T10:0{n}:30Z")
        for n, i in enumerate(["z9", "a1", "m5", "b2", "y0"])
    }
    assert post(client, [docs["z9"], docs["a1"], docs["m5"]]).json()["stored"] == 3
    reply = post(client, [docs["b2"], docs["m5"], docs["y0"]])
    assert reply.json() == {"received": 3, "stored": 2, "duplicates": ["m5"]}
    assert [i for i, _ in stored(portal)] == ["z9", "a1", "m5", "b2", "y0"]
    assert days(portal) == [(datetime(2026, 9, 1).date(), 2)]


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([M1, M1 | {"id": "m2", "gmv": "-1"}], "body.1.gmv"),
        (M1 | {"online_viewers": "many"}, "body.online_viewers"),
        (M1 | {"minute": "2026-09-01T10:00:30Z"}, "body.minute"),
        (M1 | {"at": "2026-09-01T10:01:00"}, "body.at"),  # no zone
        (M1 | {"currency": "XXX"}, "body.currency"),
        (M1 | {"kind": "live.paused"}, "body.kind"),
        ({k: v for k, v in M1.items() if k != "kind"}, "body.kind"),
        ({k: v for k, v in M1.items() if k != "live_id"}, "body.live_id"),
        (M1 | {"colour": "red"}, "body.colour"),
        ([], "body"),
    ],
    ids=[
        "negative-gmv",
        "text-count",
        "not-a-minute-start",
        "naive-time",
        "currency",
        "unknown-kind",
        "no-kind",
        "missing-field",
        "extra-field",
        "empty-batch",
    ],
)
def test_a_malformed_event_is_refused_with_problem_details_naming_the_field(
    client: TestClient, portal: Portal, doc: object, field: str
) -> None:
    reply = post(client, doc)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in reply.json()["errors"]]
    assert stored(portal) == []


def test_a_body_that_is_not_json_is_refused_naming_the_body(client: TestClient) -> None:
    body = b'{"id": "m1",'
    reply = client.post(URL, content=body, headers=signed(body))
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["body"]


def test_an_order_paid_before_it_was_created_is_refused(client: TestClient) -> None:
    order = {
        "id": "p1",
        "kind": "order.paid",
        "at": "2026-09-01T10:00:00Z",
        "order_id": "O1",
        "seller_id": "S1",
        "product_id": "P1",
        "channel": "live",
        "created_at": "2026-09-01T10:05:00Z",
        "amount": "10",
        "currency": "USD",
    }
    reply = post(client, order)
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["body.created_at"]


def test_without_a_secret_the_server_takes_no_events(
    client: TestClient, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV)
    reply = post(client, M1)
    assert reply.status_code == 401
    assert SECRET_ENV in reply.json()["detail"]
    assert stored(portal) == []


def test_amounts_are_stored_at_the_contract_scale(client: TestClient, portal: Portal) -> None:
    assert post(client, M1).status_code == 200
    with portal.state.reading() as session:
        (event,) = LiveEvents(session).of_subjects(["L1"])
    assert event.gmv == Decimal("12.5000")  # type: ignore[union-attr]
    assert str(event.gmv) == "12.5000"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("skew", "passes"), [(-300, True), (300, True), (-301, False), (301, False)]
)
def test_the_window_is_300_seconds_either_way(skew: int, passes: bool) -> None:
    """The edge, on a fixed clock: 300 s away is still inside, 301 s is not."""
    now, body, secret = 1_790_000_000, b"{}", b"s"
    stamp = str(now + skew)
    try:
        verify((secret,), stamp, signature(secret, stamp, body), body, now=float(now))
    except BadSignature:
        assert not passes
    else:
        assert passes
