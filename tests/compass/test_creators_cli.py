"""`tierwise compass creators` (compass.md §3) on small hand-built worlds: every rule of
compass.md §1 seen through the command, the metrics of §3, and the three refusals.

The partner is in TH: Bangkok is UTC+7 all year, so a local day starts at 17:00Z the day
before. THB is worth 0.0285 USD in every world (fx_rates), so 1,000 THB = 28.50 USD.
Each expectation is worked out in the comment above it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from typer.testing import CliRunner

import tierwise.cli.compass_analytics  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.testing.world import World

BK = ZoneInfo("Asia/Bangkok")
P = "tsp-th-1"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIERWISE_DB", raising=False)
    monkeypatch.setenv("TIERWISE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def bk(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    """An instant given in Bangkok local time."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BK)


def d(month: int, day: int, year: int = 2024) -> date:
    return date(year, month, day)


class Compass:
    """A World in a store file with a TH partner and the Data Compass tables a test needs."""

    def __init__(self, tmp_path: Path, name: str = "compass") -> None:
        self.path = tmp_path / f"{name}.duckdb"
        self.w = World(duckdb.connect(str(self.path)))
        self.w.partner(P, kind="tsp", market="TH")
        self.w.fx("THB", "0.0285")
        self._requests = 0

    def creator(
        self,
        creator_id: str,
        *windows: tuple[date, date | None],
        region: str = "TH",
        partner_id: str = P,
    ) -> str:
        self.w.creator(creator_id, region=region)
        for started, ended in windows or ((d(1, 1, 2020), None),):
            self.w.bind(partner_id, creator_id, "content", started, ended, "creator")
        return creator_id

    def authorize(
        self,
        creator_id: str,
        period: tuple[date, date],
        responded_at: datetime | None,
        *,
        response: str | None = "approved",
        requested_at: datetime | None = None,
        revoked_at: datetime | None = None,
        revoked_by: str | None = None,
        partner_id: str = P,
    ) -> None:
        self._requests += 1
        asked = requested_at or (
            responded_at - timedelta(hours=1) if responded_at else datetime(2024, 1, 1, tzinfo=UTC)
        )
        self.w.add(
            "authorizations",
            request_id=f"R{self._requests}",
            partner_id=partner_id,
            creator_id=creator_id,
            requested_at=asked,
            period_from=period[0],
            period_to=period[1],
            responded_at=responded_at,
            response=response if responded_at else None,
            revoked_at=revoked_at,
            revoked_by=revoked_by,
        )

    def sale(self, creator_id: str, paid_at: datetime, thb: str = "1000", **kw: Any) -> None:
        self.w.order(paid_at, thb, creator_id=creator_id, currency="THB", **kw)

    def run(self, first: date, last: date, as_of: date, *extra: str) -> Any:
        self.w.con.close()
        return runner.invoke(
            app,
            [
                "compass",
                "creators",
                "--partner",
                P,
                "--from",
                first.isoformat(),
                "--to",
                last.isoformat(),
                "--as-of",
                as_of.isoformat(),
                "--db",
                str(self.path),
                "--format",
                "json",
                *extra,
            ],
        )


def creators(result: Any) -> dict[str, dict[str, Any]]:
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    return {c["creator_id"]: c for c in doc["creators"]}


MARCH = (d(3, 1), d(3, 31))


# --- the shape ---------------------------------------------------------------------------


