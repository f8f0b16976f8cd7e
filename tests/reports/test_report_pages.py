"""The download buttons and their routes on the portal over the world of `conftest.py`:
a partner downloads its own report only (another partner's answers 404, as the guard
answers for any of its private pages), an operator the program report."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.reports.conftest import numbers_after, pdf_text
from tests.web.conftest import make_app
from tests.web.test_pages import sign_in
from tierwise.testing.portal import PortalSetup


@pytest.fixture(scope="module")
def app(world: PortalSetup) -> Iterator[FastAPI]:
    application = make_app(world)
    yield application
    application.state.portal.close()


@pytest.fixture(scope="module")
def agency_a(app: FastAPI) -> TestClient:
    return sign_in(app, "agency-a")


@pytest.fixture(scope="module")
def operator(app: FastAPI) -> TestClient:
    return sign_in(app, "op")


def test_the_dashboard_offers_the_report_of_the_period_it_shows(agency_a: TestClient) -> None:
    page = agency_a.get("/partners/A/dashboard?lang=en").text
    links = re.findall(
        r'href="(/partners/A/programs/buyin-mcn/report\.[a-z]+\?period=[^"]+)"', page
    )
    assert sorted(links) == [
        "/partners/A/programs/buyin-mcn/report.html?period=2024-08",
        "/partners/A/programs/buyin-mcn/report.pdf?period=2024-08",
        "/partners/A/programs/buyin-mcn/report.xlsx?period=2024-08",
    ]
    assert "Download the report (PDF)" in page


def test_a_partner_downloads_its_own_report(agency_a: TestClient, tmp_path: Path) -> None:
    reply = agency_a.get("/partners/A/programs/buyin-mcn/report.pdf?period=2024-08&lang=en")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"] == 'attachment; filename="buyin-mcn-2024-08-A.pdf"'
    text = pdf_text(reply.content, tmp_path)
    assert re.search(r"^\s*V3\s+601\s+assessed", text, re.MULTILINE), text
    assert numbers_after(text, "Settled GMV") == ["100,000", "50", "0", "0"]
    # Without a period: the latest published one (2024-09 is only a preview).
    latest = agency_a.get("/partners/A/programs/buyin-mcn/report.xlsx")
    assert latest.status_code == 200
    book = load_workbook(io.BytesIO(latest.content), read_only=True)
    fields = {r[0]: r[1] for r in book["Report"].iter_rows(min_row=2, values_only=True)}
    assert (fields["period"], fields["name"], fields["score"]) == ("2024-08", "A", 601)


def test_what_is_not_published_or_not_its_own_is_not_found(
    agency_a: TestClient, operator: TestClient
) -> None:
    assert agency_a.get("/partners/B/programs/buyin-mcn/report.pdf").status_code == 404
    assert (
        agency_a.get("/partners/A/programs/buyin-mcn/report.pdf?period=2024-09").status_code == 404
    )
    assert agency_a.get("/partners/A/programs/nope/report.pdf").status_code == 404
    # T is a TSP: the 百应 program does not grade it, even for an operator.
    assert operator.get("/partners/T/programs/buyin-mcn/report.html").status_code == 404
    assert agency_a.get("/partners/A/programs/buyin-mcn/report.doc").status_code == 422
    assert agency_a.get("/partners/A/programs/buyin-mcn/report.pdf?period=24").status_code == 422
    assert agency_a.get("/operator/programs/buyin-mcn/report.pdf").status_code == 403


def test_the_operator_downloads_the_program_report(operator: TestClient) -> None:
    page = operator.get("/operator/programs/buyin-mcn?lang=en").text
    assert 'href="/operator/programs/buyin-mcn/report.xlsx?period=2024-08"' in page
    # Each published period's own report from the periods table; none for the preview.
    for period in ("2024-07", "2024-08"):
        assert f'href="/operator/programs/buyin-mcn/report.pdf?period={period}"' in page
    assert "report.pdf?period=2024-09" not in page
    reply = operator.get("/operator/programs/buyin-mcn/report.xlsx?period=2024-08")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    movers = list(book["Movers"].iter_rows(min_row=2, values_only=True))
    assert movers == [("A", "A", "up", "V2", "V3")]
    html = operator.get("/operator/programs/buyin-mcn/report.html?lang=zh")
    assert html.status_code == 200
    assert "项目报告" in html.text
