"""Operators see the SQL a program's evaluation runs (`GET /api/v1/programs/{id}/plan`): the
same query `explain --sql` prints, which pasted into DuckDB gives the period's numbers."""

from __future__ import annotations

import duckdb
import sqlglot
from fastapi.testclient import TestClient

from tests.web.conftest import TokenFor
from tierwise.testing.portal import PortalSetup


def test_an_operator_reads_the_plan_and_it_computes_the_period(
    client: TestClient, token_for: TokenFor, portal_setup: PortalSetup
) -> None:
    reply = client.get("/api/v1/programs/buyin-mcn/plan?period=2024-09", headers=token_for("op"))
    assert reply.status_code == 200, reply.text
    doc = reply.json()
    assert (doc["program"], doc["period"]) == ("buyin-mcn", "2024-09")
    sqlglot.parse_one(doc["sql"], read="duckdb")
    con = duckdb.connect(str(portal_setup.db), read_only=True)
    try:
        rows = con.sql(doc["sql"]).fetchall()
    finally:
        con.close()
    # The world has two agencies of the program (A and B; T is a TSP): one row each.
    assert sorted(r[0] for r in rows) == ["A", "B"]


def test_a_period_of_another_kind_is_refused_naming_the_field(
    client: TestClient, token_for: TokenFor
) -> None:
    reply = client.get("/api/v1/programs/buyin-mcn/plan?period=2024Q3", headers=token_for("op"))
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert "query.period" in reply.text


def test_partners_do_not_see_plans(client: TestClient, token_for: TokenFor) -> None:
    reply = client.get(
        "/api/v1/programs/buyin-mcn/plan?period=2024-09", headers=token_for("agency-a")
    )
    assert reply.status_code == 403