def test_the_json_shape_key_order_and_metrics(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.creator("c2")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    # c1, visible 03-01..03-30 as of 03-31:
    #   1000 THB refunded 100 → 28.50 USD, refund 2.85; 250 THB → 7.125 USD.
    #   gmv 28.50 + 7.125 = 35.625 → 35.63 (to the cent, half up); refunds 2.85; 2 orders.
    c.sale("c1", bk(d(3, 5)), "1000", refund="100")
    c.sale("c1", bk(d(3, 6)), "250")
    # not counted: abnormal, unpaid, another creator's, paid on 03-31 (not ≤ D − 1)
    c.sale("c1", bk(d(3, 7)), "5000", abnormal=True)
    c.w.order(None, "5000", creator_id="c1", currency="THB")
    c.sale("c2", bk(d(3, 7)), "5000")
    c.sale("c1", bk(d(3, 31)), "5000")
    # one livestream started 03-02, one started 02-29 (outside the range); videos of any
    # status posted 03-03 (active) and 03-04 (deleted) → 2
    c.w.live("c1", bk(d(3, 2)), bk(d(3, 2), 14))
    c.w.live("c1", bk(d(2, 29)), bk(d(2, 29), 14))
    c.w.video("c1", bk(d(3, 3)))
    c.w.video("c1", bk(d(3, 4)), status="deleted")
    result = c.run(d(3, 1), d(3, 30), d(3, 31))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["partner_id", "from", "to", "as_of", "creators"]
    assert (doc["partner_id"], doc["from"], doc["to"], doc["as_of"]) == (
        P,
        "2024-03-01",
        "2024-03-30",
        "2024-03-31",
    )
    assert [c["creator_id"] for c in doc["creators"]] == ["c1", "c2"]
    c1, c2 = doc["creators"]
    assert list(c1) == ["creator_id", "handle", "authorized", "visible_days", "metrics"]
    assert c1["handle"] == "c1" and c1["authorized"] is True and c1["visible_days"] == 30
    assert list(c1["metrics"]) == ["gmv", "refunds", "orders", "livestreams", "videos"]
    assert c1["metrics"] == {
        "gmv": 35.63,
        "refunds": 2.85,
        "orders": 2,
        "livestreams": 1,
        "videos": 2,
    }
    assert isinstance(c1["metrics"]["orders"], int)
    # c2 never asked: its public part only, never a number (its 5000 THB is nowhere)
    assert c2 == {
        "creator_id": "c2",
        "handle": "c2",
        "authorized": False,
        "visible_days": 0,
        "metrics": None,
    }


def test_an_authorized_creator_with_nothing_sold_has_zeros_not_null(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    got = creators(c.run(d(3, 1), d(3, 10), d(3, 31)))["c1"]
    zeros = {"gmv": 0.0, "refunds": 0.0, "orders": 0, "livestreams": 0, "videos": 0}
    assert (got["authorized"], got["visible_days"], got["metrics"]) == (True, 10, zeros)


def test_table_format_prints_public_part_and_dashes(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.creator("c2")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    c.sale("c1", bk(d(3, 5)), "1000")
    result = c.run(d(3, 1), d(3, 10), d(3, 31), "--format", "table")
    assert result.exit_code == 0, result.output
    assert "28.50" in result.stdout and "c2" in result.stdout and "—" in result.stdout


# --- rule 1: an approval in force; history at once, the approval day the next day -------


def test_history_shows_at_once_and_the_approval_day_the_next_day(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    # approved 2024-03-10 10:00 Bangkok: A = 03-10
    c.authorize("c1", MARCH, bk(d(3, 10), 10))
    c.sale("c1", bk(d(3, 9)), "1000")  # 28.50
    c.sale("c1", bk(d(3, 10)), "2000")  # 57.00
    c.w.con.close()
    # as of 03-09: no approval yet → not authorized
    before = creators(c.run(d(3, 1), d(3, 30), d(3, 9)))["c1"]
    assert (before["authorized"], before["visible_days"], before["metrics"]) == (False, 0, None)
    # as of 03-10: 03-01..03-09 → 9 days, the 03-09 sale only
    on_a = creators(c.run(d(3, 1), d(3, 30), d(3, 10)))["c1"]
    assert on_a["visible_days"] == 9
    assert (on_a["metrics"]["gmv"], on_a["metrics"]["orders"]) == (28.5, 1)
    # as of 03-11: 03-01..03-10 → 10 days, both sales: 85.50
    after = creators(c.run(d(3, 1), d(3, 30), d(3, 11)))["c1"]
    assert after["visible_days"] == 10
    assert (after["metrics"]["gmv"], after["metrics"]["orders"]) == (85.5, 2)


@pytest.mark.parametrize("by", ["creator", "partner"])
def test_revoked_shows_on_the_day_and_is_gone_the_next(tmp_path: Path, by: str) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    # approved 02-20; revoked (or withdrawn) 2024-03-20 10:00 Bangkok: R = 03-20
    c.authorize("c1", MARCH, bk(d(2, 20)), revoked_at=bk(d(3, 20), 10), revoked_by=by)
    c.sale("c1", bk(d(3, 19)), "1000")
    # as of 03-20: still in force → 03-01..03-19, 19 days, the sale seen
    on_r = creators(c.run(d(3, 1), d(3, 30), d(3, 20)))["c1"]
    assert (on_r["visible_days"], on_r["metrics"]["orders"]) == (19, 1)
    # as of 03-21: gone, even the days seen the day before
    gone = creators(c.run(d(3, 1), d(3, 30), d(3, 21)))["c1"]
    assert (gone["authorized"], gone["visible_days"], gone["metrics"]) == (False, 0, None)


def test_declined_expired_and_late_answers_grant_nothing(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    for cid in ("declined", "expired", "late", "pending"):
        c.creator(cid)
        c.sale(cid, bk(d(3, 5)), "1000")
    asked = datetime(2024, 2, 1, tzinfo=UTC)
    c.authorize("declined", MARCH, bk(d(2, 2)), response="declined", requested_at=asked)
    # never answered, asked 02-01 → expired 02-08
    c.authorize("expired", MARCH, None, requested_at=asked)
    # answered exactly 168 h after the request: no effect
    c.authorize("late", MARCH, asked + timedelta(hours=168), requested_at=asked)
    # asked 03-25, unanswered as of 03-31: still pending
    c.authorize("pending", MARCH, None, requested_at=datetime(2024, 3, 25, tzinfo=UTC))
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))
    for cid in ("declined", "expired", "late", "pending"):
        assert (got[cid]["authorized"], got[cid]["metrics"]) == (False, None), cid


def test_an_answer_one_second_before_expiry_counts(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    asked = datetime(2024, 2, 1, tzinfo=UTC)
    c.authorize("c1", MARCH, asked + timedelta(hours=168, seconds=-1), requested_at=asked)
    c.sale("c1", bk(d(3, 5)), "1000")
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    assert (got["visible_days"], got["metrics"]["gmv"]) == (30, 28.5)


# --- rule 2: the requested period and the contract windows ------------------------------


def test_only_the_requested_period_is_visible(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    # requested 03-05..03-12 → 8 days of the range 03-01..03-30
    c.authorize("c1", (d(3, 5), d(3, 12)), bk(d(2, 20)))
    c.sale("c1", bk(d(3, 4)), "9000")  # before the period
    c.sale("c1", bk(d(3, 12)), "1000")  # last day of the period: 28.50
    c.sale("c1", bk(d(3, 13)), "9000")  # after it
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    assert (got["visible_days"], got["metrics"]["gmv"], got["metrics"]["orders"]) == (8, 28.5, 1)


def test_the_seeds_contract_windows(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    # signed 2020-05-01, ended 2020-07-01 (exclusive), signed again 2021-07-01
    c.creator("c1", (d(5, 1, 2020), d(7, 1, 2020)), (d(7, 1, 2021), None))
    c.authorize("c1", (d(1, 1, 2020), d(12, 31, 2030)), bk(d(3, 1, 2020)))
    c.sale("c1", bk(d(6, 30, 2020)), "1000")  # last day of the first window: seen
    c.sale("c1", bk(d(7, 1, 2020)), "9000")  # the first day of the gap: never
    c.sale("c1", bk(d(6, 30, 2021)), "9000")  # the last day of the gap: never
    c.sale("c1", bk(d(7, 1, 2021)), "2000")  # first day of the second window: seen
    c.w.con.close()
    # as of 2020-08-01, range 06-15..07-14: window days 06-15..06-30 → 16 days, 28.50
    first = creators(c.run(d(6, 15, 2020), d(7, 14, 2020), d(8, 1, 2020)))["c1"]
    assert (first["visible_days"], first["metrics"]["gmv"]) == (16, 28.5)
    # as of 2021-07-10, range 06-20..07-09: 07-01..07-09 → 9 days, the gap shows nothing: 57.00
    second = creators(c.run(d(6, 20, 2021), d(7, 9, 2021), d(7, 10, 2021)))["c1"]
    assert (second["visible_days"], second["metrics"]["gmv"]) == (9, 57.0)
    # as of 2021-03-01, range 2021-02-01..02-28: inside the gap → not even listed
    # (no contract window overlaps the range)
    gap = c.run(d(2, 1, 2021), d(2, 28, 2021), d(3, 1, 2021))
    assert creators(gap) == {}


def test_listed_creators_are_those_with_a_window_overlapping_the_range(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("a-ended", (d(1, 1), d(3, 1)))  # ends (exclusive) on 03-01: not in 03-01..
    c.creator("b-last-day", (d(1, 1), d(3, 2)))  # bound on 03-01 only
    c.creator("c-later", (d(3, 30), None))  # starts on the range's last day
    c.creator("d-after", (d(3, 31), None))  # starts after the range
    c.creator("e-other", partner_id=_other_partner(c))  # bound to another partner only
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))
    assert list(got) == ["b-last-day", "c-later"]


def _other_partner(c: Compass) -> str:
    c.w.partner("tsp-th-2", kind="tsp", market="TH")
    return "tsp-th-2"


def test_another_partners_approval_grants_nothing(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    other = _other_partner(c)
    c.creator("c1")
    c.w.bind(other, "c1", "content", d(1, 1, 2020), None, "creator")
    c.authorize("c1", MARCH, bk(d(2, 20)), partner_id=other)
    c.sale("c1", bk(d(3, 5)), "1000")
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    assert (got["authorized"], got["metrics"]) == (False, None)


def test_approvals_in_force_add_up(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    # 03-01..03-05 and 03-06..03-08 → 03-01..03-08; 03-20..03-25 as well → 8 + 6 = 14 days
    c.authorize("c1", (d(3, 1), d(3, 5)), bk(d(2, 20)))
    c.authorize("c1", (d(3, 6), d(3, 8)), bk(d(2, 21)))
    c.authorize("c1", (d(3, 20), d(3, 25)), bk(d(2, 22)))
    for day in (5, 6, 15, 25):  # 03-15 is in no period
        c.sale("c1", bk(d(3, day)), "1000")
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    assert (got["visible_days"], got["metrics"]["orders"], got["metrics"]["gmv"]) == (
        14,
        3,
        85.5,
    )


# --- rule 3: X ≤ D − 1 ------------------------------------------------------------------


def test_days_from_as_of_on_are_not_visible(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    c.sale("c1", bk(d(3, 14)), "1000")
    c.sale("c1", bk(d(3, 15)), "9000")  # today: not complete yet
    # as of 03-15, range 03-01..03-30 → 03-01..03-14, 14 days
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 15)))["c1"]
    assert (got["visible_days"], got["metrics"]["gmv"]) == (14, 28.5)


# --- rule 4: six months -----------------------------------------------------------------


def test_six_months_clamped_to_the_months_end(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", (d(1, 1), d(12, 31)), bk(d(1, 2)))
    c.sale("c1", bk(d(2, 29)), "1000")
    c.w.con.close()
    # D = 2024-08-31 → the horizon starts 2024-02-29: 02-29..03-29 is allowed, 30 days
    got = creators(c.run(d(2, 29), d(3, 29), d(8, 31)))["c1"]
    assert (got["visible_days"], got["metrics"]["gmv"]) == (30, 28.5)
    # 02-28 reaches before it: refused
    refused = c.run(d(2, 28), d(3, 28), d(8, 31))
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "2024-02-29" in refused.stderr


# --- rule 5: excluded regions -----------------------------------------------------------


def test_a_creator_of_an_excluded_region_is_never_visible(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("us1", region="US")
    c.authorize("us1", MARCH, bk(d(2, 20)))  # approved, yet never visible
    c.sale("us1", bk(d(3, 5)), "1000")
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["us1"]
    assert got == {
        "creator_id": "us1",
        "handle": "us1",
        "authorized": False,
        "visible_days": 0,
        "metrics": None,
    }


# --- local days: the partner's market time zone, around midnight ------------------------


def test_orders_count_by_the_local_day_around_midnight(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    # requested period 03-10..03-10 only
    c.authorize("c1", (d(3, 10), d(3, 10)), bk(d(2, 20)))
    c.sale("c1", datetime(2024, 3, 9, 16, 59, 59, tzinfo=UTC), "9000")  # 03-09 23:59:59 BK
    c.sale("c1", datetime(2024, 3, 9, 17, 0, 0, tzinfo=UTC), "1000")  # 03-10 00:00:00 BK
    c.sale("c1", datetime(2024, 3, 10, 16, 59, 59, tzinfo=UTC), "2000")  # 03-10 23:59:59 BK
    c.sale("c1", datetime(2024, 3, 10, 17, 0, 0, tzinfo=UTC), "9000")  # 03-11 00:00:00 BK
    c.w.live("c1", datetime(2024, 3, 9, 17, 30, tzinfo=UTC), None)  # 03-10 00:30 BK
    c.w.video("c1", datetime(2024, 3, 9, 16, 30, tzinfo=UTC))  # 03-09 23:30 BK
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    # 1 visible day; 1000 + 2000 THB = 85.50 USD; the live counts, the video does not
    assert got["visible_days"] == 1
    assert got["metrics"] == {
        "gmv": 85.5,
        "refunds": 0.0,
        "orders": 2,
        "livestreams": 1,
        "videos": 0,
    }


@pytest.mark.parametrize(
    ("responded_at", "visible_as_of_0310"),
    [
        (datetime(2024, 3, 10, 16, 30, tzinfo=UTC), 9),  # 23:30 BK on 03-10: A = 03-10
        (datetime(2024, 3, 10, 17, 30, tzinfo=UTC), 0),  # 00:30 BK on 03-11: A = 03-11
    ],
)
def test_an_approval_near_midnight_counts_on_its_local_day(
    tmp_path: Path, responded_at: datetime, visible_as_of_0310: int
) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, responded_at)
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 10)))["c1"]
    assert got["visible_days"] == visible_as_of_0310


# --- money ------------------------------------------------------------------------------


def test_usd_orders_are_not_converted_and_rates_change_at_local_midnight(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    # THB 0.0285 until 03-15, 0.03 from 03-15 (Bangkok midnight = 03-14 17:00Z)
    c.w.fx("THB", "0.03", d(3, 15))
    c.w.order(bk(d(3, 5)), "10.50", creator_id="c1", currency="USD")  # 10.50
    c.sale("c1", bk(d(3, 14), 23, 59), "1000")  # 03-14 local: 28.50
    c.sale("c1", bk(d(3, 15), 0, 1), "1000")  # 03-15 local: 30.00
    got = creators(c.run(d(3, 1), d(3, 30), d(3, 31)))["c1"]
    assert (got["metrics"]["gmv"], got["metrics"]["orders"]) == (69.0, 3)


def test_an_order_no_rate_converts_is_refused(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    c.w.order(bk(d(3, 5)), "100", creator_id="c1", currency="VND")
    result = c.run(d(3, 1), d(3, 30), d(3, 31))
    assert result.exit_code == 1 and result.stdout == ""
    assert "VND" in result.stderr and "2024-03-05" in result.stderr


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "as_of", "says"),
    [
        (d(3, 1), d(3, 31), d(4, 2), "31 days"),  # 31 days
        (d(3, 2), d(3, 1), d(4, 2), "before it starts"),  # to < from
        (d(10, 1, 2023), d(10, 30, 2023), d(4, 2), "6 months"),  # before 2023-10-02
    ],
)
def test_refusals_exit_1_with_a_message_and_no_output(
    tmp_path: Path, first: date, last: date, as_of: date, says: str
) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", (d(1, 1, 2023), d(12, 31)), bk(d(1, 2, 2023)))
    result = c.run(first, last, as_of)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert says in " ".join(result.stderr.split())


def test_thirty_days_is_allowed(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.creator("c1")
    c.authorize("c1", MARCH, bk(d(2, 20)))
    got = creators(c.run(d(3, 1), d(3, 30), d(4, 2)))["c1"]
    assert got["visible_days"] == 30


def test_an_unknown_partner_is_refused(tmp_path: Path) -> None:
    c = Compass(tmp_path)
    c.w.con.close()
    result = runner.invoke(
        app,
        ["compass", "creators", "--partner", "nobody", "--from", "2024-03-01", "--to",
         "2024-03-02", "--as-of", "2024-03-05", "--db", str(c.path), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 1 and result.stdout == ""
    assert "nobody" in result.stderr
