"""A TSP's report: the shop-management world of `tests/test_program_tsp.py` (numbers worked
by hand there), with one 1 USD order a day from an unbound seller so the data gate passes,
run and published for 2024Q3. By hand, from there:

C: 5 sellers → [5, 15) → 10 points; 12,000 USD / 5 = 2,400 → 10; cancellation 0.40% → 7.5;
   late dispatch 2/124 = 1.613% → 7.5; returns, reviews and IPR clean → 10 + 10 + 10:
   65 → Certified, 15 points short of Premier (80); the award is valid the next quarter.
P: 15 sellers, 32,040 USD per seller, nothing bad → 100 → Premier.
Both registered for 2024Q3 (only registered TSPs are awarded).

The months July to September are also scored and published (`also_scored: [month]`):
September ends on the quarter's last day, so its windows and generation date are the
quarter's: C 65, P 100. August (past 30 days 08-02..08-31, past 90 days 06-03..08-31,
generated 2024-09-01):
C: 5 sellers → 10; no Shop Tab order in the window (c1's are live) → 0 USD → 0; only c1
   has orders: cancellation 1/125 = 0.8% → 0, late dispatch 4/124 = 3.2% → 0; returns,
   reviews clean → 10 + 10; c2's IPR violation occurred 09-01, after the window → 10:
   40 → no level.
P: 15 sellers → 20; p04's 400,000 USD Shop Tab order on 08-31 23:30 → 26,666.67 per seller
   → [2,400, 30,000) → 10; p04's one order is clean → 15 + 15 + 10 + 10; p01's severe IPR
   violation of 08-01 was revoked on 09-20, after August's generation date → counts → 0:
   80 → Premier reached (no award: months are scores only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.reports.conftest import numbers_after, pdf_text
from tests.test_program_tsp import build_shop
from tierwise.appeals.service import apply_appeals
from tierwise.core.errors import ReportError
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.registrations.repository import Registrations
from tierwise.reports import partner_file, partner_report, program_report
from tierwise.runs.repository import Runs
from tierwise.runs.service import record_run, record_scores
from tierwise.store import EventStore
from tierwise.testing.scenarios import export

SHOP = load_program("tts-th-tsp-shop")
Q3 = Period.parse("2024Q3")


@pytest.fixture(scope="module")
def tsp_state(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("tsp-report")
    w = build_shop()
    w.seller("x", market="TH")  # bound to nobody: only the gate sees its orders
    day = date(2024, 7, 1)
    while day < Q3.end:
        w.order(datetime(day.year, day.month, day.day, 6, tzinfo=UTC), "1", seller_id="x")
        day += timedelta(days=1)
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(export(w, folder / "data"))
    url = f"sqlite:///{folder / 'state.db'}"
    with StateStore.open(url) as state, EventStore.open(db, read_only=True) as events:
        with state.session() as session:
            for pid in ("C", "P"):
                Registrations(session).register(SHOP, pid, Q3, date(2024, 7, 1), "test")
        recorded = record_run(state, events.con, SHOP, Q3, Q3, actor="test", publish=True)
        months = record_scores(
            state,
            events.con,
            SHOP,
            Period.parse("2024-07"),
            Period.parse("2024-09"),
            actor="test",
            publish=True,
        )
    assert recorded.history.periods[0].gate.ok
    assert all(p.gate.ok for p in months.history.periods)
    return url


@pytest.fixture
def tsp_session(tsp_state: str) -> Iterator[Session]:
    with StateStore.open(tsp_state) as state, state.session() as opened:
        yield opened


def test_a_certified_tsp_reads_its_shops_performance_its_gap_and_its_award(
    tsp_session: Session, tmp_path: Path
) -> None:
    report = partner_report(tsp_session, SHOP, "C", Q3, "en", today=date(2024, 10, 15))
    text = pdf_text(partner_file(report, "pdf"), tmp_path)
    assert "Aggregated performance of your managed shops" in text
    assert re.search(r"^\s*Certified\s+65\s+assessed\s+new", text, re.MULTILINE), text
    assert numbers_after(text, "Sellers with fulfillment service") == ["5", "5", "15", "10"]
    assert numbers_after(text, "Average seller-fault cancellation rate")[-1] == "7.5"
    assert numbers_after(text, "Average late dispatch rate")[-1] == "7.5"
    assert numbers_after(text, "Total") == ["65"]
    assert "Premier · 15 points to go (from 80)" in text
    assert "Increased visibility through publicity banners in the Seller Center" in text
    award = re.search(r"^\s*Certified\s+2024Q3\s+2024-10-01 to 2024-12-31\s+in force", text, re.M)
    assert award, text


def test_a_premier_tsp_holds_the_highest_level(tsp_session: Session, tmp_path: Path) -> None:
    report = partner_report(tsp_session, SHOP, "P", Q3, "zh", today=date(2024, 10, 15))
    text = pdf_text(partner_file(report, "pdf"), tmp_path)
    assert "所管理店铺的汇总绩效" in text
    assert re.search(r"^\s*卓越\s+100\s", text, re.MULTILINE), text
    assert "您已处于最高等级。" in text
    assert numbers_after(text, "提供履约服务的商家数") == ["15", "15", "20"]


def test_monthly_scores_are_stored_and_published_without_awards(tsp_session: Session) -> None:
    runs = Runs(tsp_session)
    august = runs.published_run("tts-th-tsp-shop", "2024-08")
    september = runs.published_run("tts-th-tsp-shop", "2024-09")
    assert august is not None and september is not None
    assert (august.kind, september.kind) == ("scores", "scores")
    scored = {(r.partner_id, r.score, r.computed_level, r.level) for r in runs.results(august.id)}
    assert ("C", "40", None, None) in scored
    assert ("P", "80", "Premier", None) in scored
    assert {(r.partner_id, r.score) for r in runs.results(september.id)} >= {
        ("C", "65"),
        ("P", "100"),
    }
    assert runs.awards(august.id) == [] and runs.awards(september.id) == []
    # The quarter stays what the lifecycle, the dashboard and the awards read.
    latest = runs.latest_published("tts-th-tsp-shop")
    assert latest is not None and latest.period == "2024Q3"
    assert runs.published_before("tts-th-tsp-shop", date(2024, 10, 1)) == latest
    assert {
        pid: s.period
        for pid, s in runs.published_standings("tts-th-tsp-shop", "2024Q4").items()
        if pid in ("C", "P")
    } == {"C": Q3, "P": Q3}
    assert [h.period for h in runs.history("tts-th-tsp-shop", "C")] == ["2024Q3"]


def test_the_monthly_report_reads_the_published_scores_of_the_month(
    tsp_session: Session, tmp_path: Path
) -> None:
    report = partner_report(tsp_session, SHOP, "C", Period.parse("2024-09"), "en")
    assert (report.card.score, report.card.computed_level, report.card.level) == (
        "65",
        "Certified",
        None,
    )
    assert report.previous_period == "2024-08"
    assert [h["period"] for h in report.card.history] == ["2024-07", "2024-08", "2024-09"]
    rows = {r.metric: r for r in report.rows}
    assert (rows["avg_gmv_per_seller"].points, rows["avg_gmv_per_seller"].previous_points) == (
        10,
        0,
    )
    text = pdf_text(partner_file(report, "pdf"), tmp_path)
    assert "C · Period 2024-09" in text
    whole = program_report(tsp_session, SHOP, Period.parse("2024-08"), "en")
    assert whole.previous_period == "2024-07"
    counts = {level: after for level, _, after in whole.levels}
    assert counts["Premier"] >= 1 and counts[None] >= 1


def test_a_month_without_published_scores_is_refused_with_the_command(
    tsp_session: Session,
) -> None:
    """No scores run was stored for 2024-06: the report says how to store and publish one."""
    with pytest.raises(ReportError, match="no published scores for 2024-06") as refused:
        partner_report(tsp_session, SHOP, "C", Period.parse("2024-06"), "en")
    assert "tierwise run tts-th-tsp-shop --from 2024-06 --to 2024-06 --publish" in str(
        refused.value
    )


def test_appeals_leave_the_months_alone(tsp_state: str, tmp_path: Path) -> None:
    """Changed data (one more order, of a seller bound to nobody) makes every published
    period stale; appeals re-evaluate the quarter — nobody's score moves, so nothing is
    restated — and never the months, which have no level to restate."""
    w = build_shop()
    w.seller("y", market="TH")
    w.order(datetime(2024, 9, 3, 6, tzinfo=UTC), "1", seller_id="y")
    db = tmp_path / "changed.duckdb"
    with EventStore.open(db) as store:
        store.load(export(w, tmp_path / "data"))
    with StateStore.open(tsp_state) as state, EventStore.open(db, read_only=True) as events:
        assert apply_appeals(state, events.con, SHOP, actor="test", reason="appeal") == []
