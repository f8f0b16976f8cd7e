"""The ISV program in the portal and the API (issue 13 items 2–4), on a small ISV world of
this module's own, worked by hand:

Three TH ISVs I1–I3, each with one published app and the same numbers every quarter
(2023Q4 … 2024Q2, every day): 1, 2 and 3 subscribed sellers and 100, 200, 300 API calls a
day, so
every growth dimension is 0 (0 points) and all three are class S (15 S in all of SEA).

Operators enter I1's 2024Q2 facts through the API: key_project 1, new_capability 1,
compliance 1, complaint_response 0.5, bug_fix 1, adaptation 1, activity 0. The loaded
data also has compliance 0 on 2024-06-30 (the same day: the entered 1 wins) and
key_project 0.2 on 2024-05-01 (earlier in the quarter: the entered one, on the last day,
is the latest). I1's 2024Q2 quarterly evaluation, class S (every dimension, weights sum
100): 0 + 0 + 10·1 + 10·1 + 0 + 10·1 + 10·0.5 + 10·1 + 5·1 + 5·0 = 50. In 2024Q1 no
fact: 0. The year's average: (0 + 50) / 2 = 25; I2 and I3: 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import make_app
from tests.web.test_pages import hidden, page_of, parse, sign_in
from tierwise.accounts import Accounts, NewUser
from tierwise.db.engine import StateStore
from tierwise.store import EventStore
from tierwise.testing.portal import PASSWORD, PortalSetup
from tierwise.testing.scenarios import export
from tierwise.testing.world import World

PROGRAM = "tts-sea-isv"
#: Every day has API calls (the data gate asks for each day of the period).
DAYS = [date(2023, 10, 1) + timedelta(days=i) for i in range(274)]  # 2023-10-01 … 2024-06-30
FACTS = {
    "key_project": "1",
    "new_capability": "1",
    "compliance": "1",
    "complaint_response": "0.5",
    "bug_fix": "1",
    "adaptation": "1",
    "activity": "0",
}


def isv_world() -> World:
    w = World()
    for n in (1, 2, 3):
        pid = f"I{n}"
        w.partner(pid, kind="isv", market="TH", name=f"ISV {n}")
        app = w.app(pid, f"{pid}-app", published_on=date(2023, 1, 1))
        for s in range(n):
            w.subscribe(app, f"{pid}-s{s}", started_on=date(2023, 1, 1))
        for day in DAYS:
            w.api_calls(app, day, 100 * n)
    # A seller's IPR violation: the table is not empty (the gate), and no ISV's.
    w.violation("I1-s0", datetime(2024, 3, 1, 10), kind="ipr")
    w.fact("I1", "compliance", 0, date(2024, 6, 30), subject_kind="partner")
    w.fact("I1", "key_project", 0.2, date(2024, 5, 1), subject_kind="partner")
    return w


@pytest.fixture(scope="module")
def isv_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("isv-portal")
    data = export(isv_world(), folder / "data")
    db = folder / "events.duckdb"
    with EventStore.open(db) as store:
        store.load(data)
    state_url = f"sqlite:///{folder / 'state.db'}"
    with StateStore.open(state_url) as state, state.session() as session:
        accounts = Accounts(session)
        accounts.add(NewUser("op", "Olga Operator", "operator"), PASSWORD)
        accounts.add(NewUser("isv-1", "ISV 1 user", "partner", partner_id="I1"), PASSWORD)
    app = make_app(PortalSetup(db, state_url))
    yield app
    app.state.portal.close()


@pytest.fixture(scope="module")
def api(isv_app: FastAPI) -> Iterator[TestClient]:
    client = TestClient(isv_app)
    yield client
    client.close()


def token(api: TestClient, login: str) -> dict[str, str]:
    reply = api.post("/api/v1/tokens", json={"login": login, "password": PASSWORD})
    assert reply.status_code == 201, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def enter(api: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    body = {"partner_id": "I1", "period": "2024Q2", "reason": "Q2 review", **fields}
    return api.post(f"/api/v1/programs/{PROGRAM}/facts", json=body, headers=headers)


def run_and_publish(api: TestClient, headers: dict[str, str], period: str) -> str:
    made = api.post("/api/v1/runs", json={"program_id": PROGRAM, "period": period}, headers=headers)
    assert made.status_code == 201, made.text
    run_id = str(made.json()["id"])
    published = api.post(
        f"/api/v1/runs/{run_id}/publish", json={"reason": f"{period} close"}, headers=headers
    )
    assert published.status_code == 200, published.text
    return run_id


@pytest.fixture(scope="module")
def published(api: TestClient) -> dict[str, str]:
    """I1's facts entered, then 2024Q1 and 2024Q2 run and published (in that order)."""
    op = token(api, "op")
    for name, value in FACTS.items():
        reply = enter(api, op, name=name, value=value)
        assert reply.status_code == 201, reply.text
    # Entering again replaces (and is audited again): complaint_response 0.4, then 0.5.
    assert enter(api, op, name="complaint_response", value="0.4").status_code == 201
    assert enter(api, op, name="complaint_response", value="0.5").json()["value"] == "0.5"
    run_and_publish(api, op, "2024Q1")
    run_and_publish(api, op, "2024Q2")
    return op


