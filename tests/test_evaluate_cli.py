"""`tierwise evaluate` and `tierwise explain` against a store file: the CLI contract's
output shapes and exit codes. Expected values are worked out by hand (see the comments)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
import sqlglot
from typer.testing import CliRunner

import tierwise.cli.evaluate  # noqa: F401  (registers the commands)
from tierwise.cli.app import app
from tierwise.definitions.registry import ENV_VAR
from tierwise.testing.world import World

SH = ZoneInfo("Asia/Shanghai")
BK = ZoneInfo("Asia/Bangkok")
runner = CliRunner()

BUYIN_METRICS = [
    "settled_gmv",
    "settled_orders",
    "authors_l5",
    "live_commitment",
    "showcase_gmv",
    "showcase_share",
    "bound_authors",
    "showcase_authors",
    "showcase_author_share",
    "good_goods_gmv",
    "good_goods_share",
    "avg_reputation",
    "credit_score",
    "worry_free_orders",
]


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("TIERWISE_DB", raising=False)
    monkeypatch.setenv("TIERWISE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def store(tmp_path: Path, name: str) -> tuple[World, Path]:
    path = tmp_path / f"{name}.duckdb"
    return World(duckdb.connect(str(path))), path


@pytest.fixture
def buyin_db(tmp_path: Path) -> Path:
    w, path = store(tmp_path, "buyin")
    # P1: 100k live order, reputation 5 → 50 + 0.04 + 200 = 250.04 → 250 → V1
    # P3: 1.25M showcase settled, one L5 author, reputation 5
    #     → 101.3889 + 0.04 + 30 + 80 + 60 + 200 = 471.4289 → 471 → V3
    # PN: joined this month → novice
    for pid, joined in (("P1", date(2020, 1, 1)), ("P3", date(2020, 1, 1))):
        w.partner(pid, joined_on=joined)
    w.partner("PN", joined_on=date(2024, 9, 2))
    w.seller("S0")  # the orders' seller, in CN (the data gate counts the market's orders)
    for pid in ("P1", "P3", "PN"):
        cid = f"{pid.lower()}c"
        w.creator(cid)
        w.bind(pid, cid)
        w.fact(cid, "reputation", 5, date(2024, 9, 1))
    w.order(datetime(2024, 9, 10, 12, tzinfo=SH), "100000", creator_id="p1c")
    w.fact("p3c", "author_level", 5, date(2024, 9, 1))
    w.order(
        datetime(2024, 9, 20, 12, tzinfo=SH),
        "1300000",
        refund="50000",
        creator_id="p3c",
        channel="showcase",
    )
    w.con.close()
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_json_matches_the_contract(buyin_db: Path) -> None:
    result = invoke(
        "evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(buyin_db), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["program"], doc["period"]) == ("buyin-mcn", "2024-09")
    by_id = {r["partner_id"]: r for r in doc["results"]}
    assert sorted(by_id) == ["P1", "P3", "PN"]
    for r in doc["results"]:
        assert {"partner_id", "status", "score", "level", "rank", "metrics", "next_level"} <= set(r)
        assert list(r["metrics"]) == BUYIN_METRICS  # every metric, by the definition's names
        assert r["rank"] is None  # 百应 does not rank
    p1, p3, pn = by_id["P1"], by_id["P3"], by_id["PN"]
    assert (p1["status"], p1["score"], p1["level"]) == ("assessed", 250, "V1")
    assert isinstance(p1["score"], int)  # 百应: the rounded integer
    assert p1["metrics"]["settled_gmv"] == 100000.0
    assert p1["metrics"]["settled_orders"] == 1
    assert p1["next_level"]["level"] == "V2"
    assert p1["next_level"]["gap"]["score"] == 50  # 300 − 250
    assert (p3["status"], p3["score"], p3["level"]) == ("assessed", 471, "V3")
    assert p3["next_level"] == {**p3["next_level"], "level": "V4"}
    assert p3["next_level"]["gap"]["score"] == 29  # 500 − 471
    assert (pn["status"], pn["level"]) == ("novice", None)


def test_csv_has_a_header_and_a_row_per_partner(buyin_db: Path) -> None:
    result = invoke(
        "evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(buyin_db), "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["partner_id", "status", "score", "level", "rank", *BUYIN_METRICS]
    body = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert sorted(body) == ["P1", "P3", "PN"]
    assert (body["P1"]["status"], body["P1"]["score"], body["P1"]["level"]) == (
        "assessed",
        "250",
        "V1",
    )
    assert (body["P3"]["score"], body["P3"]["level"]) == ("471", "V3")


def test_table_renders(buyin_db: Path) -> None:
    result = invoke("evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(buyin_db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "buyin-mcn" in out and "2024-09" in out
    for text in ("P1", "P3", "PN", "V1", "V3", "novice", "471"):
        assert text in out


def test_unknown_program_is_exit_1(buyin_db: Path) -> None:
    result = invoke(
        "evaluate",
        "no-such-program",
        "--period",
        "2024-09",
        "--db",
        str(buyin_db),
        "--format",
        "json",
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no-such-program" in result.stderr


def test_missing_store_is_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    result = invoke(
        "evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(missing), "--format", "json"
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nowhere.duckdb" in "".join(result.stderr.split())  # however the line wraps


def test_missing_data_folder_is_exit_1(tmp_path: Path) -> None:
    result = invoke(
        "evaluate",
        "buyin-mcn",
        "--period",
        "2024-09",
        "--data",
        str(tmp_path / "none"),
        "--format",
        "json",
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "none" in result.stderr


@pytest.mark.parametrize("period", ["2024-13", "2024Q5", "24-09", "September"])
def test_bad_period_is_a_usage_error(buyin_db: Path, period: str) -> None:
    result = invoke(
        "evaluate", "buyin-mcn", "--period", period, "--db", str(buyin_db), "--format", "json"
    )
    assert result.exit_code == 2
    assert result.stdout == ""


def test_bad_as_of_is_a_usage_error(buyin_db: Path) -> None:
    result = invoke(
        "evaluate",
        "buyin-mcn",
        "--period",
        "2024-09",
        "--db",
        str(buyin_db),
        "--as-of",
        "2024-10-32",
    )
    assert result.exit_code == 2
    assert result.stdout == ""


def test_explain_text(buyin_db: Path) -> None:
    result = invoke("explain", "buyin-mcn", "P3", "--period", "2024-09", "--db", str(buyin_db))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "P3" in out and "buyin-mcn" in out and "2024-09" in out
    assert "V3" in out and "471" in out
    assert "settled_gmv" in out  # the breakdown names the metrics
    assert "V4" in out  # the next level
    assert "score needed: 500 (29 more)" in " ".join(out.split())  # V4 starts at 500


def test_explain_json(buyin_db: Path) -> None:
    result = invoke(
        "explain",
        "buyin-mcn",
        "P1",
        "--period",
        "2024-09",
        "--db",
        str(buyin_db),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["partner_id"], doc["status"], doc["score"], doc["level"]) == (
        "P1",
        "assessed",
        250,
        "V1",
    )
    assert doc["metrics"]["settled_gmv"] == 100000.0
    # the trace carries each component's points: 100k settled → 50 points
    gmv = [t for t in doc["trace"] if t.get("metric") == "settled_gmv" and t["kind"] == "metric"]
    assert gmv and gmv[0]["points"] == 50


def test_explain_sql_prints_the_query_that_ran(
    buyin_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tierwise.evaluation.service as service

    ran: list[str] = []
    compile_plan = service.compile_plan

    def recording(*args: Any) -> str:
        ran.append(compile_plan(*args))
        return ran[-1]

    monkeypatch.setattr(service, "compile_plan", recording)
    result = invoke(
        "explain", "buyin-mcn", "P3", "--period", "2024-09", "--db", str(buyin_db), "--sql"
    )
    assert result.exit_code == 0, result.output
    sql = result.stdout.rstrip("\n")
    assert ran == [sql]
    sqlglot.parse_one(sql, read="duckdb")
    # Run by hand, it gives P3 the metrics `explain` explains: 1.25M settled showcase GMV.
    with duckdb.connect(str(buyin_db), read_only=True) as con:
        rel = con.sql(sql)
        rows = {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}
    assert sorted(rows) == ["P1", "P3", "PN"]
    assert rows["P3"]["settled_gmv"] == Decimal("1250000")
    assert rows["P3"]["showcase_share"] == Decimal("1")
    assert rows["P1"]["settled_gmv"] == Decimal("100000")


def test_explain_unknown_partner_is_exit_1(buyin_db: Path) -> None:
    result = invoke("explain", "buyin-mcn", "NOPE", "--period", "2024-09", "--db", str(buyin_db))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "NOPE" in result.stderr


@pytest.mark.parametrize("period", ["2024-11", "2024-08", "2025Q1"])
def test_a_period_outside_the_data_is_refused_not_graded_on_zero(
    buyin_db: Path, period: str
) -> None:
    """buyin_db's paid orders are on 2024-09-10 and 2024-09-20 (Shanghai): a month after,
    a month before or a later year's quarter would grade every agency on nothing."""
    if period == "2025Q1":
        result = invoke("evaluate", "buyin-mcn", "--period", period, "--db", str(buyin_db))
        assert result.exit_code == 2  # 百应 is monthly: a usage error before any data
        return
    for command in (
        ["evaluate", "buyin-mcn", "--period", period, "--db", str(buyin_db), "--format", "json"],
        ["explain", "buyin-mcn", "P1", "--period", period, "--db", str(buyin_db)],
    ):
        result = invoke(*command)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""
        said = " ".join(result.stderr.split())
        assert f"buyin-mcn {period}: the data has nothing for this period" in said
        assert "its paid orders run from 2024-09-10 to 2024-09-20" in said


