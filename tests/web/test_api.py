"""The REST API end to end over the portal world (numbers worked by hand in
`tierwise.testing.portal`): the operator's preview → diff → publish changes what the
partner sees; decisions, audit, outbox; errors as problem details naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import TokenFor, make_app
from tierwise.testing.portal import PASSWORD, PortalSetup

PROBLEM = "application/problem+json"


class Api:
    """A test client of a portal of the test's own, signed in per login."""

    def __init__(self, client: TestClient, setup: PortalSetup) -> None:
        self.client = client
        self.setup = setup
        self.headers: dict[str, dict[str, str]] = {}

    def as_(self, login: str) -> dict[str, str]:
        if login not in self.headers:
            reply = self.client.post(
                "/api/v1/tokens", json={"login": login, "password": self.setup.password}
            )
            assert reply.status_code == 201, reply.text
            self.headers[login] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return self.headers[login]


@pytest.fixture()
def api(fresh_portal: PortalSetup) -> Iterator[Api]:
    app = make_app(fresh_portal)
    with TestClient(app) as client:
        yield Api(client, fresh_portal)
    app.state.portal.close()


def buyin_card(doc: dict[str, object]) -> dict[str, object]:
    cards = doc["cards"]
    assert isinstance(cards, list)
    card: dict[str, object] = next(c for c in cards if c["program_id"] == "buyin-mcn")
    return card


