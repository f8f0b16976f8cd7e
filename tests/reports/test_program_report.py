"""The operator's program report, the `tierwise report` command and the charts, on the
world of `conftest.py`. By hand: 2024-07 has A at V2 and B at V1; 2024-08 has A at V3
(held one step up) and B at V1 — so V2 loses one, V3 gains one, A moved up."""

from __future__ import annotations

import io
import re
from itertools import pairwise
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import tierwise.cli.report
from tests.reports.conftest import numbers_after, pdf_text
from tierwise.cli.app import app
from tierwise.core.periods import Period
from tierwise.definitions.registry import load_program
from tierwise.reports import program_file, program_report
from tierwise.reports.chart import HEIGHT, ChartPoint, history_chart
from tierwise.testing.portal import PortalSetup
from tierwise.web.i18n import MESSAGES

assert tierwise.cli.report

BUYIN = load_program("buyin-mcn")


def test_the_program_report_counts_levels_against_the_period_before(
    session: Session, tmp_path: Path
) -> None:
    names = {"A": "Agency A", "B": "Agency B"}
    report = program_report(session, BUYIN, Period.parse("2024-08"), "en", names=names)
    text = pdf_text(program_file(report, "pdf"), tmp_path)
    assert "Program report · Buyin MCN agency levels" in text
    assert "Partners: 2" in text
    # level: 2024-07, 2024-08, difference (in the table: the chart's axis names them too)
    table = "Previous (2024-07)"
    assert numbers_after(text, "V3", table) == ["0", "1", "+1"]
    assert numbers_after(text, "V2", table) == ["1", "0", "-1"]
    assert numbers_after(text, "V1", table) == ["1", "1", "+0"]
    assert numbers_after(text, "V5", table) == ["0", "0", "+0"]
    assert re.search(r"^\s*Agency A \(A\)\s+up\s+V2\s+V3\s*$", text, re.MULTILINE), text
    assert "Agency B (B)  " not in text  # B kept V1: not a mover


def test_the_first_published_period_has_nobody_to_compare_with(session: Session) -> None:
    report = program_report(session, BUYIN, Period.parse("2024-07"), "en")
    assert report.previous_period is None
    assert report.movers == []
    assert dict((lv, after) for lv, _, after in report.levels) == {
        None: 0,
        "V1": 1,
        "V2": 1,
        "V3": 0,
        "V4": 0,
        "V5": 0,
    }
    html = program_file(report, "html").decode()
    assert "No published period before this one" in html


def test_the_program_workbook(session: Session) -> None:
    report = program_report(session, BUYIN, Period.parse("2024-08"), "zh")
    book = load_workbook(io.BytesIO(program_file(report, "xlsx")), read_only=True)
    rows = {r[0]: r[1:] for r in book["Distribution"].iter_rows(min_row=2, values_only=True)}
    assert rows == {
        "none": (0, 0),
        "V1": (1, 1),
        "V2": (1, 0),
        "V3": (0, 1),
        "V4": (0, 0),
        "V5": (0, 0),
    }
    movers = list(book["Movers"].iter_rows(min_row=2, values_only=True))
    assert movers == [("A", "A", "up", "V2", "V3")]


def test_the_command_writes_the_report_and_refuses_what_is_not_published(
    world: PortalSetup, tmp_path: Path
) -> None:
    out = tmp_path / "a.xlsx"
    common = ["--state", world.state_url, "--db", str(world.db)]
    done = CliRunner().invoke(
        app,
        [
            *("report", "buyin-mcn", "--period", "2024-08", "--partner", "A"),
            *("--format", "xlsx", "--out", str(out), *common),
        ],
    )
    assert done.exit_code == 0, done.output
    book = load_workbook(out, read_only=True)
    fields = {r[0]: r[1] for r in book["Report"].iter_rows(min_row=2, values_only=True)}
    assert (fields["name"], fields["score"], fields["level"]) == ("A", 601, "V3")

    done = CliRunner().invoke(
        app,
        ["report", "buyin-mcn", "--period", "2024-08", "--format", "html", "--out", "-", *common],
    )
    assert done.exit_code == 0, done.output
    assert "Program report" in done.stdout

    refused = CliRunner().invoke(
        app, ["report", "buyin-mcn", "--period", "2024-09", "--partner", "A", *common]
    )
    assert refused.exit_code == 1
    assert "no published run for 2024-09" in refused.output
    unknown = CliRunner().invoke(
        app, ["report", "buyin-mcn", "--period", "2024-08", "--partner", "Z", *common]
    )
    assert unknown.exit_code == 1
    assert "no partner 'Z'" in unknown.output
    bad = CliRunner().invoke(
        app, ["report", "buyin-mcn", "--period", "2024-08", "--format", "doc", *common]
    )
    assert bad.exit_code == 2


def _path_commands(svg: str) -> list[str]:
    found = re.search(r'<path d="([^"]*)"', svg)
    assert found is not None
    return re.findall(r"[MVH][-\d. ]+", found.group(1))


@given(st.lists(st.integers(min_value=-1, max_value=4), min_size=1, max_size=12))
def test_the_history_is_a_step_per_period(ranks: list[int]) -> None:
    """Each period is one horizontal step at its level's height; the line only rises or
    falls at a boundary between periods (a vertical move), never inside one."""
    points = [ChartPoint(f"P{i}", rank, str(i)) for i, rank in enumerate(ranks)]
    chart = history_chart(points, ["V1", "V2", "V3", "V4", "V5"], "none", "history")
    commands = _path_commands(chart.svg)
    assert len(commands) == 2 * len(ranks)
    heights = []
    for i, command in enumerate(commands):
        if i == 0:
            assert command.startswith("M")
            heights.append(float(command.split()[1]))
        elif i % 2 == 0:
            assert command.startswith("V")
            heights.append(float(command[1:]))
        else:
            assert command.startswith("H")
    # A higher level is drawn higher (smaller y), the same level at the same height.
    steps = list(zip(ranks, heights, strict=True))
    for (r1, y1), (r2, y2) in pairwise(steps):
        assert (r1 < r2) == (y1 > y2) and (r1 == r2) == (y1 == y2)
    assert all(0 < y < HEIGHT for y in heights)
    # The axis names every level and "no level", in HTML beside the plot.
    assert [name for name, _ in chart.axis] == ["none", "V1", "V2", "V3", "V4", "V5"]


REPORTS = Path(__file__).parents[2] / "src" / "tierwise" / "reports"


def test_every_word_of_the_reports_is_in_english_chinese_and_thai() -> None:
    """The reports' templates and workbooks are outside the portal's page-word check (they
    carry their own style sheet, which pages may not): their words are checked here, in
    the three languages a report is written in, with the same placeholders."""
    used: set[str] = set()
    for template in (REPORTS / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'", template.read_text()))
    for module in REPORTS.glob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z0-9_]+)"', module.read_text()))
    prefixes = ("status_", "change_", "kind_", "trace_")
    used = {k for k in used if k not in prefixes}
    used |= {k for k in MESSAGES["en"] if k.startswith(prefixes)}
    assert "report_partner_title" in used and "report_movers" in used
    for lang in ("en", "zh", "th"):
        missing = sorted(used - set(MESSAGES[lang]))
        assert missing == [], (lang, missing)
        for key in used:
            assert MESSAGES[lang][key].count("{") == MESSAGES["en"][key].count("{"), (lang, key)
