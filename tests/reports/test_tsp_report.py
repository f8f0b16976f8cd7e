"""A TSP's report: the shop-management world of `tests/test_program_tsp.py` (numbers worked
by hand there), with one 1 USD order a day from an unbound seller so the data gate passes,
run and published for 2024Q3. By hand, from there:

C: 5 sellers → [5, 15) → 10 points; 12,000 USD / 5 = 2,400 → 10; cancellation 0.40% → 7.5;
   late dispatch 2/124 = 1.613% → 7.5; returns, reviews and IPR clean → 10 + 10 + 10:
   65 → Certified, 15 points short of Premier (80); the award is valid the next quarter.
P: 15 sellers, 32,040 USD per seller, nothing bad → 100 → Premier.
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
from tierwise.core.errors import ReportError
from tierwise.core.periods import Period
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.reports import partner_file, partner_report
from tierwise.runs.service import record_run
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
        recorded = record_run(state, events.con, SHOP, Q3, Q3, actor="test", publish=True)
    assert recorded.history.periods[0].gate.ok
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


def test_a_month_of_a_quarterly_program_is_refused_with_the_reason(tsp_session: Session) -> None:
    """The TSP definitions also score months (`also_scored: [month]`), but runs are stored by
    quarter: a monthly report would have to evaluate again, which a report never does."""
    with pytest.raises(ReportError, match="run and published by quarter") as refused:
        partner_report(tsp_session, SHOP, "C", Period.parse("2024-08"), "en")
    assert "tierwise evaluate tts-th-tsp-shop --period 2024-08" in str(refused.value)