def test_a_period_the_data_covers_in_part_says_so(buyin_db: Path) -> None:
    """Two of September's 30 days have a paid order: graded, but marked incomplete."""
    result = invoke(
        "evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(buyin_db), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["complete"] is False
    said = " ".join(result.stderr.split())
    assert "2024-09 is not complete (the data ends on 2024-09-20)" in said
    assert "orders: 28 of 30 days of 2024-09 have no paid order" in said
    result = invoke(
        "explain", "buyin-mcn", "P1", "--period", "2024-09", "--db", str(buyin_db), "--format",
        "json",
    )  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.stdout)["complete"] is False


def test_a_covered_period_is_complete(tmp_path: Path) -> None:
    w, path = store(tmp_path, "covered")
    w.partner("P1", joined_on=date(2020, 1, 1))
    w.creator("c1")
    w.bind("P1", "c1")
    w.fact("c1", "reputation", 5, date(2024, 9, 1))
    w.fact("c1", "author_level", 3, date(2024, 9, 30))  # fresh on the day it is read
    w.seller("S0")
    w.live("c1", datetime(2024, 9, 5, 20, tzinfo=SH), datetime(2024, 9, 5, 22, tzinfo=SH))
    for day in range(1, 31):  # a paid order on every day of September, Shanghai time
        w.order(datetime(2024, 9, day, 12, tzinfo=SH), "1000", creator_id="c1")
    w.con.close()
    result = invoke(
        "evaluate", "buyin-mcn", "--period", "2024-09", "--db", str(path), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["complete"] is True
    assert "not complete" not in result.stderr


def test_isv_json_has_ranks_and_fractional_scores(tmp_path: Path) -> None:
    w, path = store(tmp_path, "isv")
    # I1: 2 sellers, 2 calls/day; I2: 1 seller, 1 call/day (92 days in 2024Q3)
    for pid, sellers, per_day in (("I1", 2, 2), ("I2", 1, 1)):
        w.partner(pid, kind="isv", market="TH")
        app = w.app(pid, f"{pid}-app", published_on=date(2024, 1, 1))
        for i in range(sellers):
            w.subscribe(app, f"{pid}-s{i}")
        w.api_calls(app, date(2024, 8, 1), per_day * 92)
    w.con.close()
    result = invoke(
        "evaluate", "tts-sea-isv", "--period", "2024Q3", "--db", str(path), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    by_id = {r["partner_id"]: r for r in json.loads(result.stdout)["results"]}
    # I1: 0.5 · 2/2 + 0.5 · 2/2 = 1; I2: 0.5 · 1/2 + 0.5 · 1/2 = 0.5; both within the 15 S
    assert (by_id["I1"]["score"], by_id["I1"]["rank"], by_id["I1"]["level"]) == (1.0, 1, "S")
    assert (by_id["I2"]["score"], by_id["I2"]["rank"], by_id["I2"]["level"]) == (0.5, 2, "S")
    assert by_id["I2"]["metrics"]["api_per_day"] == 1.0


# -- TSP: --as-of moves the generation date; a missing rate is an error --------------------


def tsp_store(tmp_path: Path, *, thb_from: date) -> Path:
    w, path = store(tmp_path, f"tsp-{thb_from:%Y%m%d}")
    w.fx("USD", "1")
    w.fx("THB", "0.025", thb_from)
    w.partner("T", kind="tsp", market="TH")
    for s in ("s1", "s2", "s3"):
        w.seller(s, market="TH")
        w.bind("T", s, "fulfillment", started_on=date(2024, 1, 1))
    # 360,000 THB × 0.025 = 9,000 USD of Shop Tab GMV, paid 09-10
    w.order(
        datetime(2024, 9, 10, 12, tzinfo=BK),
        "360000",
        seller_id="s1",
        currency="THB",
        channel="shop_tab",
    )
    # a severe IPR violation, revoked on appeal on 10-05
    w.violation(
        "s2",
        datetime(2024, 8, 20, 12, tzinfo=BK),
        kind="ipr",
        severe=True,
        revoked_at=datetime(2024, 10, 5, 12, tzinfo=BK),
    )
    w.con.close()
    return path


def tsp_result(path: Path, *extra: str) -> dict[str, Any]:
    result = invoke(
        "evaluate",
        "tts-th-tsp-shop",
        "--period",
        "2024Q3",
        "--db",
        str(path),
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.output
    (only,) = json.loads(result.stdout)["results"]
    assert isinstance(only, dict)
    return only


def test_as_of_moves_the_generation_date(tmp_path: Path) -> None:
    path = tsp_store(tmp_path, thb_from=date(2024, 1, 1))
    # 3 sellers → 0; 9,000 / 3 = 3,000 USD → [2,400, 30,000) → 10; clean rates → 50
    default = tsp_result(path)
    assert default["metrics"]["avg_gmv_per_seller"] == pytest.approx(3000.0)
    # generated 10-01: the violation is not yet revoked → 1 → 0 points → 60 → Certified
    assert default["metrics"]["severe_ipr_violations"] == 1
    assert (default["score"], default["level"]) == (60.0, "Certified")
    # generated 10-10: revoked on 10-05 → 0 → 10 points → 70 → Certified
    later = tsp_result(path, "--as-of", "2024-10-10")
    assert later["metrics"]["severe_ipr_violations"] == 0
    assert (later["score"], later["level"]) == (70.0, "Certified")


def test_missing_rate_is_exit_1_naming_currency_and_day(tmp_path: Path) -> None:
    path = tsp_store(tmp_path, thb_from=date(2024, 9, 15))  # the order was paid on 09-10
    result = invoke(
        "evaluate", "tts-th-tsp-shop", "--period", "2024Q3", "--db", str(path), "--format", "json"
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "THB" in result.stderr and "2024-09-10" in result.stderr
