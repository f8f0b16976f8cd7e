"""'If the period ended today', worked by hand on 百应 (see tests/test_evaluate_cli.py for
the component points: settled GMV 0→0, 100k→50, 1M→100 points; settled orders 0→0,
1000→40, 10000→70; reputation 5 → 200; V2 from 300, rounded half up, so an unrounded
299.5 is enough)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tierwise.cli.projection
from tests.test_state_runs import new_run, result
from tests.web.test_unauthenticated import form_sign_in
from tierwise.accounts import Accounts, NewUser
from tierwise.cli.app import app as cli
from tierwise.db.engine import StateStore
from tierwise.definitions.registry import load_program
from tierwise.projection import project
from tierwise.runs.repository import Runs
from tierwise.server.app import create_app
from tierwise.testing.world import World
from tierwise.web.context import Portal

assert tierwise.cli.projection
SH = ZoneInfo("Asia/Shanghai")
BUYIN = load_program("buyin-mcn")
PASSWORD = "correct horse battery"


def world(path: Path, *, strong: bool) -> Path:
    """P1 with one bound creator of reputation 5; data through 2024-09-20 (Shanghai).
    weak: one 100k live order (and one refunded whole) → 50 + 0.04 + 200 = 250.04 → V1.
    strong: 1.3M showcase order, 50k refunded, one L5 author → 471 → V3."""
    w = World(duckdb.connect(str(path)))
    w.partner("P1", joined_on=date(2020, 1, 1))
    w.seller("S0")
    w.creator("c1")
    w.bind("P1", "c1")
    w.fact("c1", "reputation", 5, date(2024, 9, 1))
    if strong:
        w.fact("c1", "author_level", 5, date(2024, 9, 1))
        w.order(
            datetime(2024, 9, 20, 12, tzinfo=SH),
            "1300000",
            refund="50000",
            creator_id="c1",
            channel="showcase",
        )
    else:
        w.order(datetime(2024, 9, 10, 12, tzinfo=SH), "100000", creator_id="c1")
        w.order(datetime(2024, 9, 20, 12, tzinfo=SH), "0.01", creator_id="c1", refund="0.01")
    w.con.close()
    return path


def publish_july_v1(state: StateStore) -> None:
    """P1 held V1 after 2024-07 (a stored, published run)."""
    july = dataclasses.replace(
        new_run("2024-07"), results=(result("P1", "2024-07", "V1", score="250"),), awards=()
    )
    with state.session() as session:
        Runs(session).add(july)
    with state.session() as session:
        Runs(session).publish(july.id, "op", "july")


@pytest.fixture
def state(state_url: str) -> Iterator[StateStore]:
    with StateStore.open(state_url) as store:
        yield store


def test_a_first_level_and_what_the_days_left_need(tmp_path: Path, state: StateStore) -> None:
    con = duckdb.connect(str(world(tmp_path / "w.duckdb", strong=False)), read_only=True)
    projected = project(con, state, BUYIN)
    assert projected is not None
    p = projected.of("P1")
    assert p is not None
    assert (p.period, p.data_through, p.days_elapsed, p.days_left) == (
        "2024-09",
        date(2024, 9, 20),
        20,
        10,
    )
    # the second order is refunded whole, so not settled: 100,000 and one order
    assert (p.status, p.score, p.computed_level, p.level, p.change) == (
        "assessed",
        250,
        "V1",
        "V1",
        "new",
    )
    assert p.next_level == "V2"
    needs = {n.metric: n for n in p.needs}
    # 299.5 − 250.04 = 49.46 points: GMV alone 100,000 + 49.46 / 50 × 900,000 = 990,280
    gmv = needs["settled_gmv"]
    assert (gmv.current, gmv.target) == (100000.0, pytest.approx(990280.0))
    assert gmv.per_day == pytest.approx((990280 - 100000) / 10)
    # orders alone: 1000 gives 40 (39.96 more), then 9.5 points at 30 per 9,000 → 3,850
    orders = needs["settled_orders"]
    assert (orders.current, orders.target) == (1.0, pytest.approx(3850.0))
    assert orders.per_day == pytest.approx((3850 - 1) / 10)
    con.close()


def test_the_lifecycle_outcome_from_the_published_standing(
    tmp_path: Path, state: StateStore
) -> None:
    publish_july_v1(state)
    con = duckdb.connect(str(world(tmp_path / "w.duckdb", strong=True)), read_only=True)
    projected = project(con, state, BUYIN)
    assert projected is not None
    p = projected.of("P1")
    assert p is not None
    # 471 computes V3; 百应 moves up one step at a time: V1 → V2
    assert (p.score, p.computed_level, p.level, p.previous_level, p.change) == (
        471,
        "V3",
        "V2",
        "V1",
        "up",
    )
    assert projected.of("nobody") is None
    con.close()


def test_no_data_no_projection(tmp_path: Path, state: StateStore) -> None:
    w = World(duckdb.connect(str(tmp_path / "empty.duckdb")))
    w.partner("P1")
    assert project(w.con, state, BUYIN) is None


def test_the_cli_and_the_portal(tmp_path: Path) -> None:
    db = world(tmp_path / "w.duckdb", strong=False)
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    result_ = CliRunner().invoke(
        cli,
        ["project", "buyin-mcn", "P1", "--db", str(db), "--state", state_url, "--format", "json"],
    )
    assert result_.exit_code == 0, result_.output
    doc = json.loads(result_.stdout)
    assert (doc["kind"], doc["period"], doc["data_through"], doc["level"]) == (
        "projection",
        "2024-09",
        "2024-09-20",
        "V1",
    )
    text = CliRunner().invoke(
        cli, ["project", "buyin-mcn", "P1", "--db", str(db), "--state", state_url]
    )
    assert "projection of 2024-09 on the data through 2024-09-20" in text.stdout
    assert "e+" not in text.stdout  # no scientific notation
    refused = CliRunner().invoke(
        cli, ["project", "buyin-mcn", "P9", "--db", str(db), "--state", state_url]
    )
    assert refused.exit_code == 1 and "no projection for 'P9'" in refused.output

    portal = Portal.open(state_url, db)
    with portal.state.session() as session:
        Accounts(session).add(NewUser("p1", "P1 user", "partner", partner_id="P1"), PASSWORD)
    app = create_app(portal, close_portal=True)
    client = TestClient(app, follow_redirects=False)
    assert form_sign_in(client, "p1", PASSWORD).status_code == 303
    page = client.get("/partners/P1/programs/buyin-mcn/projection")
    assert page.status_code == 200
    assert 'data-testid="projection-label"' in page.text and "2024-09-20" in page.text
    assert 'data-testid="need-settled_gmv"' in page.text
    token = client.post("/api/v1/tokens", json={"login": "p1", "password": PASSWORD}).json()
    api = client.get(
        "/api/v1/partners/P1/programs/buyin-mcn/projection",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert api.status_code == 200 and api.json()["needs"][0]["metric"] == "settled_gmv"
    portal.close()


def test_an_agency_projected_into_observation_is_shown_the_status_alone(
    tmp_path: Path, state: StateStore
) -> None:
    """百应 withholds observation from the agency: no score, level or targets (an operator
    reads it whole)."""
    con = duckdb.connect(str(world(tmp_path / "w.duckdb", strong=False)), read_only=True)
    projected = project(con, state, BUYIN)
    assert projected is not None
    p = projected.of("P1")
    assert p is not None and p.as_shown_to_partner(BUYIN) == p  # assessed: nothing withheld
    observed = dataclasses.replace(p, status="observation")
    shown = observed.as_shown_to_partner(BUYIN)
    assert (shown.status, shown.score, shown.level, shown.computed_level) == (
        "observation",
        None,
        None,
        None,
    )
    assert (shown.next_level, shown.needs, shown.actions) == (None, (), ())
    con.close()