def test_preview_diff_publish_changes_what_the_partner_sees(api: Api) -> None:
    op, a = api.as_("op"), api.as_("agency-a")
    before = buyin_card(api.client.get("/api/v1/partners/A/dashboard", headers=a).json())
    assert (before["period"], before["score"]) == ("2024-08", "601")

    run = api.client.post(
        "/api/v1/runs", json={"program_id": "buyin-mcn", "period": "2024-09"}, headers=op
    )
    assert run.status_code == 201, run.text
    doc = run.json()
    # 2024-09: A 160 → V1 (straight down from V3), B 160 → V1.
    assert (doc["status"], doc["period"], doc["gate_ok"]) == ("preview", "2024-09", True)
    assert doc["distribution"]["levels"] == {"V1": 2, "V2": 0, "V3": 0, "V4": 0, "V5": 0}

    diff = api.client.get(f"/api/v1/runs/{doc['id']}/diff", headers=op).json()
    assert diff["moves"] == [{"partner_id": "A", "before": "V3", "after": "V1", "kind": "down"}]
    assert diff["levels"]["V3"] == [1, 0] and diff["levels"]["V1"] == [1, 2]

    # Still the published August until the operator publishes.
    unchanged = api.client.get("/api/v1/partners/A/dashboard", headers=a).json()
    assert buyin_card(unchanged)["period"] == "2024-08"

    published = api.client.post(
        f"/api/v1/runs/{doc['id']}/publish", json={"reason": "September results"}, headers=op
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"

    after = buyin_card(api.client.get("/api/v1/partners/A/dashboard", headers=a).json())
    assert (after["period"], after["score"], after["change"]) == ("2024-09", "160", "down")
    level = after["level"]
    assert isinstance(level, dict) and level["id"] == "V1"
    history = after["history"]
    assert isinstance(history, list)
    assert [(h["period"], h["level"]) for h in history] == [
        ("2024-07", "V2"),
        ("2024-08", "V3"),
        ("2024-09", "V1"),
    ]
    # Its public entry holds the new 百应 level on its own workbench only: a seller is
    # shown no 百应 level (buyin-mcn's visibility names no audience).
    own = api.client.get("/api/v1/partners/A", headers=a).json()
    assert [(lv["program_id"], lv["period"], lv["level"]) for lv in own["levels"]] == [
        ("buyin-mcn", "2024-09", "V1")
    ]
    public = api.client.get("/api/v1/partners/A", headers=api.as_("seller-s0")).json()
    assert public["levels"] == []
    # The publication is audited, by the operator who did it, with the reason.
    audit = api.client.get("/api/v1/audit?limit=5", headers=op).json()
    newest = audit[0]
    assert (newest["actor"], newest["action"], newest["object"], newest["reason"]) == (
        "op",
        "publish",
        doc["id"],
        "September results",
    )
    verify = api.client.get("/api/v1/audit/verify", headers=op).json()
    assert verify["ok"] is True and verify["entries"] == verify["head_seq"]

    again = api.client.post(
        f"/api/v1/runs/{doc['id']}/publish", json={"reason": "twice"}, headers=op
    )
    assert again.status_code == 409 and "already published" in again.json()["detail"]


def test_the_explanation_of_a_published_result(client: TestClient, token_for: TokenFor) -> None:
    reply = client.get(
        "/api/v1/partners/A/programs/buyin-mcn/result", headers=token_for("agency-a")
    )
    assert reply.status_code == 200
    doc = reply.json()
    assert (doc["score"], doc["level"], doc["computed_level"]) == ("601", "V3", "V5")
    groups = {b["component"]: b["points"] for b in doc["breakdown"] if b["kind"] == "group"}
    # August by hand: operating 50 + 0.8 + 100 + 50; growth 80 + 60 + 60; service 200.
    assert groups == {"operating": 200.8, "growth": 200.0, "service": 200.0, "bonus": 0.0}
    assert doc["keep"]["notes"][0] == "the score can fall by 1 (to 600) and keep V5"
    july = client.get(
        "/api/v1/partners/A/programs/buyin-mcn/result?period=2024-07",
        headers=token_for("agency-a"),
    ).json()
    assert (july["score"], july["level"]) == ("310", "V2")


def test_directory_filters(client: TestClient, token_for: TokenFor) -> None:
    def ids(query: str, login: str = "seller-s0") -> list[str]:
        doc = client.get(f"/api/v1/partners{query}", headers=token_for(login)).json()
        return [e["partner_id"] for e in doc["items"]]

    assert ids("") == ["A", "B", "T"]
    assert ids("?market=TH") == ["T"]
    assert ids("?q=thai") == ["T"]
    assert ids("?limit=1&offset=1") == ["B"]
    # 百应 levels (A V3, B V1 in 2024-08) are shown to no seller: its filter finds no one
    # for a seller, both agencies for an operator, and for agency A only itself.
    assert ids("?program=buyin-mcn&level=V3") == []
    assert ids("?program=buyin-mcn") == []
    assert ids("?program=buyin-mcn&level=V3", "op") == ["A"]
    assert ids("?program=buyin-mcn&level=V1", "op") == ["B"]
    assert ids("?program=buyin-mcn", "agency-a") == ["A"]
    assert ids("?program=buyin-mcn&level=V1", "agency-a") == []
    assert ids("?program=buyin-mcn&level=V1", "agency-b") == ["B"]
    # A creator sees the agency it is bound to (A) and every agency graded by 集星, whose
    # levels are shown to creators (A and B, both CN agencies); not the Thai TSP.
    creator = client.get("/api/v1/partners", headers=token_for("creator-c0")).json()
    assert [e["partner_id"] for e in creator["items"]] == ["A", "B"] and creator["total"] == 2
    assert all(e["levels"] == [] for e in creator["items"])  # nothing of 集星 published


def test_public_entries_carry_no_scores(client: TestClient, token_for: TokenFor) -> None:
    doc = client.get("/api/v1/partners/A", headers=token_for("agency-a")).json()
    assert doc["levels"][0]["level"] == "V3"
    text = str(doc)
    assert "601" not in text and "score" not in text and "metrics" not in text
    # A seller is shown no 百应 level at all.
    seller = client.get("/api/v1/partners/A", headers=token_for("seller-s0")).json()
    assert seller["levels"] == [] and seller["partner_id"] == "A"


def test_decisions_are_checked_and_recorded(api: Api) -> None:
    op = api.as_("op")
    refused = api.client.post(
        "/api/v1/decisions",
        json={
            "program_id": "tts-sea-isv",
            "kind": "invite",
            "partner_id": "A",
            "reason": "no class yet",
            "level": "S",
        },
        headers=op,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    assert "no class to change" in refused.json()["detail"]
    made = api.client.post(
        "/api/v1/decisions",
        json={
            "program_id": "buyin-mcn",
            "kind": "override",
            "partner_id": "B",
            "reason": "key account",
            "level": "V2",
            "mode": "floor",
            "until": "2099-12-31",
        },
        headers=op,
    )
    assert made.status_code == 201, made.text
    listed = api.client.get("/api/v1/decisions?program_id=buyin-mcn", headers=op).json()
    assert [(d["partner_id"], d["kind"], d["level"], d["actor"]) for d in listed] == [
        ("B", "override", "V2", "op")
    ]
    unknown = api.client.post(
        "/api/v1/decisions",
        json={"program_id": "buyin-mcn", "kind": "override", "partner_id": "Z", "reason": "r"},
        headers=op,
    )
    assert unknown.status_code == 404
    assert unknown.json()["errors"] == [{"field": "body.partner_id", "message": "no partner 'Z'"}]


def test_outbox_of_a_partner_is_its_own(client: TestClient, token_for: TokenFor) -> None:
    mine = client.get("/api/v1/partners/A/outbox", headers=token_for("agency-a")).json()
    # July: new level V2; August: up to V3 — in Chinese (market CN).
    assert (mine["total"], mine["offset"], mine["limit"]) == (2, 0, 100)
    assert [(m["period"], m["kind"], m["language"]) for m in mine["items"]] == [
        ("2024-07", "level_changed", "zh"),
        ("2024-08", "level_changed", "zh"),
    ]
    assert all(m["partner_id"] == "A" for m in mine["items"])
    everyone = client.get("/api/v1/outbox", headers=token_for("op")).json()
    assert {m["partner_id"] for m in everyone["items"]} == {"A", "B"}
    assert everyone["total"] == len(everyone["items"])


def test_outbox_pages(client: TestClient, token_for: TokenFor) -> None:
    """Pages in the order queued: the second of A's two messages alone, then none; the
    operator's pages cut the same list the unpaged answer gives."""
    a = token_for("agency-a")
    second = client.get("/api/v1/partners/A/outbox?limit=1&offset=1", headers=a).json()
    assert second["total"] == 2
    assert [m["period"] for m in second["items"]] == ["2024-08"]
    beyond = client.get("/api/v1/partners/A/outbox?offset=2", headers=a).json()
    assert (beyond["total"], beyond["items"]) == (2, [])
    op = token_for("op")
    whole = client.get("/api/v1/outbox", headers=op).json()["items"]
    ids = [m["id"] for m in whole]
    assert ids == sorted(ids)
    paged = [
        m["id"]
        for offset in range(0, len(whole), 2)
        for m in client.get(f"/api/v1/outbox?limit=2&offset={offset}", headers=op).json()["items"]
    ]
    assert paged == ids
    pending_b = client.get("/api/v1/outbox?status=pending&partner_id=B", headers=op).json()
    assert pending_b["total"] == sum(
        1 for m in whole if m["partner_id"] == "B" and m["status"] == "pending"
    )
    too_many = client.get("/api/v1/outbox?limit=1001", headers=op)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "query.limit"


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "status"),
    [
        (
            "post",
            "/api/v1/runs",
            {"program_id": "buyin-mcn", "period": "2024-13"},
            "body.period",
            422,
        ),
        (
            "post",
            "/api/v1/runs",
            {"program_id": "buyin-mcn", "period": "2024Q3"},
            "body.period",
            422,
        ),
        ("post", "/api/v1/runs", {"program_id": "buyin-mcn"}, "body.period", 422),
        ("get", "/api/v1/runs?limit=0", None, "query.limit", 422),
        (
            "post",
            "/api/v1/decisions",
            {"program_id": "buyin-mcn", "kind": "promote"},
            "body.kind",
            422,
        ),
    ],
)
def test_errors_are_problem_details_naming_the_field(
    client: TestClient,
    token_for: TokenFor,
    method: str,
    path: str,
    body: dict[str, str] | None,
    field: str,
    status: int,
) -> None:
    reply = client.request(method, path, json=body, headers=token_for("op"))
    assert reply.status_code == status
    assert reply.headers["content-type"] == PROBLEM
    doc = reply.json()
    assert doc["status"] == status and doc["instance"] == path.split("?")[0]
    assert field in [e["field"] for e in doc["errors"]], doc


