"""A partner's report, read back from the PDF and the workbook, against numbers worked by
hand from `scenarios.buyin_three_months` (agency A) and `testing.portal` (agency B):

A 2024-07: reputation 4.0 → service 160; 20 authors ≥ L5 → 100; 12 live days → 50;
   no orders → 310 → V2.
A 2024-08: 20 authors × one 5,000 showcase good-goods order = settled GMV 100,000 → 50
   points, 20 settled orders → 20/1,000 × 40 = 0.8; authors 100, live 50; showcase
   share 1 → 80, author share 1 → 60, good goods 1 → 60; reputation 5 → 200.
   600.8 → 601, computed V5, held V3 (one step up from V2).
B: four creators of reputation 4.0 → service 160. 2024-07: one of them went live on one
   day, so live commitment is 1/4 day → 0.25 × 25/4 (0→0 to 4→25) = 1.5625 points:
   161.5625 → 162, V1.
   2024-08: 160 → V1, 140 short of V2 at 300.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.reports.conftest import numbers_after, pdf_fonts, pdf_text
from tierwise.core.errors import ReportError
from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.partners.catalog import PartnerInfo
from tierwise.reports import partner_file, partner_report

BUYIN = load_program("buyin-mcn")
AUGUST = Period.parse("2024-08")
A = PartnerInfo("A", "Agency A", "mcn", "CN", date(2024, 1, 1))


def test_the_pdf_holds_the_stored_numbers_of_the_period_and_the_one_before(
    session: Session, tmp_path: Path
) -> None:
    report = partner_report(session, BUYIN, "A", AUGUST, "en", partner=A, today=date(2024, 10, 1))
    text = pdf_text(partner_file(report, "pdf"), tmp_path)

    assert "Performance report · Agency A" in text
    assert "Period 2024-08" in text
    headline = re.search(r"^\s*V3\s+601\s+assessed\s+V5\s+up", text, re.MULTILINE)
    assert headline, text
    assert "was V2" in text
    # The history: both published months, newest first.
    assert re.search(r"^\s*2024-08\s+601\s+V3\s+assessed\s+up", text, re.MULTILINE)
    assert re.search(r"^\s*2024-07\s+310\s+V2\s+assessed\s+new", text, re.MULTILINE)
    # metric: value, points, then 2024-07's value and points
    assert numbers_after(text, "Settled GMV") == ["100,000", "50", "0", "0"]
    assert numbers_after(text, "Settled orders") == ["20", "0.8", "0", "0"]
    assert numbers_after(text, "Bound authors of level L5 or above") == ["20", "100", "20", "100"]
    assert numbers_after(text, "Showcase share of settled GMV") == ["1", "80", "0", "0"]
    assert numbers_after(text, "Average author reputation score") == ["5", "200", "4", "160"]
    # The total of the trace: 50 + 0.8 + 100 + 50 + 80 + 60 + 60 + 200 = 600.8, rounded 601.
    assert numbers_after(text, "Total") == ["600.8"]
    assert numbers_after(text, "Rounded") == ["601"]
    # V3's rights, from the definition.
    assert "Rights of V3" in text
    for right in ("Level shown on the Buyin agency workbench", "Creator management tools"):
        assert right in text


def test_a_partner_without_a_level_is_told_the_gap_and_the_level_s_rights(
    session: Session, tmp_path: Path
) -> None:
    report = partner_report(session, BUYIN, "B", AUGUST, "en")
    text = pdf_text(partner_file(report, "pdf"), tmp_path)
    assert re.search(r"^\s*V1\s+160\s+assessed", text, re.MULTILINE), text
    assert "140 points to go (from 300)" in text
    assert re.search(r"^\s*2024-07\s+162\s+V1", text, re.MULTILINE), text
    assert numbers_after(text, "Average author reputation score") == ["4", "160", "4", "160"]
    assert numbers_after(text, "Live commitment (live days per") == ["0", "0", "0.25", "1.56"]


def test_the_workbook_holds_the_same_numbers_as_numbers(session: Session) -> None:
    report = partner_report(session, BUYIN, "A", AUGUST, "en", partner=A)
    book = load_workbook(io.BytesIO(partner_file(report, "xlsx")), read_only=True)
    fields = {row[0]: row[1] for row in book["Report"].iter_rows(min_row=2, values_only=True)}
    assert fields["score"] == 601
    assert (fields["level"], fields["computed_level"], fields["previous_level"]) == (
        "V3",
        "V5",
        "V2",
    )
    metrics = {row[0]: row for row in book["Metrics"].iter_rows(min_row=2, values_only=True)}
    assert metrics["settled_gmv"][2] == 100_000
    assert metrics["settled_gmv"][4:] == (50, 0, 0)
    assert metrics["settled_orders"][4] == pytest.approx(0.8)
    assert metrics["avg_reputation"][2:] == (5, "service", 200, 4, 160)
    # A metric outside the scoring: its value and the previous one, no points.
    assert metrics["bound_authors"][2] == 20
    assert metrics["bound_authors"][5] == 20
    history = list(book["History"].iter_rows(min_row=2, values_only=True))
    assert history == [
        ("2024-07", 310, "V2", "assessed", "new"),
        ("2024-08", 601, "V3", "assessed", "up"),
    ]


@pytest.mark.parametrize(
    ("lang", "words", "font"),
    [
        ("zh", ["绩效报告", "周期 2024-08", "结算金额", "上期（2024-07）"], "Noto-Sans-CJK-SC"),
        ("th", ["งวด 2024-08", "ประเมินแล้ว", "คะแนน"], "Loma"),
    ],
)
def test_chinese_and_thai_reports_embed_fonts_that_have_the_glyphs(
    session: Session, tmp_path: Path, lang: str, words: list[str], font: str
) -> None:
    report = partner_report(session, BUYIN, "A", AUGUST, lang, partner=A)
    data = partner_file(report, "pdf")
    text = pdf_text(data, tmp_path)
    for word in words:
        assert word in text, word
    assert re.search(r"^\s*V3\s+601\s", text, re.MULTILINE), text
    fonts = pdf_fonts(data, tmp_path)
    assert font in fonts, fonts
    # Only the faces the report names: nothing fell through to fontconfig's fallback.
    named = {"DejaVu-Sans", "Noto-Sans-CJK-SC", "Loma"}
    assert {f.removesuffix("-Bold") for f in fonts} <= named, fonts


def test_only_the_published_run_is_reported(session: Session) -> None:
    with pytest.raises(ReportError, match="no published run for 2024-09"):
        partner_report(session, BUYIN, "A", Period.parse("2024-09"), "en")
    with pytest.raises(ReportError, match="not by quarter"):
        partner_report(session, BUYIN, "A", Period.parse("2024Q3"), "en")
    with pytest.raises(ReportError, match="T has no result"):
        partner_report(session, BUYIN, "T", AUGUST, "en")


def test_the_html_report_runs_no_script_and_draws_its_chart_inline(session: Session) -> None:
    report = partner_report(session, BUYIN, "A", AUGUST, "en", partner=A)
    html = partner_file(report, "html").decode()
    assert "<script" not in html
    assert html.count("<svg") == 1
    # The step line: July at V2 (rank 1), up to V3 (rank 2) at August's boundary.
    assert 'class="history-chart"' in html