def test_facts_are_refused_naming_the_field(api: TestClient) -> None:
    op = token(api, "op")
    cases = [
        ({"name": "compliance", "value": "1.5"}, 422, "body.value", "between 0 and 1"),
        ({"name": "nope", "value": "1"}, 422, "body.name", "takes activity, adaptation, bug_fix"),
        ({"name": "compliance", "value": "1", "period": "2024-05"}, 422, "body.period", "quarter"),
        ({"name": "compliance", "value": "1", "partner_id": "Z"}, 404, "body.partner_id", "'Z'"),
        ({"name": "compliance", "value": "0.1234567"}, 422, "body.value", "6 decimal places"),
    ]
    for fields, status, field, words in cases:
        reply = enter(api, op, **fields)
        assert reply.status_code == status, (fields, reply.text)
        (error,) = reply.json()["errors"]
        assert error["field"] == field and words in error["message"], error
    # Another program reads no operator facts: the program is named.
    other = api.post(
        "/api/v1/programs/buyin-mcn/facts",
        json={"partner_id": "I1", "name": "x", "period": "2024-05", "value": 1, "reason": "r"},
        headers=op,
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "program_id"
    # A partner may not enter one, not even about itself.
    assert enter(api, token(api, "isv-1"), name="compliance", value="1").status_code == 403


def test_entered_facts_are_listed_and_audited(api: TestClient, published: dict[str, str]) -> None:
    listed = api.get(f"/api/v1/programs/{PROGRAM}/facts?period=2024Q2", headers=published)
    assert listed.status_code == 200
    values = {f["name"]: f["value"] for f in listed.json()}
    assert values == FACTS
    assert {f["as_of"] for f in listed.json()} == {"2024-06-30"}
    audit = api.get("/api/v1/audit?limit=200", headers=published).json()
    entered = [e for e in audit if e["action"] == "fact_entered"]
    assert len(entered) == 9  # seven facts, complaint_response twice more
    assert api.get("/api/v1/audit/verify", headers=published).json()["ok"] is True


def test_the_quarterly_evaluation_in_the_result_and_the_dashboard(
    api: TestClient, isv_app: FastAPI, published: dict[str, str]
) -> None:
    result = api.get(f"/api/v1/partners/I1/programs/{PROGRAM}/result", headers=published)
    assert result.status_code == 200, result.text
    quarterly = result.json()["evaluations"]["quarterly"]
    assert (quarterly["level"], quarterly["score"]) == ("S", 50)
    mine = token(api, "isv-1")
    (card,) = api.get("/api/v1/partners/I1/dashboard", headers=mine).json()["cards"]
    (evaluation,) = card["evaluations"]
    dims = {d["name"]: (d["value"], d["points"]) for d in evaluation["dimensions"]}
    assert evaluation["score"] == 50 and len(dims) == 10
    # The entered 1 wins over the file's 0 of the same day; key_project's 0.2 is older.
    assert dims["compliance"] == (1, 100) and dims["key_project"] == (1, 100)
    assert dims["complaint_response"] == (0.5, 50) and dims["seller_growth"] == (0, 0)
    page = page_of(sign_in(isv_app, "isv-1"), "/partners/I1/dashboard")
    section = page.one("evaluation-quarterly")
    assert "Quarterly evaluation · score 50, class" in section.text()
    assert page.one("dimension-complaint_response").text().endswith("0.5 50")


def test_review_items_go_to_operators_not_to_the_partner(
    api: TestClient, isv_app: FastAPI, published: dict[str, str]
) -> None:
    reviews = api.get("/api/v1/reviews", headers=published).json()
    # 2024Q2 closes 2024H1: an invitation review for each S ISV.
    assert [(r["partner_id"], r["kind"], r["window"]) for r in reviews] == [
        (f"I{n}", "invitation_review", "2024H1") for n in (1, 2, 3)
    ]
    mine = token(api, "isv-1")
    assert api.get("/api/v1/reviews", headers=mine).status_code == 403
    result = f"/api/v1/partners/I1/programs/{PROGRAM}/result"
    assert len(api.get(result, headers=published).json()["standing"]["reviews"]) == 1
    assert "reviews" not in api.get(result, headers=mine).json()["standing"]
    outbox = api.get("/api/v1/partners/I1/outbox", headers=mine).json()
    kinds = {m["kind"] for m in outbox["items"]}
    assert "review_opened" not in kinds
    dashboard = page_of(sign_in(isv_app, "isv-1"), "/partners/I1/dashboard")
    assert not dashboard.has("warning-review_opened")
    page = page_of(sign_in(isv_app, "op"), "/operator/reviews")
    assert (
        page.one("review-I2-invitation_review")
        .text()
        .startswith("tts-sea-isv I2 Invitation review 2024H1 S")
    )


def test_excellent_isvs_with_their_reasons_published(
    api: TestClient, isv_app: FastAPI, published: dict[str, str]
) -> None:
    url = f"/api/v1/programs/{PROGRAM}/excellence?year=2024"
    doc = api.get(url, headers=published).json()
    assert doc["classes"] == ["S", "A"] and doc["periods"] == ["2024Q1", "2024Q2"]
    assert doc["published"] is None
    first, *rest = doc["excellent"]["S"]
    assert first == {
        "partner_id": "I1",
        "average": 25.0,
        "quarters": 2,
        "evaluations": {"2024Q1": 0.0, "2024Q2": 50.0},
    }
    assert [(x["partner_id"], x["average"]) for x in rest] == [("I2", 0.0), ("I3", 0.0)]
    assert doc["excellent"]["A"] == []
    publish = f"/api/v1/programs/{PROGRAM}/excellence/publish?year=2024"
    reply = api.post(publish, json={"reason": "2024 trophies"}, headers=published)
    assert reply.status_code == 200, reply.text
    assert reply.json()["published"]["published_by"] == "op"
    assert reply.json()["published"]["excellent"]["S"][0]["partner_id"] == "I1"
    none_yet = api.post(
        f"/api/v1/programs/{PROGRAM}/excellence/publish?year=2019",
        json={"reason": "r"},
        headers=published,
    )
    assert none_yet.status_code == 409
    audit = api.get("/api/v1/audit?limit=200", headers=published).json()
    assert [e["object"] for e in audit if e["action"] == "excellence_published"] == [
        f"{PROGRAM}/2024"
    ]
    page = page_of(sign_in(isv_app, "op"), f"/operator/excellence?program_id={PROGRAM}&year=2024")
    assert page.one("excellent-row-I1").text() == "1 I1 25 0 50"
    assert "2024 trophies" in page.one("excellence-published").text()


def test_the_facts_page_enters_and_refuses(isv_app: FastAPI, published: dict[str, str]) -> None:
    op = sign_in(isv_app, "op")
    page = page_of(op, f"/operator/facts?program_id={PROGRAM}&period=2024Q2")
    assert page.one("fact-row-I1-compliance-2024Q2").text().startswith("2024Q2 I1 Compliance")
    csrf = hidden(op.get("/operator/facts").text, "csrf_token")
    form = {
        "csrf_token": csrf,
        "program_id": PROGRAM,
        "partner_id": "I2",
        "name": "bug_fix",
        "period": "2024Q3",
        "reason": "Q3 review",
    }
    refused = op.post("/operator/facts", data={**form, "value": "2"})
    assert refused.status_code == 422
    assert "value: must be between 0 and 1" in parse(refused.text).one("form-error").text()
    assert parse(refused.text).one("fact-partner").attrs["value"] == "I2"
    made = op.post("/operator/facts", data={**form, "value": "0.75"}, follow_redirects=False)
    assert made.status_code == 303
    after = page_of(op, made.headers["location"])
    assert after.one("flash").text() == "The fact was entered (audited)."
    assert "0.75" in after.one("fact-row-I2-bug_fix-2024Q3").text()


def test_no_route_left_without_a_page(isv_app: FastAPI, tmp_path: Path) -> None:
    """The operator's new pages answer in every language (keys exist in en, zh and th)."""
    op = sign_in(isv_app, "op")
    for lang in ("en", "zh", "th"):
        for url in ("/operator/reviews", "/operator/facts", "/operator/excellence"):
            reply = op.get(f"{url}?lang={lang}")
            assert reply.status_code == 200, (url, lang)
            assert "{" not in parse(reply.text).one("nav-reviews").text()