def test_unknown_objects_are_404_problems(client: TestClient, token_for: TokenFor) -> None:
    op = token_for("op")
    for path in (
        "/api/v1/runs/nope",
        "/api/v1/programs/nope",
        "/api/v1/partners/nope",
        "/api/v1/partners/A/programs/nope/result",
    ):
        reply = client.get(path, headers=op)
        assert reply.status_code == 404, path
        assert reply.headers["content-type"] == PROBLEM


def test_a_tsp_registers_itself_and_an_operator_excludes_it(api: Api) -> None:
    """T (the Thai TSP of the portal world) registers for 2024Q3 through the API; agency A
    may not register for a TSP program (409); the operator excludes T from 2024Q4 with a
    reason, which T reads back in its list and its outbox (Thai, T's market)."""
    from tierwise.accounts.service import Accounts, NewUser
    from tierwise.db.engine import StateStore

    with StateStore.open(api.setup.state_url) as store, store.session() as session:
        Accounts(session).add(NewUser("tsp-t", "TSP T user", "partner", partner_id="T"), PASSWORD)
    body = {"program_id": "tts-th-tsp-shop", "period": "2024Q3", "registered_on": "2024-07-02"}
    made = api.client.post("/api/v1/partners/T/registrations", json=body, headers=api.as_("tsp-t"))
    assert made.status_code == 201, made.text
    assert made.json() == {
        "program_id": "tts-th-tsp-shop",
        "partner_id": "T",
        "period": "2024Q3",
        "registered_on": "2024-07-02",
        "actor": "tsp-t",
    }
    agency = api.client.post(
        "/api/v1/partners/A/registrations", json=body, headers=api.as_("agency-a")
    )
    assert agency.status_code == 409 and "grades tsps of TH" in agency.json()["detail"]
    late = {**body, "registered_on": "2024-10-01"}
    closed = api.client.post("/api/v1/partners/T/registrations", json=late, headers=api.as_("op"))
    assert closed.status_code == 201  # registered already: the same registration comes back
    exclusion = {
        "kind": "exclude",
        "program_id": "tts-th-tsp-shop",
        "partner_id": "T",
        "period": "2024Q4",
        "reason": "shops declared without a binding",
        "decided_on": "2024-09-20",
    }
    refused = api.client.post("/api/v1/sanctions", json=exclusion, headers=api.as_("tsp-t"))
    assert refused.status_code == 403
    done = api.client.post("/api/v1/sanctions", json=exclusion, headers=api.as_("op"))
    assert done.status_code == 201, done.text
    mine = api.client.get("/api/v1/partners/T/registrations", headers=api.as_("tsp-t")).json()
    assert [(s["kind"], s["reason"]) for s in mine["sanctions"]] == [
        ("exclude", "shops declared without a binding")
    ]
    q4 = {**body, "period": "2024Q4", "registered_on": "2024-10-02"}
    excluded = api.client.post(
        "/api/v1/partners/T/registrations", json=q4, headers=api.as_("tsp-t")
    )
    assert excluded.status_code == 409 and "excluded" in excluded.json()["detail"]
    outbox = api.client.get("/api/v1/partners/T/outbox", headers=api.as_("tsp-t")).json()["items"]
    told = [m for m in outbox if m["kind"] == "excluded"]
    assert len(told) == 1 and told[0]["language"] == "th"
    assert "shops declared without a binding" in told[0]["body"]


def test_a_month_of_a_tsp_program_previews_as_a_scores_run(api: Api) -> None:
    """The TSP programs also score months: a month's preview is a `scores` run (no award);
    a half-year, which they do not score, is refused naming what they score by."""
    body = {"program_id": "tts-th-tsp-shop", "period": "2024-08"}
    made = api.client.post("/api/v1/runs", json=body, headers=api.as_("op"))
    assert made.status_code == 201, made.text
    assert (made.json()["kind"], made.json()["period"], made.json()["status"]) == (
        "scores",
        "2024-08",
        "preview",
    )
    half = api.client.post("/api/v1/runs", json={**body, "period": "2024H2"}, headers=api.as_("op"))
    assert half.status_code == 422
    assert "runs by quarter (also scored by month), not half" in half.text
